/// Rectifier, as PyTorch's `nn.ReLU`: `y = max(x, 0)`; the gradient at `x = 0` is 0, as PyTorch.
public final class ReLU: Layer {
    /// The same computation as a leaky rectifier with slope 0.
    private let rectifier = LeakyReLU(slope: 0)

    /// Creates the layer.
    public init() {}

    /// - Parameter input: any shape.
    /// - Returns: the same shape.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        rectifier.forward(input, recording: recording)
    }

    /// - Parameter gradOutput: the shape of the input.
    /// - Returns: `dY · (x > 0 ? 1 : 0)`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        rectifier.backward(gradOutput, inputGradient: inputGradient, parameterGradients: parameterGradients)
    }
}
