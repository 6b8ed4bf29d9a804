/// 2-D transposed convolution as PyTorch's `nn.ConvTranspose2d` with `groups = 1, dilation = 1`.
///
/// It is the adjoint (gradient with respect to the input) of a `Conv2D` with the same kernel,
/// stride and padding: every input pixel spreads `weight[c, o, :, :]·x[n, c, iy, ix]` onto the output
/// window at `(iy·s − p, ix·s − p)`. Output size `oH = (H − 1)·s − 2p + kH + outputPadding`.
///
/// Implementation: per image, one sgemm `col [O·kH·kW, H·W] = weightᵀ · x_n` and col2im scatters the
/// columns onto the output. Backward is Conv2D's forward on the output gradient: im2col of `dY`, then
/// `dX = weight · col` and `dWeight += x_n · colᵀ`. The batch is split over one worker per core.
public final class ConvTranspose2D: Layer {
    /// `[C, O, kH, kW]` (PyTorch's ConvTranspose2d layout: input channels first).
    public let weight: Parameter
    /// `[O]`, or `nil` for `bias: false`.
    public let bias: Parameter?
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int

    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    private var scratch: [Tensor?]
    private var partialWeightGradient: [Tensor?]
    /// The recorded input `[N, C, H, W]` (shared, not copied) and the geometry.
    private var recordedInput: Tensor?
    private var recordedGeometry: ConvGeometry?

