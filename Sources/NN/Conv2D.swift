/// 2-D convolution (cross-correlation) as PyTorch's `nn.Conv2d` with `groups = 1, dilation = 1`.
///
/// `y[n, o, oy, ox] = bias[o] + Σ_{c,i,j} weight[o, c, i, j] · x[n, c, oy·s − p + i, ox·s − p + j]`,
/// zero outside the image; `oH = (H + 2p − kH) / s + 1`.
///
/// Implementation: per image, im2col builds `col: [C·kH·kW, oH·oW]` and one sgemm computes
/// `y_n = weight[O, C·kH·kW] · col`. The batch is split over one worker per core, each running
/// single-threaded sgemm (faster here than OpenBLAS's threads, PLATFORM-NOTES d); a batch smaller
/// than the worker count splits each GEMM's columns instead. A recording forward keeps every
/// image's column matrix so backward does not rebuild it.
public final class Conv2D: Layer {
    /// `[O, C, kH, kW]` (PyTorch's Conv2d layout).
    public let weight: Parameter
    /// `[O]`, or `nil` for `bias: false`.
    public let bias: Parameter?
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: (height: Int, width: Int)
    public let stride: Int
    public let padding: Int

    // Buffers kept between calls (see `Tensor.reuse`).
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    /// Column matrices of the recorded forward, `[N, C·kH·kW, oH·oW]`.
    private var columns: Tensor?
    /// One column matrix per worker, for the inference path and for backward's `dCol`.
    private var scratch: [Tensor?]
    /// Partial weight gradients of workers 1…, summed into `weight.gradient` at the end.
    private var partialWeightGradient: [Tensor?]
    private var recorded: (geometry: ConvGeometry, batch: Int)?

    /// Creates a convolution with zero weights; load or initialise them afterwards
    /// (see `DCGANInitializer`).
    /// - Parameters:
    ///   - inputChannels: C.
    ///   - outputChannels: O.
    ///   - kernelSize: kH = kW.
    ///   - stride: s, the same in both directions.
    ///   - padding: p, zeros on every side.
    ///   - bias: whether to add a per-channel bias.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D needs positive channels, kernel and stride and a non-negative padding")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = stride
        self.padding = padding
        self.weight = Parameter(Tensor(zeros: [outputChannels, inputChannels, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
        self.scratch = Array(repeating: nil, count: Parallel.workerCount)
        self.partialWeightGradient = Array(repeating: nil, count: Parallel.workerCount)
    }

    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        var entries: [(key: String, entry: StateEntry)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    private func geometry(for shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[1] == inputChannels,
                     "Conv2D expects [N, \(inputChannels), H, W], got \(shape)")
        let (h, w) = (shape[2], shape[3])
        let oH = (h + 2 * padding - kernelSize.height) / stride + 1
        let oW = (w + 2 * padding - kernelSize.width) / stride + 1
        precondition(oH > 0 && oW > 0, "Conv2D input \(shape) is smaller than its kernel")
        return ConvGeometry(
            channels: inputChannels, height: h, width: w, kernelHeight: kernelSize.height,
            kernelWidth: kernelSize.width, stride: stride, padding: padding, outHeight: oH, outWidth: oW)
    }

    // MARK: - Forward

    /// - Parameter input: `[N, C, H, W]`.
    /// - Returns: `[N, O, oH, oW]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        let n = input.shape[0]
        let (rows, cols, o) = (g.rows, g.columns, outputChannels)
        let workers = Parallel.workerCount
        let y = Tensor.reuse(&output, shape: [n, o, g.outHeight, g.outWidth])
        let (x, yPointer, w) = (input.pointer, y.storage.pointer, weight.value.pointer)
        let biasPointer = bias?.value.pointer

        // Where column matrices live: all kept for backward, or one per worker.
        var columnPointers: [UnsafeMutablePointer<Float>] = []
        if recording {
            columnPointers = [Tensor.reuse(&columns, shape: [n, rows, cols]).storage.pointer]
        } else {
            for worker in 0..<workers {
                columnPointers.append(Tensor.reuse(&scratch[worker], shape: [rows, cols]).storage.pointer)
            }
        }
        recorded = recording ? (g, n) : nil

        if n >= workers {
            Parallel.run(workers: workers) { worker in
                for image in Parallel.range(of: worker, workers: workers, count: n) {
                    let col = recording ? columnPointers[0] + image * rows * cols : columnPointers[worker]
                    im2col(x + image * g.channels * g.height * g.width, g, col)
                    // y_n [O, oH·oW] = weight [O, C·kH·kW] · col [C·kH·kW, oH·oW]
                    sgemm(transposeA: false, transposeB: false, m: o, n: cols, k: rows,
                          w, lda: rows, col, ldb: cols, beta: 0, yPointer + image * o * cols, ldc: cols)
                }
            }
        } else {
            // Fewer images than workers (batch 1 inference): split each GEMM's columns instead.
            for image in 0..<n {
                let col = recording ? columnPointers[0] + image * rows * cols : columnPointers[0]
                im2col(x + image * g.channels * g.height * g.width, g, col)
                Parallel.run(workers: workers) { worker in
                    let part = Parallel.range(of: worker, workers: workers, count: cols)
                    if part.isEmpty { return }
                    sgemm(transposeA: false, transposeB: false, m: o, n: part.count, k: rows,
                          w, lda: rows, col + part.lowerBound, ldb: cols, beta: 0,
                          yPointer + image * o * cols + part.lowerBound, ldc: cols)
                }
            }
        }
        if let biasPointer { addChannelBias(biasPointer, to: yPointer, batch: n, channels: o, plane: cols) }
        return y
    }

    // MARK: - Backward

    /// - Parameter gradOutput: `[N, O, oH, oW]`.
    /// - Returns: `[N, C, H, W]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let (g, n) = recorded, let columnTensor = columns else {
            preconditionFailure("Conv2D.backward needs a recorded forward")
        }
        recorded = nil
        let (rows, cols, o) = (g.rows, g.columns, outputChannels)
        precondition(gradOutput.shape == [n, o, g.outHeight, g.outWidth],
                     "Conv2D.backward expects \([n, o, g.outHeight, g.outWidth]), got \(gradOutput.shape)")
        let workers = min(Parallel.workerCount, n)
        let dY = gradOutput.pointer
        let allColumns = columnTensor.pointer
        let w = weight.value.pointer
        let imageSize = g.channels * g.height * g.width

