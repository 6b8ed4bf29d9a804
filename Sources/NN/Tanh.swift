import Foundation

/// Hyperbolic tangent, as PyTorch's `nn.Tanh`; the DCGAN generator's output layer.
public final class Tanh: Layer {
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    private var recordedOutput: Tensor?

    /// Creates the layer.
    public init() {}

    /// Compute-bound (libm `tanhf` costs ~20 ns), so 2 workers pay off from ~16K elements
    /// (PLATFORM-NOTES e: 1.4–2× there).
    static let parallelThreshold = 1 << 14

    /// - Parameter input: any shape.
    /// - Returns: `tanh(x)`, the same shape.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let y = Tensor.reuse(&output, shape: input.shape)
        let (x, target) = (input.pointer, y.storage.pointer)
        Parallel.forEachChunk(count: input.count, threshold: Tanh.parallelThreshold) { range in
            for index in range { target[index] = tanhf(x[index]) }
        }
        recordedOutput = recording ? y : nil
        return y
    }

    /// - Parameter gradOutput: the shape of the input.
    /// - Returns: `dY · (1 − y²)`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let y = recordedOutput else { preconditionFailure("Tanh.backward needs a recorded forward") }
        recordedOutput = nil
        guard inputGradient else { return nil }
        precondition(gradOutput.shape == y.shape, "Tanh.backward expects \(y.shape), got \(gradOutput.shape)")
        let dX = Tensor.reuse(&inputGradientBuffer, shape: y.shape)
        let (yPointer, dY, target) = (y.pointer, gradOutput.pointer, dX.storage.pointer)
        Parallel.forEachChunk(count: y.count) { range in
            for index in range { target[index] = dY[index] * (1 - yPointer[index] * yPointer[index]) }
        }
        return dX
    }
}
