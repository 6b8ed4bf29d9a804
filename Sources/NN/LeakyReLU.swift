/// Leaky rectifier, as PyTorch's `nn.LeakyReLU`: `y = x` for `x > 0`, else `slope · x`.
///
/// `ReLU` is the same layer with slope 0. The gradient at exactly `x = 0` is `slope`, as in PyTorch
/// (`x > 0 ? 1 : slope`).
public final class LeakyReLU: Layer {
    /// The slope for negative inputs (PyTorch's `negative_slope`, the DCGAN discriminator uses 0.2).
    public let slope: Float
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    private var recordedInput: Tensor?

    /// Creates the layer.
    /// - Parameter slope: the slope for negative inputs; PyTorch's default is 0.01.
    public init(slope: Float = 0.01) {
        self.slope = slope
    }

    /// - Parameter input: any shape.
    /// - Returns: the same shape.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let y = Tensor.reuse(&output, shape: input.shape)
        let (x, target, slope) = (input.pointer, y.storage.pointer, self.slope)
        Parallel.forEachChunk(count: input.count) { range in
            for index in range {
                let value = x[index]
                target[index] = value > 0 ? value : value * slope
            }
        }
        recordedInput = recording ? input : nil
        return y
    }

    /// - Parameter gradOutput: the shape of the input.
    /// - Returns: `dY · (x > 0 ? 1 : slope)`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let input = recordedInput else { preconditionFailure("LeakyReLU.backward needs a recorded forward") }
        recordedInput = nil
        guard inputGradient else { return nil }
        precondition(gradOutput.shape == input.shape, "LeakyReLU.backward expects \(input.shape), got \(gradOutput.shape)")
        let dX = Tensor.reuse(&inputGradientBuffer, shape: input.shape)
        let (x, dY, target, slope) = (input.pointer, gradOutput.pointer, dX.storage.pointer, self.slope)
        Parallel.forEachChunk(count: input.count) { range in
            for index in range { target[index] = x[index] > 0 ? dY[index] : dY[index] * slope }
        }
        return dX
    }
}
