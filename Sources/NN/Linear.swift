/// Fully connected layer, as PyTorch's `nn.Linear`: `y = x · weightᵀ + bias`.
///
/// One sgemm on the whole batch. Unlike the convolutions it is not split over workers: the
/// networks here use it only on small `[N, features]` heads.
public final class Linear: Layer {
    /// `[out, in]` (PyTorch's Linear layout).
    public let weight: Parameter
    /// `[out]`, or `nil` for `bias: false`.
    public let bias: Parameter?
    public let inputFeatures: Int
    public let outputFeatures: Int
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    private var recordedInput: Tensor?

    /// Creates the layer with zero weights.
    /// - Parameters:
    ///   - inputFeatures: `in`.
    ///   - outputFeatures: `out`.
    ///   - bias: whether to add a bias.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear needs positive feature counts")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.weight = Parameter(Tensor(zeros: [outputFeatures, inputFeatures]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputFeatures])) : nil
    }

    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        var entries: [(key: String, entry: StateEntry)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    /// - Parameter input: `[N, in]`.
    /// - Returns: `[N, out]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        precondition(input.shape.count == 2 && input.shape[1] == inputFeatures,
                     "Linear expects [N, \(inputFeatures)], got \(input.shape)")
        _ = Parallel.workerCount  // sets OpenBLAS to one thread before the first sgemm
        let n = input.shape[0]
        let y = Tensor.reuse(&output, shape: [n, outputFeatures])
        // y [N, out] = x [N, in] · weightᵀ [in, out]
        sgemm(transposeA: false, transposeB: true, m: n, n: outputFeatures, k: inputFeatures,
              input.pointer, lda: inputFeatures, weight.value.pointer, ldb: inputFeatures,
              beta: 0, y.storage.pointer, ldc: outputFeatures)
        if let bias {
            let (b, target) = (bias.value.pointer, y.storage.pointer)
            for row in 0..<n {
                for column in 0..<outputFeatures { target[row * outputFeatures + column] += b[column] }
            }
        }
        recordedInput = recording ? input : nil
        return y
    }

    /// - Parameter gradOutput: `[N, out]`.
    /// - Returns: `[N, in]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let input = recordedInput else { preconditionFailure("Linear.backward needs a recorded forward") }
        recordedInput = nil
        let n = input.shape[0]
        precondition(gradOutput.shape == [n, outputFeatures],
                     "Linear.backward expects \([n, outputFeatures]), got \(gradOutput.shape)")
        let dY = gradOutput.pointer
        if parameterGradients {
            // dWeight [out, in] += dYᵀ [out, N] · x [N, in]
            sgemm(transposeA: true, transposeB: false, m: outputFeatures, n: inputFeatures, k: n,
                  dY, lda: outputFeatures, input.pointer, ldb: inputFeatures,
                  beta: 1, weight.gradient.mutablePointer(), ldc: inputFeatures)
            if let bias {
                // dBias[j] += Σ_n dY[n, j]
                let target = bias.gradient.mutablePointer()
                for column in 0..<outputFeatures {
                    var total = 0.0
                    for row in 0..<n { total += Double(dY[row * outputFeatures + column]) }
                    target[column] += Float(total)
                }
            }
        }
        guard inputGradient else { return nil }
        let dX = Tensor.reuse(&inputGradientBuffer, shape: input.shape)
        // dX [N, in] = dY [N, out] · weight [out, in]
        sgemm(transposeA: false, transposeB: false, m: n, n: inputFeatures, k: outputFeatures,
              dY, lda: outputFeatures, weight.value.pointer, ldb: inputFeatures,
              beta: 0, dX.storage.pointer, ldc: inputFeatures)
        return dX
    }
}