    /// Creates a transposed convolution with zero weights.
    /// - Parameters:
    ///   - inputChannels: C.
    ///   - outputChannels: O.
    ///   - kernelSize: kH = kW.
    ///   - stride: s.
    ///   - padding: p, removed from each side of the full output.
    ///   - outputPadding: extra rows and columns on the bottom and right, `0 ≤ outputPadding < s`.
    ///   - bias: whether to add a per-channel bias.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, bias: Bool = true
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "ConvTranspose2D needs positive channels, kernel and stride and a non-negative padding")
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D needs 0 ≤ outputPadding < stride, got \(outputPadding)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.weight = Parameter(Tensor(zeros: [inputChannels, outputChannels, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
        self.scratch = Array(repeating: nil, count: Parallel.workerCount)
        self.partialWeightGradient = Array(repeating: nil, count: Parallel.workerCount)
    }

    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        var entries: [(key: String, entry: StateEntry)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    /// The geometry of the equivalent convolution, which maps the output `[O, oH, oW]` back to the
    /// input's `H × W`.
    private func geometry(for shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[1] == inputChannels,
                     "ConvTranspose2D expects [N, \(inputChannels), H, W], got \(shape)")
        let (h, w) = (shape[2], shape[3])
        let oH = (h - 1) * stride - 2 * padding + kernelSize + outputPadding
        let oW = (w - 1) * stride - 2 * padding + kernelSize + outputPadding
        precondition(oH > 0 && oW > 0, "ConvTranspose2D output for \(shape) would be empty")
        return ConvGeometry(
            channels: outputChannels, height: oH, width: oW, kernelHeight: kernelSize,
            kernelWidth: kernelSize, stride: stride, padding: padding, outHeight: h, outWidth: w)
    }

    // MARK: - Forward

    /// - Parameter input: `[N, C, H, W]`.
    /// - Returns: `[N, O, oH, oW]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        let n = input.shape[0]
        let (rows, cols, c) = (g.rows, g.columns, inputChannels)
        let outputSize = outputChannels * g.height * g.width
        let workers = min(Parallel.workerCount, max(n, 1))
        let y = Tensor.reuse(&output, shape: [n, outputChannels, g.height, g.width])
        let (x, yPointer, w) = (input.pointer, y.storage.pointer, weight.value.pointer)
        var colPointers: [UnsafeMutablePointer<Float>] = []
        for worker in 0..<workers {
            colPointers.append(Tensor.reuse(&scratch[worker], shape: [rows, cols]).storage.pointer)
        }
        Parallel.run(workers: workers) { worker in
            for image in Parallel.range(of: worker, workers: workers, count: n) {
                let col = colPointers[worker]
                // col [O·kH·kW, H·W] = weightᵀ [O·kH·kW, C] · x_n [C, H·W]
                sgemm(transposeA: true, transposeB: false, m: rows, n: cols, k: c,
                      w, lda: rows, x + image * c * cols, ldb: cols, beta: 0, col, ldc: cols)
                let yn = yPointer + image * outputSize
                yn.update(repeating: 0, count: outputSize)
                col2imAdd(col, g, yn)
            }
        }
        if let bias {
            addChannelBias(bias.value.pointer, to: yPointer, batch: n, channels: outputChannels,
                           plane: g.height * g.width)
        }
        recordedInput = recording ? input : nil
        recordedGeometry = recording ? g : nil
        return y
    }

    // MARK: - Backward

    /// - Parameter gradOutput: `[N, O, oH, oW]`.
    /// - Returns: `[N, C, H, W]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let input = recordedInput, let g = recordedGeometry else {
            preconditionFailure("ConvTranspose2D.backward needs a recorded forward")
        }
        recordedInput = nil
        recordedGeometry = nil
        let n = input.shape[0]
        let (rows, cols, c) = (g.rows, g.columns, inputChannels)
        let outputSize = outputChannels * g.height * g.width
        precondition(gradOutput.shape == [n, outputChannels, g.height, g.width],
                     "ConvTranspose2D.backward expects \([n, outputChannels, g.height, g.width]), got \(gradOutput.shape)")
        let workers = min(Parallel.workerCount, max(n, 1))
        let (x, dY, w) = (input.pointer, gradOutput.pointer, weight.value.pointer)

        var dX: Tensor? = nil
        var dXPointer: UnsafeMutablePointer<Float>? = nil
        if inputGradient {
            let tensor = Tensor.reuse(&inputGradientBuffer, shape: input.shape)
            dX = tensor
            dXPointer = tensor.storage.pointer
        }
        var colPointers: [UnsafeMutablePointer<Float>] = []
        for worker in 0..<workers {
            colPointers.append(Tensor.reuse(&scratch[worker], shape: [rows, cols]).storage.pointer)
        }
        var dWPointers: [UnsafeMutablePointer<Float>] = []
        if parameterGradients {
            dWPointers.append(weight.gradient.mutablePointer())
            for worker in 1..<workers {
                dWPointers.append(
                    Tensor.reuse(&partialWeightGradient[worker], shape: weight.value.shape).storage.pointer)
            }
        }
        Parallel.run(workers: workers) { worker in
            let images = Parallel.range(of: worker, workers: workers, count: n)
            for image in images {
                // col [O·kH·kW, H·W]: the windows of dY_n that each input pixel spread onto.
                let col = colPointers[worker]
                im2col(dY + image * outputSize, g, col)
                if let dXPointer {
                    // dX_n [C, H·W] = weight [C, O·kH·kW] · col
                    sgemm(transposeA: false, transposeB: false, m: c, n: cols, k: rows,
                          w, lda: rows, col, ldb: cols, beta: 0, dXPointer + image * c * cols, ldc: cols)
                }
                if parameterGradients {
                    // dWeight [C, O·kH·kW] += x_n [C, H·W] · colᵀ [H·W, O·kH·kW]
                    let first = worker > 0 && image == images.lowerBound
                    sgemm(transposeA: false, transposeB: true, m: c, n: rows, k: cols,
                          x + image * c * cols, lda: cols, col, ldb: cols, beta: first ? 0 : 1,
                          dWPointers[worker], ldc: rows)
                }
            }
        }
        if parameterGradients {
            for worker in 1..<workers where !Parallel.range(of: worker, workers: workers, count: n).isEmpty {
                addInPlace(dWPointers[0], dWPointers[worker], count: weight.value.count)
            }
            if let bias {
                accumulateChannelSums(dY, batch: n, channels: outputChannels, plane: g.height * g.width,
                                      into: bias.gradient.mutablePointer())
            }
        }
        return dX
    }
}
