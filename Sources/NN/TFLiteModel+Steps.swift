import Foundation

extension TFLiteModel: ChunkedWork {
    /// One operator of a run, on tensor indices (`buffers` and `shapes` entries), after constant
    /// folding and fusion.
    enum Step {
        /// A convolution by im2col and sgemm.
        case conv(TFLiteKernels.Conv, input: Int, weights: Int, bias: Int?, output: Int, Finish)
        /// A convolution on packed weights (`packed`, bias included) with the register-tiled kernel.
        case packedConv(TFLiteKernels.PackedConv, input: Int, packed: Int, output: Int, Finish)
        case depthwise(TFLiteKernels.Depthwise, input: Int, weights: Int, bias: Int?, output: Int, Finish)
        /// A depthwise convolution whose output only a 1×1 convolution reads, run together.
        case separable(Separable, input: Int, output: Int, Finish)
        case maxPool(TFLiteKernels.MaxPool, input: Int, output: Int)
        case add(Int, Int, output: Int, TFLiteGraph.Activation)
        case relu(Int, output: Int)
        case prelu(Int, alpha: Int, output: Int)
        case pad(Int, before: [Int], output: Int)
        case copy(Int, output: Int)
        case concatenation([Int], axis: Int, output: Int, TFLiteGraph.Activation)
        case resize(Int, output: Int, alignCorners: Bool, halfPixelCenters: Bool, Finish)
        case depthToSpace(Int, block: Int, output: Int)

        /// The tensor the step writes.
        var output: Int {
            switch self {
            case .conv(_, _, _, _, let o, _), .packedConv(_, _, _, let o, _), .depthwise(_, _, _, _, let o, _), .separable(_, _, let o, _): o
            case .maxPool(_, _, let o), .add(_, _, let o, _), .relu(_, let o), .prelu(_, _, let o), .pad(_, _, let o): o
            case .copy(_, let o), .concatenation(_, _, let o, _), .resize(_, let o, _, _, _), .depthToSpace(_, _, let o): o
            }
        }

        /// The same step writing `output` instead (for the steps whose kernels take the output's
        /// geometry from the step, not from the tensor's shape).
        func writing(_ output: Int) -> Step? {
            switch self {
            case .conv(let c, let x, let w, let b, _, let f): .conv(c, input: x, weights: w, bias: b, output: output, f)
            case .packedConv(let c, let x, let p, _, let f): .packedConv(c, input: x, packed: p, output: output, f)
            case .depthwise(let d, let x, let w, let b, _, let f): .depthwise(d, input: x, weights: w, bias: b, output: output, f)
            case .separable(let s, let x, _, let f): .separable(s, input: x, output: output, f)
            case .maxPool(let p, let x, _): .maxPool(p, input: x, output: output)
            case .depthToSpace(let x, let block, _): .depthToSpace(x, block: block, output: output)
            default: nil
            }
        }

        /// Every tensor the step reads, constants included.
        var reads: [Int] {
            switch self {
            case .conv(_, let x, let w, let b, _, let f): [x, w] + (b.map { [$0] } ?? []) + f.reads
            case .packedConv(_, let x, let p, _, let f): [x, p] + f.reads
            case .depthwise(_, let x, let w, let b, _, let f): [x, w] + (b.map { [$0] } ?? []) + f.reads
            case .separable(let s, let x, _, let f):
                [x, s.depthwiseWeights, s.packed] + (s.depthwiseBias.map { [$0] } ?? []) + s.depthwiseFinish.reads + f.reads
            case .maxPool(_, let x, _), .relu(let x, _), .pad(let x, _, _), .copy(let x, _), .depthToSpace(let x, _, _): [x]
            case .resize(let x, _, _, _, let f): [x] + f.reads
            case .add(let a, let b, _, _): [a, b]
            case .prelu(let x, let alpha, _): [x, alpha]
            case .concatenation(let xs, _, _, _): xs
            }
        }
    }

