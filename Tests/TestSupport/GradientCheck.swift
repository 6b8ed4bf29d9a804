import NN

/// Central-difference gradient checks for layers with a hand-written backward, independent of
/// PyTorch.
///
/// The scalar checked is `L = Σ r·f(x)` for a fixed random `r`, so `∂L/∂y = r` is what backward
/// receives. For a sample of coordinates θ (input elements and every parameter's elements) the
/// numerical derivative `(L(θ + ε) − L(θ − ε)) / 2ε` is compared with the analytic one. In float32
/// with ε ≈ 1e-2 the truncation error is O(ε²·f''') and the rounding error about
/// `1e-7·Σ|r·y| / ε`; both stay well under the 1e-2 relative bound on small, well-scaled shapes.
public struct GradientCheck {
    /// One compared coordinate.
    public struct Mismatch: CustomStringConvertible {
        public var what: String
        public var analytic: Double
        public var numeric: Double
        public var description: String { "\(what): analytic \(analytic), numeric \(numeric)" }
    }

    public var eps: Float = 1e-2
    /// Allowed |analytic − numeric| / max(|analytic|, |numeric|, floor).
    public var relativeTolerance: Double = 1e-2
    /// Derivatives smaller than this are compared absolutely, against `floor · relativeTolerance`.
    public var floor: Double = 1e-2
    /// How many coordinates of each tensor to check (all, if the tensor is smaller).
    public var samplesPerTensor = 12

    public init() {}

    /// Checks ∂L/∂input and ∂L/∂parameter of `layer` at `input`.
    /// - Parameters:
    ///   - layer: the layer; its mode decides which behaviour is checked.
    ///   - input: the point, e.g. `[2, 3, 5, 5]`.
    ///   - generator: random source for `r` and the sampled coordinates.
    /// - Returns: the coordinates that disagree (empty when the check passes) and how many were checked.
    public func check(
        _ layer: any Layer, at input: Tensor, using generator: inout SeededGenerator
    ) -> (mismatches: [Mismatch], checked: Int) {
        let probe = layer.forward(input, recording: false)
        let r = Tensor.randomNormal(shape: probe.shape, using: &generator)
        let rValues = r.data.map(Double.init)

        func loss(_ x: Tensor) -> Double {
            let y = layer.forward(x, recording: false).data
            var total = 0.0
            for index in y.indices { total += Double(y[index]) * rValues[index] }
            return total
        }

        layer.zeroGradients()
        _ = layer.forward(input, recording: true)
        let analyticInput = layer.backward(r).data
        let parameters = layer.namedParameters
        let analyticParameters = parameters.map { $0.parameter.gradient.data }

        var mismatches: [Mismatch] = []
        var checked = 0
        func compare(_ what: String, _ analytic: Double, _ numeric: Double) {
            checked += 1
            let scale = max(abs(analytic), abs(numeric), floor)
            if abs(analytic - numeric) / scale > relativeTolerance {
                mismatches.append(Mismatch(what: what, analytic: analytic, numeric: numeric))
            }
        }

        for index in sampleIndices(input.count, using: &generator) {
            var plus = input, minus = input
            plus[flat: index] += eps
            minus[flat: index] -= eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
            compare("input[\(index)]", Double(analyticInput[index]), numeric)
        }
        for (parameterIndex, (key, parameter)) in parameters.enumerated() {
            let original = parameter.value
            for index in sampleIndices(original.count, using: &generator) {
                var plus = original, minus = original
                plus[flat: index] += eps
                minus[flat: index] -= eps
                parameter.value = plus
                let lossPlus = loss(input)
                parameter.value = minus
                let lossMinus = loss(input)
                parameter.value = original
                let numeric = (lossPlus - lossMinus) / Double(2 * eps)
                compare("\(key)[\(index)]", Double(analyticParameters[parameterIndex][index]), numeric)
            }
        }
        return (mismatches, checked)
    }

    private func sampleIndices(_ count: Int, using generator: inout SeededGenerator) -> [Int] {
        if count <= samplesPerTensor { return Array(0..<count) }
        var chosen = Set<Int>()
        while chosen.count < samplesPerTensor { chosen.insert(Int(generator.next() % UInt64(count))) }
        return chosen.sorted()
    }
}
