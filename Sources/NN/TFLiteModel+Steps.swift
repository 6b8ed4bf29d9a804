import Foundation

extension TFLiteModel {
    /// One operator of a run, on tensor indices (`buffers` and `shapes` entries), after constant
    /// folding.
    enum Step {
        case conv(TFLiteKernels.Conv, input: Int, weights: Int, bias: Int?, output: Int)
        case depthwise(TFLiteKernels.Depthwise, input: Int, weights: Int, bias: Int?, output: Int)
        case maxPool(TFLiteKernels.MaxPool, input: Int, output: Int)
        case add(Int, Int, output: Int, TFLiteGraph.Activation)
        case relu(Int, output: Int)
        case prelu(Int, alpha: Int, output: Int)
        case pad(Int, before: [Int], output: Int)
        case copy(Int, output: Int)
        case concatenation([Int], axis: Int, output: Int, TFLiteGraph.Activation)
        case resize(Int, output: Int, alignCorners: Bool, halfPixelCenters: Bool)
        case depthToSpace(Int, block: Int, output: Int)
    }

    /// Labels of ``profile(_:)``.
    static func kind(_ step: Step) -> String {
        switch step {
        case .conv(let c, _, _, _, _): "conv \(c.kh)×\(c.kw)/\(c.strideH) \(c.h)x\(c.w)x\(c.cin)->\(c.cout)"
        case .depthwise(let d, _, _, _, _): "depthwise \(d.kh)×\(d.kw)/\(d.strideH) \(d.h)x\(d.w)x\(d.cin)"
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
        for step in steps { perform(step) }
    }

    private func pointer(_ index: Int) -> UnsafeMutablePointer<Float> { buffers[index]! }

    func perform(_ step: Step) {
        switch step {
        case .conv(let conv, let input, let weights, let bias, let output):
            let x = UnsafePointer(pointer(input)), w = UnsafePointer(pointer(weights)), b = bias.map { UnsafePointer(pointer($0)) }
            let y = pointer(output)
            let workers = conv.work >= 1 << 18 && conv.oh >= 2 ? min(Parallel.workerCount, conv.oh) : 1
            let rowsPerScratch = scratchCount / max(conv.ow * conv.k, 1)
            Parallel.run(workers: workers) { worker in
                let rows = Parallel.range(of: worker, workers: workers, count: conv.oh)
                // Run in chunks of rows that fit the scratch buffer.
                var start = rows.lowerBound
                let chunk = conv.isPointwise ? rows.count : max(1, rowsPerScratch)
                while start < rows.upperBound {
                    let end = min(rows.upperBound, start + chunk)
                    conv.run(input: x, weights: w, bias: b, output: y, rows: start..<end, scratch: scratch[worker])
                    start = end
                }
            }
        case .depthwise(let dw, let input, let weights, let bias, let output):
            let x = UnsafePointer(pointer(input)), w = UnsafePointer(pointer(weights)), b = bias.map { UnsafePointer(pointer($0)) }
            let y = pointer(output)
            let workers = dw.work >= 1 << 18 && dw.oh >= 2 ? min(Parallel.workerCount, dw.oh) : 1
            Parallel.run(workers: workers) { worker in
                dw.run(input: x, weights: w, bias: b, output: y, rows: Parallel.range(of: worker, workers: workers, count: dw.oh))
            }
        case .maxPool(let pool, let input, let output):
            pool.run(input: pointer(input), output: pointer(output))
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
            TFLiteKernels.activate(y, count: outShape.reduce(1, *), activation)
        case .resize(let input, let output, let alignCorners, let halfPixelCenters):
            let s = shapes[input], o = shapes[output]
            TFLiteKernels.resizeBilinear(pointer(input), h: s[1], w: s[2], c: s[3], output: pointer(output), oh: o[1], ow: o[2],
                                         alignCorners: alignCorners, halfPixelCenters: halfPixelCenters)
        case .depthToSpace(let input, let block, let output):
            let s = shapes[input]
            TFLiteKernels.depthToSpace(pointer(input), h: s[1], w: s[2], c: s[3], block: block, output: pointer(output))
        }
    }
}
