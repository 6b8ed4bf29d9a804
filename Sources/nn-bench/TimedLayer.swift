import Foundation
import NN

/// Wraps a layer and adds up the process CPU time of its forward and backward calls, for the
/// per-layer profile (`nn-bench profile`). CPU time rather than wall time, so that other work on
/// the machine does not distort the breakdown.
final class TimedLayer: Layer {
    let name: String
    let inner: any Layer
    var forwardSeconds = 0.0
    var backwardSeconds = 0.0

    init(_ name: String, _ inner: any Layer) {
        self.name = name
        self.inner = inner
    }

    static func cpuNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let start = Self.cpuNow()
        defer { forwardSeconds += Self.cpuNow() - start }
        return inner.forward(input, recording: recording)
    }

    func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        let start = Self.cpuNow()
        defer { backwardSeconds += Self.cpuNow() - start }
        return inner.backward(
            gradOutput, inputGradient: inputGradient, parameterGradients: parameterGradients)
    }

    func stateEntries() -> [(key: String, entry: StateEntry)] { inner.stateEntries() }
    func setTraining(_ training: Bool) { inner.setTraining(training) }

    /// Wraps every child of a `Named(Sequential)` model, keeping its state keys.
    static func wrap(_ model: any Layer, prefix: String) -> (model: any Layer, timers: [TimedLayer])
    {
        guard let named = model as? Named, let stack = named.layer as? Sequential else {
            return (model, [])
        }
        let timers = stack.layers.enumerated().map { index, layer in
            TimedLayer("\(prefix).\(index) \(String(describing: type(of: layer)))", layer)
        }
        return (Named(named.name, Sequential(timers)), timers)
    }
}