        var dX: Tensor? = nil
        var dXPointer: UnsafeMutablePointer<Float>? = nil
        var dColPointers: [UnsafeMutablePointer<Float>] = []
        if inputGradient {
            let tensor = Tensor.reuse(&inputGradientBuffer, shape: [n, g.channels, g.height, g.width])
            dX = tensor
            dXPointer = tensor.storage.pointer
            for worker in 0..<workers {
                dColPointers.append(Tensor.reuse(&scratch[worker], shape: [rows, cols]).storage.pointer)
            }
        }
        // Worker 0 accumulates straight into weight.gradient; the others into their own partial sums.
        var dWPointers: [UnsafeMutablePointer<Float>] = []
        if parameterGradients {
            dWPointers.append(weight.gradient.mutablePointer())
            for worker in 1..<max(workers, 1) {
                dWPointers.append(
                    Tensor.reuse(&partialWeightGradient[worker], shape: weight.value.shape).storage.pointer)
            }
        }

        Parallel.run(workers: workers) { worker in
            let images = Parallel.range(of: worker, workers: workers, count: n)
            for image in images {
                let col = allColumns + image * rows * cols
                let dYn = dY + image * o * cols
                if parameterGradients {
                    // dWeight [O, C·kH·kW] += dY_n [O, oH·oW] · col_nᵀ [oH·oW, C·kH·kW]
                    let first = worker > 0 && image == images.lowerBound
                    sgemm(transposeA: false, transposeB: true, m: o, n: rows, k: cols,
                          dYn, lda: cols, col, ldb: cols, beta: first ? 0 : 1,
                          dWPointers[worker], ldc: rows)
                }
                if let dXPointer {
                    // dCol [C·kH·kW, oH·oW] = weightᵀ [C·kH·kW, O] · dY_n [O, oH·oW]; then col2im
                    // scatters each column entry back to the pixel it was read from.
                    let dCol = dColPointers[worker]
                    sgemm(transposeA: true, transposeB: false, m: rows, n: cols, k: o,
                          w, lda: rows, dYn, ldb: cols, beta: 0, dCol, ldc: cols)
                    let dXn = dXPointer + image * imageSize
                    dXn.update(repeating: 0, count: imageSize)
                    col2imAdd(dCol, g, dXn)
                }
            }
        }
        if parameterGradients {
            let count = weight.value.count
            for worker in 1..<max(workers, 1) where !Parallel.range(of: worker, workers: workers, count: n).isEmpty {
                addInPlace(dWPointers[0], dWPointers[worker], count: count)
            }
            if let bias {
                // dBias[o] += Σ_{n, oy, ox} dY[n, o, oy, ox]
                accumulateChannelSums(dY, batch: n, channels: o, plane: cols, into: bias.gradient.mutablePointer())
            }
        }
        return dX
    }
}
