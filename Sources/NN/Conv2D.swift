/// 2-D convolution (cross-correlation) as PyTorch's `nn.Conv2d` with `groups = 1, dilation = 1`.
///
/// `y[n, o, oy, ox] = bias[o] + Σ_{c,i,j} weight[o, c, i, j] · x[n, c, oy·s − p + i, ox·s − p + j]`,
/// zero outside the image; `oH = (H + 2p − kH) / s + 1`.
///
/// Implementation: per image, im2col builds `col: [C·kH·kW, oH·oW]` and one sgemm computes
/// `y_n = weight[O, C·kH·kW] · col`. The batch is split over one worker per core, each running
/// single-threaded sgemm (faster here than OpenBLAS's threads, PLATFORM-NOTES d); a batch smaller
/// than the worker count splits each GEMM's columns instead. Images with few output pixels are
/// batched into one GEMM (`ImageGroups`). Backward rebuilds the column matrices rather than keeping
/// them from forward: that costs one more im2col (a few percent of the layer's time) and saves about
/// 130 MB when training the reference DCGAN at batch 64, which keeps training under 700 MB.
public final class Conv2D: Layer {
    /// `[O, C, kH, kW]` (PyTorch's Conv2d layout).
    public let weight: Parameter
    /// `[O]`, or `nil` for `bias: false`.
    public let bias: Parameter?
    /// C.
    public let inputChannels: Int
    /// O.
    public let outputChannels: Int
    /// (kH, kW).
    public let kernelSize: (height: Int, width: Int)
    /// s, in both directions.
    public let stride: Int
    /// p, zeros on every side.
    public let padding: Int

