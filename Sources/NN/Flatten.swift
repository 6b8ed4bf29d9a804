/// Flattens every dimension after the first, as PyTorch's `nn.Flatten()`: `[N, …] → [N, ∏…]`.
/// No copy: the output shares the input's storage.
public final class Flatten: Layer {
    private var recordedShape: [Int]?

    /// Creates the layer.
    public init() {}

    /// - Parameter input: `[N, …]` with at least one dimension.
    /// - Returns: `[N, ∏…]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        precondition(!input.shape.isEmpty, "Flatten expects at least one dimension")
        recordedShape = recording ? input.shape : nil
        let rest = input.shape.dropFirst().reduce(1, *)
        return input.reshaped([input.shape[0], rest])
    }

    /// - Parameter gradOutput: `[N, ∏…]`.
    /// - Returns: the gradient reshaped to the input's shape.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let shape = recordedShape else { preconditionFailure("Flatten.backward needs a recorded forward") }
        recordedShape = nil
        return inputGradient ? gradOutput.reshaped(shape) : nil
    }
}
