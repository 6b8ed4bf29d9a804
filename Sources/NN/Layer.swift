/// A differentiable layer with a hand-written backward pass, in PyTorch's `nn.Module` vocabulary.
///
/// Life cycle of one training step: `forward(x, recording: true)` keeps what backward needs,
/// `backward(dY, …)` uses it once, adds parameter gradients into `Parameter.gradient`, releases the
/// recording and returns `dX`. `forward(x, recording: false)` (or `infer(_:)`) is the inference path:
/// it keeps nothing, so it needs less memory and work. Calling `backward` without a recorded forward
/// is a programmer error.
///
/// Returned tensors share memory with buffers the layer keeps. That is safe (a tensor a caller still
/// holds is never overwritten: the layer allocates a new block instead), and a loop that drops each
/// step's tensors before the next step runs without allocating.
public protocol Layer: AnyObject {
    /// Runs the layer.
    /// - Parameters:
    ///   - input: the input, shape as the layer documents (images are `[N, C, H, W]`).
    ///   - recording: keep what `backward` needs; `false` for inference.
    /// - Returns: the output.
    func forward(_ input: Tensor, recording: Bool) -> Tensor

    /// Back-propagates the gradient of a scalar loss through the last recorded forward.
    /// - Parameters:
    ///   - gradOutput: ∂loss/∂output, the shape of the last output.
    ///   - inputGradient: compute and return ∂loss/∂input (`false` when the input is data).
    ///   - parameterGradients: accumulate ∂loss/∂parameter into each `Parameter.gradient`
    ///     (`false` when only the input gradient is wanted, e.g. D while training G).
    /// - Returns: ∂loss/∂input, shaped as the input, or `nil` when `inputGradient` is `false`.
    func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor?

    /// Parameters and buffers under PyTorch `state_dict` keys relative to this layer
    /// (`weight`, `running_mean`, `0.weight`, …), in PyTorch's registration order.
    func stateEntries() -> [(key: String, entry: StateEntry)]

    /// Switches training behaviour (BatchNorm's batch statistics) on or off, like `module.train()`.
    func setTraining(_ training: Bool)
}

extension Layer {
    /// Layers without state have no entries.
    public func stateEntries() -> [(key: String, entry: StateEntry)] { [] }

    /// Layers whose behaviour does not depend on the mode ignore it.
    public func setTraining(_ training: Bool) {}

    /// Runs forward and records for backward.
    /// - Parameter input: the input tensor.
    public func forward(_ input: Tensor) -> Tensor {
        forward(input, recording: true)
    }

    /// Runs forward for inference only: nothing is kept for backward.
    /// - Parameter input: the input tensor.
    public func infer(_ input: Tensor) -> Tensor {
        forward(input, recording: false)
    }

    /// Back-propagates, accumulating parameter gradients and returning ∂loss/∂input.
    /// - Parameter gradOutput: ∂loss/∂output.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        backward(gradOutput, inputGradient: true, parameterGradients: true)!
    }

    /// The trainable parameters with their `state_dict` keys, in registration order.
    public var namedParameters: [(key: String, parameter: Parameter)] {
        stateEntries().compactMap { key, entry in
            if case .parameter(let parameter) = entry { return (key, parameter) }
            return nil
        }
    }

    /// The trainable parameters in registration order (as `module.parameters()`).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// Sets every parameter gradient to zero (`module.zero_grad()` with `set_to_none=False`).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// A snapshot of every parameter and buffer under its `state_dict` key.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, entry) in stateEntries() { result[key] = entry.value }
        return result
    }
}

/// Prefixes child keys the way PyTorch joins module paths: `prefix.key`, or `key` alone.
func joinedKey(_ prefix: String, _ key: String) -> String {
    prefix.isEmpty ? key : prefix + "." + key
}

/// A layer made of other layers (``Sequential``, ``Named``, a network class around a `Sequential`):
/// what walks over a network's layers, such as ``DCGANInitializer``, descends into.
public protocol LayerContainer: Layer {
    /// The layers inside, in order.
    var sublayers: [any Layer] { get }
}