    /// What a convolution (or a resize) does after its sums, by tensor index: a fused residual `ADD` of `skip`
    /// (its first `skipChannels` channels), the activation, a fused per-channel `PRELU` of slopes
    /// `alpha`. See ``TFLiteKernels/Epilogue``.
    struct Finish: Equatable {
        var skip: Int? = nil
        var skipChannels = 0
        var activation: TFLiteGraph.Activation = .none
        var alpha: Int? = nil

        var reads: [Int] { [skip, alpha].compactMap { $0 } }
    }

    /// A depthwise convolution and the 1×1 convolution that alone reads its output: each worker
    /// computes `rowsPerGroup` rows of the depthwise output into its scratch and multiplies them at
    /// once, so the intermediate tensor never leaves L1.
    struct Separable {
        var depthwise: TFLiteKernels.Depthwise
        var depthwiseWeights: Int
        var depthwiseBias: Int?
        var depthwiseFinish: Finish
        var pointwise: TFLiteKernels.PackedConv
        var packed: Int
        var rowsPerGroup: Int

        /// Scratch floats per worker: one group of depthwise rows.
        var scratchCount: Int { rowsPerGroup * depthwise.ow * depthwise.cout }
    }

    /// Labels of ``profile(_:)``.
    static func kind(_ step: Step) -> String {
        switch step {
        case .conv(let c, _, _, _, _, _): "conv \(c.kh)×\(c.kw)/\(c.strideH) \(c.h)x\(c.w)x\(c.cin)->\(c.cout) sgemm"
        case .packedConv(let p, _, _, _, _):
            "conv \(p.conv.kh)×\(p.conv.kw)/\(p.conv.strideH) \(p.conv.h)x\(p.conv.w)x\(p.conv.cin)->\(p.conv.cout)"
        case .depthwise(let d, _, _, _, _, _): "depthwise \(d.kh)×\(d.kw)/\(d.strideH) \(d.h)x\(d.w)x\(d.cin)"
        case .separable(let s, _, _, _):
            "depthwise \(s.depthwise.kh)×\(s.depthwise.kw)/\(s.depthwise.strideH) \(s.depthwise.h)x\(s.depthwise.w)x\(s.depthwise.cin) + conv 1×1 ->\(s.pointwise.conv.cout)"
        case .maxPool: "max pool"
        case .add: "add"
        case .relu: "relu"
        case .prelu: "prelu"
        case .pad: "pad"
        case .copy: "reshape"
        case .concatenation: "concatenation"
        case .resize: "resize bilinear"
        case .depthToSpace: "depth to space"
        }
    }

    // MARK: - Running

    func execute() {
        for index in steps.indices { perform(index) }
    }

    private func pointer(_ index: Int) -> UnsafeMutablePointer<Float> { buffers[index]! }

    /// The kernels' epilogue for `finish` on an output of `channels` channels.
    private func epilogue(_ finish: Finish) -> TFLiteKernels.Epilogue {
        var e = TFLiteKernels.Epilogue()
        if let skip = finish.skip {
            e.skip = UnsafePointer(pointer(skip))
            e.skipStride = shapes[skip][3]
            e.skipChannels = finish.skipChannels
        }
        e.activation = finish.activation
        e.alpha = finish.alpha.map { UnsafePointer(pointer($0)) }
        return e
    }

    /// Whether a packed convolution splits its channel blocks over the workers rather than its
    /// rows: a head on an image of too few rows.
    private func splitsBlocks(_ conv: TFLiteKernels.PackedConv) -> Bool { conv.conv.oh < 2 * min(workerLimit, 2) }

