import Foundation

/// Logistic sigmoid, as PyTorch's `nn.Sigmoid`: `y = 1 / (1 + e⁻ˣ)`; the DCGAN discriminator's
/// output layer.
public final class Sigmoid: Layer {
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    private var recordedOutput: Tensor?

    /// Creates the layer.
    public init() {}

    /// - Parameter input: any shape.
    /// - Returns: the same shape, values in `[0, 1]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let y = Tensor.reuse(&output, shape: input.shape)
        let (x, target) = (input.pointer, y.storage.pointer)
        Parallel.forEachChunk(count: input.count, threshold: Tanh.parallelThreshold) { range in
            for index in range { target[index] = sigmoid(x[index]) }
        }
        recordedOutput = recording ? y : nil
        return y
    }

    /// - Parameter gradOutput: the shape of the input.
    /// - Returns: `dY · y · (1 − y)`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let y = recordedOutput else { preconditionFailure("Sigmoid.backward needs a recorded forward") }
        recordedOutput = nil
        guard inputGradient else { return nil }
        precondition(gradOutput.shape == y.shape, "Sigmoid.backward expects \(y.shape), got \(gradOutput.shape)")
        let dX = Tensor.reuse(&inputGradientBuffer, shape: y.shape)
        let (yPointer, dY, target) = (y.pointer, gradOutput.pointer, dX.storage.pointer)
        for index in 0..<y.count { target[index] = dY[index] * yPointer[index] * (1 - yPointer[index]) }
        return dX
    }
}

/// `1 / (1 + e⁻ˣ)` without overflow: for negative x it is computed as `eˣ / (1 + eˣ)`.
@inline(__always)
func sigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}
