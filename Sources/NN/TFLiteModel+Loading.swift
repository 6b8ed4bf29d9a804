import Foundation

extension TFLiteModel {
    struct Loaded {
        var shapes: [[Int]]
        var buffers: [UnsafeMutablePointer<Float>?]
        var steps: [Step]
        var input: Int
        var outputs: [Int]
        var outputNames: [String]
        var scratchCount: Int
        var pointerCount: Int
        var zeros: Int
    }

    /// Reads constants, checks every operator, folds constant operators and plans the rest.
    static func load(_ graph: TFLiteGraph, bytes: UnsafeRawBufferPointer, path: String, plain: Bool) throws(TFLiteError) -> Loaded {
        let tensors = graph.tensors
        var shapes = tensors.map(\.shape)
        var buffers = [UnsafeMutablePointer<Float>?](repeating: nil, count: tensors.count)
        var isConstant = [Bool](repeating: false, count: tensors.count)
        var integers: [Int: [Int]] = [:]
        var succeeded = false
        defer { if !succeeded { for p in Set(buffers.compactMap { $0 }) { p.deallocate() } } }

        func fail(_ code: TFLiteError.Code, op: String? = nil, tensor: Int? = nil, _ text: String) -> TFLiteError {
            TFLiteError(code: code, path: path, op: op, tensor: tensor.map { tensors[$0].name },
                        message: "Cannot run TFLite model '\(path)': " + text)
        }
        func allocate(_ index: Int) {
            if buffers[index] == nil {
                buffers[index] = allocateFloats(shapes[index].reduce(1, *))
            }
        }

        // Constant buffers: floats (float32 or float16 widened exactly) and integers.
        for (index, tensor) in tensors.enumerated() where tensor.buffer > 0 && tensor.buffer < graph.buffers.count {
            let range = graph.buffers[tensor.buffer]
            guard !range.isEmpty else { continue }
            let elementCount: Int
            if let sparsity = tensor.sparsity {
                guard range.count % tensor.type.size == 0 else {
                    throw fail(.invalidTensor, tensor: index, "sparse tensor '\(tensor.name)' has \(range.count) bytes, not a whole number of values.")
                }
                elementCount = range.count / tensor.type.size
                _ = sparsity
            } else {
                elementCount = tensor.shape.reduce(1, *)
                guard range.count == elementCount * tensor.type.size else {
                    throw fail(.invalidTensor, tensor: index,
                               "tensor '\(tensor.name)' of shape \(tensor.shape) needs \(elementCount * tensor.type.size) bytes, but its buffer has \(range.count).")
                }
            }
            let base = bytes.baseAddress! + range.lowerBound
            switch tensor.type {
            case .float32, .float16:
                var values = [Float](repeating: 0, count: elementCount)
                for i in 0..<elementCount {
                    values[i] = tensor.type == .float32
                        ? Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                        : Float16Conversion.float(fromHalf: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
                if let sparsity = tensor.sparsity {
                    guard let dense = TFLiteKernels.densify(values: values, sparsity: sparsity, shape: tensor.shape) else {
                        throw fail(.invalidTensor, tensor: index,
                                   "sparse tensor '\(tensor.name)' has a sparsity description the reader does not support or that does not fit its \(elementCount) values "
                                    + "(identity traversal order, no blocks, dense or CSR dimensions).")
                    }
                    values = dense
                }
                guard let bad = values.firstIndex(where: { !$0.isFinite }) else {
                    allocate(index)
                    buffers[index]!.update(from: values, count: values.count)
                    isConstant[index] = true
                    continue
                }
                throw fail(.nonFiniteWeight, tensor: index,
                           "constant tensor '\(tensor.name)' holds \(values[bad]) at element \(bad). The file is damaged; fetch it again (make models).")
            case .int32:
                integers[index] = (0..<elementCount).map { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
                isConstant[index] = true
            case .int64:
                integers[index] = (0..<elementCount).map { Int(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
                isConstant[index] = true
            case .uint8:
                throw fail(.invalidTensor, tensor: index, "tensor '\(tensor.name)' is quantised (uint8); only float models are supported.")
            }
        }

        guard graph.inputs.count == 1, graph.outputs.count >= 1 else {
            throw fail(.unsupportedGraph, "it has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; one input and at least one output are supported.")
        }
        let input = graph.inputs[0]
        guard tensors[input].type == .float32, shapes[input].count == 4, shapes[input][0] == 1, !isConstant[input] else {
            throw fail(.unsupportedGraph, tensor: input, "its input '\(tensors[input].name)' is \(tensors[input].type) of shape \(shapes[input]); "
                        + "a float32 NHWC image of batch 1 is supported.")
        }
        allocate(input)

        var steps: [Step] = []
        for op in graph.operators {
            let label = op.name
            func tensorInput(_ k: Int, optional: Bool = false) throws(TFLiteError) -> Int? {
                guard k < op.inputs.count, op.inputs[k] >= 0 else {
                    if optional { return nil }
                    throw fail(.unsupportedOptions, op: label, "operator \(label) lacks input \(k).")
                }
                let index = op.inputs[k]
                if tensors[index].type == .int32 || tensors[index].type == .int64 {
                    throw fail(.unsupportedOptions, op: label, tensor: index, "operator \(label) takes integer tensor '\(tensors[index].name)' as data.")
                }
                guard buffers[index] != nil else {
                    throw fail(.malformed, op: label, tensor: index,
                               "operator \(label) reads tensor '\(tensors[index].name)' before any operator writes it.")
                }
                return index
            }
            func integerInput(_ k: Int) throws(TFLiteError) -> [Int] {
                guard k < op.inputs.count, op.inputs[k] >= 0, let values = integers[op.inputs[k]] else {
                    throw fail(.unsupportedOptions, op: label, "operator \(label) needs constant integer input \(k).")
                }
                return values
            }
            guard op.outputs.count == 1 else {
                throw fail(.unsupportedOptions, op: label, "operator \(label) has \(op.outputs.count) outputs; one is supported.")
            }
            let output = op.outputs[0]
            guard tensors[output].type == .float32 || tensors[output].type == .float16, !isConstant[output], buffers[output] == nil || output == input else {
                throw fail(.malformed, op: label, tensor: output, "operator \(label) writes tensor '\(tensors[output].name)', which is a constant, an integer or already written.")
            }
            func expect(_ computed: [Int]) throws(TFLiteError) {
                guard computed == shapes[output] else {
                    throw fail(.shapeMismatch, op: label, tensor: output,
                               "operator \(label) computes shape \(computed) for '\(tensors[output].name)', but the file declares \(shapes[output]).")
                }
            }
            func image(_ index: Int) throws(TFLiteError) -> (h: Int, w: Int, c: Int) {
                let s = shapes[index]
                guard s.count == 4, s[0] == 1 else {
                    throw fail(.unsupportedOptions, op: label, tensor: index, "operator \(label) needs a batch-1 NHWC tensor, but '\(tensors[index].name)' has shape \(s).")
                }
                return (s[1], s[2], s[3])
            }

            var step: Step
            switch op.operation {
            case .conv2D(let padding, let sw, let sh, let dw, let dh, let activation):
                let x = try tensorInput(0)!, w = try tensorInput(1)!, b = try tensorInput(2, optional: true)
                let (h, wd, cin) = try image(x)
                let ws = shapes[w]
                guard ws.count == 4, ws[3] == cin, isConstant[w] else {
                    throw fail(.unsupportedOptions, op: label, tensor: w, "operator \(label) has weights of shape \(ws) for \(cin) input channels (constant [out, kH, kW, in] expected).")
                }
                if let b { guard shapes[b] == [ws[0]], isConstant[b] else { throw fail(.unsupportedOptions, op: label, tensor: b, "operator \(label) has a bias of shape \(shapes[b]) for \(ws[0]) outputs.") } }
                let (oh, padTop) = TFLiteKernels.outputSize(input: h, filter: ws[1], stride: sh, dilation: dh, padding: padding)
                let (ow, padLeft) = TFLiteKernels.outputSize(input: wd, filter: ws[2], stride: sw, dilation: dw, padding: padding)
                try expect([1, oh, ow, ws[0]])
                var conv = TFLiteKernels.Conv()
                conv.h = h; conv.w = wd; conv.cin = cin; conv.oh = oh; conv.ow = ow; conv.cout = ws[0]
                conv.kh = ws[1]; conv.kw = ws[2]; conv.strideH = sh; conv.strideW = sw; conv.dilationH = dh; conv.dilationW = dw
                conv.padTop = padTop; conv.padLeft = padLeft
                step = .conv(conv, input: x, weights: w, bias: b, output: output, Finish(activation: activation))
            case .depthwiseConv2D(let padding, let sw, let sh, let multiplier, let dw, let dh, let activation):
                let x = try tensorInput(0)!, w = try tensorInput(1)!, b = try tensorInput(2, optional: true)
                let (h, wd, cin) = try image(x)
                let ws = shapes[w]
                guard ws.count == 4, ws[0] == 1, ws[3] == cin * multiplier, isConstant[w] else {
                    throw fail(.unsupportedOptions, op: label, tensor: w, "operator \(label) has depthwise weights of shape \(ws) for \(cin) channels × \(multiplier).")
                }
                if let b { guard shapes[b] == [ws[3]], isConstant[b] else { throw fail(.unsupportedOptions, op: label, tensor: b, "operator \(label) has a bias of shape \(shapes[b]).") } }
                let (oh, padTop) = TFLiteKernels.outputSize(input: h, filter: ws[1], stride: sh, dilation: dh, padding: padding)
                let (ow, padLeft) = TFLiteKernels.outputSize(input: wd, filter: ws[2], stride: sw, dilation: dw, padding: padding)
                try expect([1, oh, ow, ws[3]])
                var d = TFLiteKernels.Depthwise()
                d.h = h; d.w = wd; d.cin = cin; d.oh = oh; d.ow = ow; d.multiplier = multiplier
                d.kh = ws[1]; d.kw = ws[2]; d.strideH = sh; d.strideW = sw; d.dilationH = dh; d.dilationW = dw
                d.padTop = padTop; d.padLeft = padLeft
                step = .depthwise(d, input: x, weights: w, bias: b, output: output, Finish(activation: activation))
            case .maxPool2D(let padding, let sw, let sh, let fw, let fh, let activation):
                let x = try tensorInput(0)!
                let (h, wd, c) = try image(x)
                let (oh, padTop) = TFLiteKernels.outputSize(input: h, filter: fh, stride: sh, dilation: 1, padding: padding)
                let (ow, padLeft) = TFLiteKernels.outputSize(input: wd, filter: fw, stride: sw, dilation: 1, padding: padding)
                try expect([1, oh, ow, c])
                var pool = TFLiteKernels.MaxPool()
                pool.h = h; pool.w = wd; pool.c = c; pool.oh = oh; pool.ow = ow; pool.kh = fh; pool.kw = fw
                pool.strideH = sh; pool.strideW = sw; pool.padTop = padTop; pool.padLeft = padLeft; pool.activation = activation
                step = .maxPool(pool, input: x, output: output)
            case .add(let activation):
                let a = try tensorInput(0)!, b = try tensorInput(1)!
                guard let shape = broadcastShape(shapes[a], shapes[b]) else {
                    throw fail(.shapeMismatch, op: label, "operator \(label) adds shapes \(shapes[a]) and \(shapes[b]), which do not broadcast.")
                }
                try expect(shape)
                step = .add(a, b, output: output, activation)
            case .relu:
                let x = try tensorInput(0)!
                try expect(shapes[x])
                step = .relu(x, output: output)
            case .prelu:
                let x = try tensorInput(0)!, alpha = try tensorInput(1)!
                guard broadcastShape(shapes[x], shapes[alpha]) == shapes[x] else {
                    throw fail(.shapeMismatch, op: label, tensor: alpha, "operator \(label) has alpha of shape \(shapes[alpha]) for input \(shapes[x]).")
                }
                try expect(shapes[x])
                step = .prelu(x, alpha: alpha, output: output)
            case .pad:
                let x = try tensorInput(0)!
                let paddings = try integerInput(1)
                let s = shapes[x]
                guard paddings.count == 2 * s.count, paddings.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }) else {
                    throw fail(.unsupportedOptions, op: label, "operator \(label) has paddings \(paddings) for a rank-\(s.count) tensor.")
                }
                let before = (0..<s.count).map { paddings[2 * $0] }
                try expect((0..<s.count).map { s[$0] + paddings[2 * $0] + paddings[2 * $0 + 1] })
                step = .pad(x, before: before, output: output)
            case .reshape:
                let x = try tensorInput(0)!
                guard shapes[output].reduce(1, *) == shapes[x].reduce(1, *) else {
                    throw fail(.shapeMismatch, op: label, "operator \(label) reshapes \(shapes[x]) into \(shapes[output]), which has another element count.")
                }
                step = .copy(x, output: output)
            case .concatenation(let rawAxis, let activation):
                let inputs = try (0..<op.inputs.count).map { k throws(TFLiteError) in try tensorInput(k)! }
                let rank = shapes[output].count
                let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
                guard axis >= 0, axis < rank, !inputs.isEmpty,
                      inputs.allSatisfy({ i in shapes[i].count == rank && (0..<rank).allSatisfy { $0 == axis || shapes[i][$0] == shapes[output][$0] } })
                else {
                    throw fail(.shapeMismatch, op: label, "operator \(label) concatenates \(inputs.map { shapes[$0] }) on axis \(rawAxis) into \(shapes[output]).")
                }
                var shape = shapes[output]
                shape[axis] = inputs.reduce(0) { $0 + shapes[$1][axis] }
                try expect(shape)
                step = .concatenation(inputs, axis: axis, output: output, activation)
            case .resizeBilinear(let alignCorners, let halfPixelCenters):
                let x = try tensorInput(0)!
                let size = try integerInput(1)
                let (_, _, c) = try image(x)
                guard size.count == 2, size.allSatisfy({ $0 >= 1 && $0 <= 1 << 14 }), !(alignCorners && halfPixelCenters) else {
                    throw fail(.unsupportedOptions, op: label, "operator \(label) resizes to \(size) (align corners \(alignCorners), half-pixel \(halfPixelCenters)).")
                }
                try expect([1, size[0], size[1], c])
                step = .resize(x, output: output, alignCorners: alignCorners, halfPixelCenters: halfPixelCenters, Finish())
            case .depthToSpace(let block):
                let x = try tensorInput(0)!
                let (h, w, c) = try image(x)
                guard c % (block * block) == 0 else {
                    throw fail(.unsupportedOptions, op: label, "operator \(label) has block size \(block) for \(c) channels.")
                }
                try expect([1, h * block, w * block, c / (block * block)])
                step = .depthToSpace(x, block: block, output: output)
            case .dequantize, .densify:
                let x = try tensorInput(0)!
                guard isConstant[x] else {
                    throw fail(.unsupportedOptions, op: label, tensor: x, "operator \(label) converts '\(tensors[x].name)', which is not a constant; only constant weights are supported.")
                }
                try expect(shapes[x])
                step = .copy(x, output: output)
            }
            allocate(output)
            if case .copy(let source, _) = step, isConstant[source] {
                // Fold conversions of constants (DEQUANTIZE, DENSIFY, a RESHAPE of weights): once, now.
                buffers[output]!.update(from: buffers[source]!, count: shapes[output].reduce(1, *))
                isConstant[output] = true
            } else {
                steps.append(step)
            }
        }
        for index in graph.outputs where buffers[index] == nil || tensors[index].type != .float32 {
            throw fail(.malformed, tensor: index, "output '\(tensors[index].name)' is never written or is not float32.")
        }
        var plan = Plan(steps: steps, shapes: shapes, buffers: buffers, input: input, outputs: graph.outputs)
        if !plain { plan.fuse() }
        plan.lower(fast: !plain)
        plan.assignBuffers()
        buffers = plan.buffers
        shapes = plan.shapes
        succeeded = true
        return Loaded(shapes: shapes, buffers: buffers, steps: plan.steps, input: input, outputs: graph.outputs,
                      outputNames: graph.outputs.map { tensors[$0].name }, scratchCount: plan.scratchCount,
                      pointerCount: plan.pointerCount, zeros: plan.zeros)
    }

    /// `count` (at least one) zeroed floats on a 64-byte boundary: a SIMD8 load at a multiple of
    /// eight floats then never straddles two cache lines (with `malloc`'s 16-byte alignment half
    /// of them do, and the 3×3 depthwise kernel ran 1.5× slower). Free with `deallocate()`.
    static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        let p = UnsafeMutableRawPointer.allocate(byteCount: 4 * n, alignment: 64).bindMemory(to: Float.self, capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    /// The NumPy broadcast of two shapes, or nil.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for d in 0..<rank {
            if pa[d] == pb[d] || pb[d] == 1 { out.append(pa[d]) } else if pa[d] == 1 { out.append(pb[d]) } else { return nil }
        }
        return out
    }
}