    /// The items a step can split over workers (output rows, or channel blocks) and its
    /// multiply-adds (or their equivalent in time); nil for a step that runs whole.
    private func partition(_ step: Step) -> (count: Int, work: Int)? {
        switch step {
        case .conv(let c, _, _, _, _, _): (c.oh, c.work)
        case .packedConv(let p, _, _, _, _): (splitsBlocks(p) ? p.blocks.count : p.conv.oh, p.conv.work)
        case .depthwise(let d, _, _, _, _, _): (d.oh, d.work)
        case .separable(let s, _, _, _): (s.depthwise.oh, s.depthwise.work + s.pointwise.conv.work)
        // Memory-bound: a comparison or a bilinear tap costs about six multiply-adds' time.
        case .maxPool(let p, _, _): (p.oh, 6 * p.oh * p.ow * p.c * p.kh * p.kw)
        case .resize(_, let output, _, _, _): (shapes[output][1], 6 * 4 * shapes[output].reduce(1, *))
        default: nil
        }
    }

    /// Runs step `index`: on the calling thread alone below ``parallelWork`` multiply-adds, else
    /// in ``chunksPerWorker`` chunks per worker on the model's worker pool.
    func perform(_ index: Int) {
        guard let (count, work) = partition(steps[index]) else {
            performWhole(steps[index])
            return
        }
        let workers = work >= Self.parallelWork ? min(workerLimit, count) : 1
        guard workers > 1 else {
            runChunk(index, chunk: 0, chunks: 1, worker: 0)
            return
        }
        let chunks = min(count, workers * Self.chunksPerWorker)
        workerPool(workers).run(chunks: chunks, job: index, on: self)
    }

    /// Chunk `chunk` of `chunks` of step `index` (a step with a ``partition(_:)``), on worker
    /// `worker`'s scratch.
    func runChunk(_ index: Int, chunk: Int, chunks: Int, worker: Int) {
        switch steps[index] {
        case .conv(let conv, let input, let weights, let bias, let output, let finish):
            let x = UnsafePointer(pointer(input)), w = UnsafePointer(pointer(weights)), b = bias.map { UnsafePointer(pointer($0)) }
            let rows = Parallel.range(of: chunk, workers: chunks, count: conv.oh)
            // Run in chunks of rows that fit the scratch buffer.
            let step = conv.isPointwise ? rows.count : max(1, scratchCount / max(conv.ow * conv.k, 1))
            var start = rows.lowerBound
            while start < rows.upperBound {
                let end = min(rows.upperBound, start + step)
                conv.run(input: x, weights: w, bias: b, output: pointer(output), rows: start..<end, scratch: scratch[worker], epilogue: epilogue(finish))
                start = end
            }
        case .packedConv(let conv, let input, let packed, let output, let finish):
            let x = UnsafePointer(pointer(input)), p = UnsafePointer(pointer(packed)), y = pointer(output)
            if splitsBlocks(conv) {
                conv.run(input: x, packed: p, output: y, rows: 0..<conv.conv.oh, blocks: conv.blocks(of: chunk, workers: chunks),
                         scratch: scratch[worker], pointers: pointers[worker], epilogue: epilogue(finish))
            } else {
                conv.run(input: x, packed: p, output: y, rows: Parallel.range(of: chunk, workers: chunks, count: conv.conv.oh),
                         scratch: scratch[worker], pointers: pointers[worker], epilogue: epilogue(finish))
            }
        case .depthwise(let dw, let input, let weights, let bias, let output, let finish):
            let x = UnsafePointer(pointer(input)), w = UnsafePointer(pointer(weights)), b = bias.map { UnsafePointer(pointer($0)) }
            let rows = Parallel.range(of: chunk, workers: chunks, count: dw.oh)
            if dw.usesFast3x3 {
                dw.run3x3(input: x, weights: w, bias: b, output: pointer(output), rows: rows, zeros: pointer(zerosIndex), epilogue: epilogue(finish))
            } else {
                dw.run(input: x, weights: w, bias: b, output: pointer(output), rows: rows, epilogue: epilogue(finish))
            }
        case .separable(let s, let input, let output, let finish):
            let x = UnsafePointer(pointer(input)), y = pointer(output)
            let w = UnsafePointer(pointer(s.depthwiseWeights)), b = s.depthwiseBias.map { UnsafePointer(pointer($0)) }
            let p = UnsafePointer(pointer(s.packed)), zeros = UnsafePointer(pointer(zerosIndex))
            let dwEpilogue = epilogue(s.depthwiseFinish), e = epilogue(finish)
            let dw = s.depthwise, pw = s.pointwise
            let rows = Parallel.range(of: chunk, workers: chunks, count: dw.oh)
            let buffer = scratch[worker]
            var start = rows.lowerBound
            while start < rows.upperBound {
                let group = start..<min(rows.upperBound, start + s.rowsPerGroup)
                if dw.usesFast3x3 {
                    dw.run3x3(input: x, weights: w, bias: b, output: buffer, rows: group, firstRow: start, zeros: zeros, epilogue: dwEpilogue)
                } else {
                    dw.run(input: x, weights: w, bias: b, output: buffer, rows: group, firstRow: start, epilogue: dwEpilogue)
                }
                pw.run(input: buffer, firstRow: start, packed: p, output: y, rows: group, scratch: buffer, pointers: pointers[worker], epilogue: e)
                start = group.upperBound
            }
        case .maxPool(let pool, let input, let output):
            pool.run(input: pointer(input), output: pointer(output), rows: Parallel.range(of: chunk, workers: chunks, count: pool.oh))
        case .resize(let input, let output, let alignCorners, let halfPixelCenters, let finish):
            let s = shapes[input], o = shapes[output]
            let rows = Parallel.range(of: chunk, workers: chunks, count: o[1])
            TFLiteKernels.resizeBilinear(pointer(input), h: s[1], w: s[2], c: s[3], output: pointer(output), oh: o[1], ow: o[2],
                                         rows: rows, alignCorners: alignCorners, halfPixelCenters: halfPixelCenters)
            epilogue(finish).apply(to: pointer(output) + rows.lowerBound * o[2] * o[3], firstPixel: rows.lowerBound * o[2],
                                   pixels: rows.count * o[2], channels: o[3])
        default:
            performWhole(steps[index])
        }
    }