    // Buffers kept between calls (see `Tensor.reuse`).
    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    /// Per-worker working memory: column matrices, GEMM products, gathered gradients.
    private var scratch: [Tensor?]
    /// Partial weight gradients of workers 1…, summed into `weight.gradient` at the end.
    private var partialWeightGradient: [Tensor?]
    /// The recorded input `[N, C, H, W]` (shared, not copied) and its geometry.
    private var recordedInput: Tensor?
    private var recordedGeometry: ConvGeometry?

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
        precondition(
            inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
            "Conv2D needs positive channels, kernel and stride and a non-negative padding")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = stride
        self.padding = padding
        self.weight = Parameter(
            Tensor(zeros: [outputChannels, inputChannels, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
        self.scratch = Array(repeating: nil, count: Parallel.workerCount)
        self.partialWeightGradient = Array(repeating: nil, count: Parallel.workerCount)
    }

    /// `weight`, then `bias` if present, as PyTorch.
    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        var entries: [(key: String, entry: StateEntry)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    private func geometry(for shape: [Int]) -> ConvGeometry {
        precondition(
            shape.count == 4 && shape[1] == inputChannels,
            "Conv2D expects [N, \(inputChannels), H, W], got \(shape)")
        let (h, w) = (shape[2], shape[3])
        let oH = (h + 2 * padding - kernelSize.height) / stride + 1
        let oW = (w + 2 * padding - kernelSize.width) / stride + 1
        precondition(oH > 0 && oW > 0, "Conv2D input \(shape) is smaller than its kernel")
        return ConvGeometry(
            channels: inputChannels, height: h, width: w, kernelHeight: kernelSize.height,
            kernelWidth: kernelSize.width, stride: stride, padding: padding, outHeight: oH,
            outWidth: oW)
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
        let imageSize = g.channels * g.height * g.width
        let groups = ImageGroups(batch: n, columnsPerImage: cols, workers: workers)
        let groupColumns = groups.size * cols

        // Per worker: the column matrix `[rows, count·oH·oW]` of a group of images, then the GEMM's
        // output `[O, count·oH·oW]` when the group has several images.
        var scratchPointers: [UnsafeMutablePointer<Float>] = []
        for worker in 0..<workers {
            let size =
                rows * max(groupColumns, n < workers ? cols : 0)
                + (groups.size > 1 ? o * groupColumns : 0)
            scratchPointers.append(
                Tensor.scratch(&scratch[worker], count: size + groups.size * g.phaseScratchCount))
        }
        recordedInput = recording ? input : nil
        recordedGeometry = recording ? g : nil

        if n >= workers {
            Parallel.run(workers: workers) { worker in
                for group in Parallel.range(of: worker, workers: workers, count: groups.count) {
                    let images = groups.images(group)
                    let ld = images.count * cols
                    let col = scratchPointers[worker]
                    let phases =
                        col + rows * groupColumns + (groups.size > 1 ? o * groupColumns : 0)
                    im2col(
                        x + images.lowerBound * imageSize, count: images.count,
                        imageStride: imageSize, g, col,
                        rowStride: ld, phases: phases)
                    // y_group [O, count·oH·oW] = weight [O, C·kH·kW] · col [C·kH·kW, count·oH·oW]
                    if images.count == 1 {
                        sgemm(
                            transposeA: false, transposeB: false, m: o, n: cols, k: rows,
                            w, lda: rows, col, ldb: cols, beta: 0,
                            yPointer + images.lowerBound * o * cols, ldc: cols)
                    } else {
                        let product = scratchPointers[worker] + rows * groupColumns
                        sgemm(
                            transposeA: false, transposeB: false, m: o, n: ld, k: rows,
                            w, lda: rows, col, ldb: ld, beta: 0, product, ldc: ld)
                        scatterChannels(
                            product, channels: o, plane: cols, images: images, into: yPointer)
                    }
                }
            }
        } else {
            // Fewer images than workers (batch 1 inference): split each GEMM's columns instead.
            for image in 0..<n {
                let col = scratchPointers[0]
                im2col(
                    x + image * imageSize, g, col,
                    phases: col + rows * cols + (groups.size > 1 ? o * groupColumns : 0))
                Parallel.run(workers: workers) { worker in
                    let part = Parallel.range(of: worker, workers: workers, count: cols)
                    if part.isEmpty { return }
                    sgemm(
                        transposeA: false, transposeB: false, m: o, n: part.count, k: rows,
                        w, lda: rows, col + part.lowerBound, ldb: cols, beta: 0,
                        yPointer + image * o * cols + part.lowerBound, ldc: cols)
                }
            }
        }
        if let bias {
            addChannelBias(bias.value.pointer, to: yPointer, batch: n, channels: o, plane: cols)
        }
        return y
    }

    // MARK: - Backward

    /// - Parameter gradOutput: `[N, O, oH, oW]`.
    /// - Returns: `[N, C, H, W]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool)
        -> Tensor?
    {
        guard let input = recordedInput, let g = recordedGeometry else {
            preconditionFailure("Conv2D.backward needs a recorded forward")
        }
        recordedInput = nil
        recordedGeometry = nil
        let n = input.shape[0]
        let (rows, cols, o) = (g.rows, g.columns, outputChannels)
        precondition(
            gradOutput.shape == [n, o, g.outHeight, g.outWidth],
            "Conv2D.backward expects \([n, o, g.outHeight, g.outWidth]), got \(gradOutput.shape)")
        let workers = min(Parallel.workerCount, n)
        let groups = ImageGroups(batch: n, columnsPerImage: cols, workers: Parallel.workerCount)
        let groupColumns = groups.size * cols
        let dY = gradOutput.pointer
        let x = input.pointer
        let w = weight.value.pointer
        let imageSize = g.channels * g.height * g.width

        var dX: Tensor? = nil
        var dXPointer: UnsafeMutablePointer<Float>? = nil
        if inputGradient {
            let tensor = Tensor.reuse(
                &inputGradientBuffer, shape: [n, g.channels, g.height, g.width])
            dX = tensor
            dXPointer = tensor.storage.pointer
        }
        // Per worker: col [rows, count·P], dCol [rows, count·P] and, for groups of several images,
        // dY gathered as [O, count·P].
        var scratchPointers: [UnsafeMutablePointer<Float>] = []
        for worker in 0..<workers {
            let size =
                (parameterGradients ? rows * groupColumns : 0)
                + (inputGradient ? rows * groupColumns : 0)
                + (groups.size > 1 ? o * groupColumns : 0)
            scratchPointers.append(
                Tensor.scratch(&scratch[worker], count: size + groups.size * g.phaseScratchCount))
        }
        // Worker 0 accumulates straight into weight.gradient; the others into their own partial sums.
        var dWPointers: [UnsafeMutablePointer<Float>] = []
        if parameterGradients {
            dWPointers.append(weight.gradient.mutablePointer())
            for worker in 1..<max(workers, 1) {
                dWPointers.append(
                    Tensor.reuse(&partialWeightGradient[worker], shape: weight.value.shape).storage
                        .pointer)
            }
        }

        Parallel.run(workers: workers) { worker in
            let mine = Parallel.range(of: worker, workers: workers, count: groups.count)
            for group in mine {
                let images = groups.images(group)
                let ld = images.count * cols
                let base = scratchPointers[worker]
                let col = base
                let dCol = base + (parameterGradients ? rows * groupColumns : 0)
                let gathered = dCol + (inputGradient ? rows * groupColumns : 0)
                let phases = gathered + (groups.size > 1 ? o * groupColumns : 0)
                var dYGroup = dY + images.lowerBound * o * cols
                if images.count > 1 {
                    gatherChannels(dY, channels: o, plane: cols, images: images, into: gathered)
                    dYGroup = UnsafePointer(gathered)
                }
                if parameterGradients {
                    // The group's column matrix again, as forward built it.
                    im2col(
                        x + images.lowerBound * imageSize, count: images.count,
                        imageStride: imageSize, g, col,
                        rowStride: ld, phases: phases)
                    // dWeight [O, C·kH·kW] += dY_group [O, count·P] · colᵀ [count·P, C·kH·kW]
                    let first = worker > 0 && group == mine.lowerBound
                    sgemm(
                        transposeA: false, transposeB: true, m: o, n: rows, k: ld,
                        dYGroup, lda: ld, col, ldb: ld, beta: first ? 0 : 1, dWPointers[worker],
                        ldc: rows)
                }
                if let dXPointer {
                    // dCol [C·kH·kW, count·P] = weightᵀ [C·kH·kW, O] · dY_group [O, count·P]; then
                    // col2im scatters each column entry back to the pixel it was read from.
                    sgemm(
                        transposeA: true, transposeB: false, m: rows, n: ld, k: o,
                        w, lda: rows, dYGroup, ldb: ld, beta: 0, dCol, ldc: ld)
                    let dXGroup = dXPointer + images.lowerBound * imageSize
                    dXGroup.update(repeating: 0, count: images.count * imageSize)
                    col2imAdd(
                        dCol, g, dXGroup, count: images.count, imageStride: imageSize,
                        rowStride: ld,
                        phases: phases)
                }
            }
        }
        if parameterGradients {
            let count = weight.value.count
            for worker in 1..<max(workers, 1)
            where !Parallel.range(of: worker, workers: workers, count: groups.count).isEmpty {
                addInPlace(dWPointers[0], dWPointers[worker], count: count)
            }
            if let bias {
                // dBias[o] += Σ_{n, oy, ox} dY[n, o, oy, ox]
                accumulateChannelSums(
                    dY, batch: n, channels: o, plane: cols, into: bias.gradient.mutablePointer())
            }
        }
        return dX
    }
}