    /// Runs a step that does not split over workers.
    private func performWhole(_ step: Step) {
        switch step {
        case .conv, .packedConv, .depthwise, .separable, .maxPool, .resize:
            break
        case .add(let a, let b, let output, let activation):
            TFLiteKernels.add(pointer(a), shapes[a], pointer(b), shapes[b], output: pointer(output), outShape: shapes[output], activation: activation)
        case .relu(let input, let output):
            let count = shapes[output].reduce(1, *)
            let x = pointer(input), y = pointer(output)
            for i in 0..<count { y[i] = max(x[i], 0) }
        case .prelu(let input, let alpha, let output):
            TFLiteKernels.prelu(pointer(input), shapes[input], alpha: pointer(alpha), shapes[alpha], output: pointer(output))
        case .pad(let input, let before, let output):
            TFLiteKernels.pad(input: pointer(input), shape: shapes[input], before: before, output: pointer(output), outShape: shapes[output])
        case .copy(let input, let output):
            pointer(output).update(from: pointer(input), count: shapes[output].reduce(1, *))
        case .concatenation(let inputs, let axis, let output, let activation):
            let outShape = shapes[output]
            let outer = outShape[..<axis].reduce(1, *)
            let inner = outShape[(axis + 1)...].reduce(1, *)
            let outRow = outShape[axis] * inner
            var offset = 0
            let y = pointer(output)
            for input in inputs {
                let length = shapes[input][axis] * inner
                let x = pointer(input)
                for o in 0..<outer { (y + o * outRow + offset).update(from: x + o * length, count: length) }
                offset += length
            }
            TFLiteKernels.Epilogue.activate(y, count: outShape.reduce(1, *), activation)
        case .depthToSpace(let input, let block, let output):
            let s = shapes[input]
            TFLiteKernels.depthToSpace(pointer(input), h: s[1], w: s[2], c: s[3], block: block, output: pointer(output))
        }
    }
}
