import Foundation

/// The float32 kernels of the TFLite runner, on NHWC tensors of batch 1. Convolutions are im2col
/// (NHWC rows, the weight layout `[out, kH, kW, in]` as the file stores it) and one sgemm per worker
/// slice of output rows; 1×1 stride-1 convolutions multiply the input directly. Depthwise
/// convolutions, pools and elementwise operators are plain loops over contiguous channels, which the
/// compiler vectorises.
enum TFLiteKernels {
    /// Output size and leading padding of a convolution or pool along one axis, as TFLite's
    /// `ComputePaddingHeightWidth`.
    static func outputSize(input: Int, filter: Int, stride: Int, dilation: Int, padding: TFLiteGraph.Padding) -> (size: Int, padBefore: Int) {
        let effective = (filter - 1) * dilation + 1
        let size = padding == .same ? (input + stride - 1) / stride : (input - effective + stride) / stride
        let total = max(0, (size - 1) * stride + effective - input)
        return (max(size, 0), total / 2)
    }

    /// A 2-D convolution of one NHWC image.
    struct Conv {
        var h = 0, w = 0, cin = 0, oh = 0, ow = 0, cout = 0
        var kh = 0, kw = 0, strideH = 0, strideW = 0, dilationH = 1, dilationW = 1, padTop = 0, padLeft = 0

        var k: Int { kh * kw * cin }
        /// A 1×1, stride-1, unpadded convolution: a plain matrix product of the input.
        var isPointwise: Bool { kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w }
        /// Multiply-adds of one run.
        var work: Int { oh * ow * cout * k }

        /// im2col scratch floats for `rows` output rows.
        func scratchCount(rows: Int) -> Int { isPointwise ? 0 : rows * ow * k }

        /// Computes output rows `rows` (bias, then `epilogue`) with sgemm, using `scratch` for the
        /// column matrix.
        func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 output: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
            guard !rows.isEmpty else { return }
            let m = rows.count * ow
            let out = output + rows.lowerBound * ow * cout
            let a: UnsafePointer<Float>
            if isPointwise {
                a = input + rows.lowerBound * w * cin
            } else {
                let rowLength = k
                for oy in rows {
                    for ox in 0..<ow {
                        var dst = scratch + ((oy - rows.lowerBound) * ow + ox) * rowLength
                        for ky in 0..<kh {
                            let iy = oy * strideH - padTop + ky * dilationH
                            for kx in 0..<kw {
                                let ix = ox * strideW - padLeft + kx * dilationW
                                if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                    dst.update(from: input + (iy * w + ix) * cin, count: cin)
                                } else {
                                    dst.update(repeating: 0, count: cin)
                                }
                                dst += cin
                            }
                        }
                    }
                }
                a = UnsafePointer(scratch)
            }
            if let bias {
                for r in 0..<m { (out + r * cout).update(from: bias, count: cout) }
            }
            sgemm(transposeA: false, transposeB: true, m: m, n: cout, k: k, a, lda: k, weights, ldb: k,
                  beta: bias == nil ? 0 : 1, out, ldc: cout)
            epilogue.apply(to: out, firstPixel: rows.lowerBound * ow, pixels: m, channels: cout)
        }
    }

    /// A max pool of one NHWC image; positions outside the image are ignored (SAME padding).
    struct MaxPool {
        var h = 0, w = 0, c = 0, oh = 0, ow = 0
        var kh = 0, kw = 0, strideH = 0, strideW = 0, padTop = 0, padLeft = 0
        var activation: TFLiteGraph.Activation = .none

        /// Computes output rows `rows` (all by default).
        func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows outputRows: Range<Int>? = nil) {
            let outputRows = outputRows ?? 0..<oh
            for oy in outputRows {
                let iy0 = oy * strideH - padTop
                let rows = max(0, iy0)..<min(h, iy0 + kh)
                for ox in 0..<ow {
                    let ix0 = ox * strideW - padLeft
                    let columns = max(0, ix0)..<min(w, ix0 + kw)
                    let out = output + (oy * ow + ox) * c
                    // Eight channels at a time in a register (the last eight overlapping).
                    var channel = 0
                    while c >= 8 && channel < c {
                        let offset = min(channel, c - 8)
                        var v = SIMD8<Float>(repeating: -.infinity)
                        for iy in rows {
                            for ix in columns {
                                let x = UnsafeRawPointer(input + (iy * w + ix) * c + offset).loadUnaligned(as: SIMD8<Float>.self)
                                v = v.replacing(with: x, where: x .> v)
                            }
                        }
                        UnsafeMutableRawPointer(out + offset).storeBytes(of: v, as: SIMD8<Float>.self)
                        channel += 8
                    }
                    if c < 8 {
                        for ch in 0..<c {
                            var v = -Float.infinity
                            for iy in rows { for ix in columns { v = max(v, input[(iy * w + ix) * c + ch]) } }
                            out[ch] = v
                        }
                    }
                }
            }
            Epilogue.activate(output + outputRows.lowerBound * ow * c, count: outputRows.count * ow * c, activation)
        }
    }

    /// Zero padding of a tensor of any rank up to 8: `before[d]` and `after[d]` per dimension.
    static func pad(input: UnsafePointer<Float>, shape: [Int], before: [Int], output: UnsafeMutablePointer<Float>, outShape: [Int]) {
        let total = outShape.reduce(1, *)
        output.update(repeating: 0, count: total)
        let rank = shape.count
        guard rank > 0, shape.reduce(1, *) > 0 else { return }
        if rank == 4 && shape[0] == 1 && before[0] == 0 {
            // An NHWC image: copy each pixel's channels into place.
            let (h, w, c) = (shape[1], shape[2], shape[3])
            let (ow, oc) = (outShape[2], outShape[3])
            for y in 0..<h {
                let dstRow = output + ((y + before[1]) * ow + before[2]) * oc + before[3]
                let srcRow = input + y * w * c
                if oc == c {
                    dstRow.update(from: srcRow, count: w * c)
                } else {
                    for x in 0..<w { (dstRow + x * oc).update(from: srcRow + x * c, count: c) }
                }
            }
            return
        }
        var outStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { outStrides[d] = outStrides[d + 1] * outShape[d + 1] }
        let inner = shape[rank - 1]
        let rows = shape.reduce(1, *) / inner
        var index = [Int](repeating: 0, count: rank)
        for row in 0..<rows {
            // Decompose the row into the leading indices.
            var r = row
            for d in stride(from: rank - 2, through: 0, by: -1) { index[d] = r % shape[d]; r /= shape[d] }
            var offset = before[rank - 1]
            for d in 0..<(rank - 1) { offset += (index[d] + before[d]) * outStrides[d] }
            (output + offset).update(from: input + row * inner, count: inner)
        }
    }

    /// Elementwise `a + b` with NumPy broadcasting over shapes of equal rank (left-padded with 1s).
    static func add(_ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
                    output: UnsafeMutablePointer<Float>, outShape: [Int], activation: TFLiteGraph.Activation) {
        let count = outShape.reduce(1, *)
        if aShape == bShape {
            let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b), z = UnsafeMutableRawPointer(output)
            var i = 0
            while i + 8 <= count {
                z.storeBytes(of: x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + y.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self),
                             toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { output[i] = a[i] + b[i]; i += 1 }
        } else {
            broadcast(aShape, bShape, outShape) { o, i, j in output[o] = a[i] + b[j] }
        }
        Epilogue.activate(output, count: count, activation)
    }

    /// `x ≥ 0 ? x : alpha · x`, alpha broadcast over x.
    static func prelu(_ x: UnsafePointer<Float>, _ xShape: [Int], alpha: UnsafePointer<Float>, _ alphaShape: [Int],
                      output: UnsafeMutablePointer<Float>) {
        let count = xShape.reduce(1, *)
        let alphaCount = alphaShape.reduce(1, *)
        if alphaCount > 0, xShape.last == alphaCount, alphaShape.last == alphaCount {
            // The common case: one alpha per channel.
            let rows = count / alphaCount
            for r in 0..<rows {
                let p = x + r * alphaCount, o = output + r * alphaCount
                for c in 0..<alphaCount { let v = p[c]; o[c] = v >= 0 ? v : alpha[c] * v }
            }
        } else {
            broadcast(xShape, alphaShape, xShape) { o, i, j in let v = x[i]; output[o] = v >= 0 ? v : alpha[j] * v }
        }
    }

    /// Calls `body(outputIndex, aIndex, bIndex)` for every element of a broadcast of two shapes.
    static func broadcast(_ aShape: [Int], _ bShape: [Int], _ outShape: [Int], _ body: (Int, Int, Int) -> Void) {
        let rank = outShape.count
        func padded(_ s: [Int]) -> [Int] { [Int](repeating: 1, count: rank - s.count) + s }
        let a = padded(aShape), b = padded(bShape)
        func strides(_ s: [Int]) -> [Int] {
            var st = [Int](repeating: 0, count: rank)
            var acc = 1
            for d in stride(from: rank - 1, through: 0, by: -1) { st[d] = s[d] == 1 ? 0 : acc; acc *= s[d] }
            return st
        }
        let sa = strides(a), sb = strides(b)
        let count = outShape.reduce(1, *)
        var index = [Int](repeating: 0, count: rank)
        for o in 0..<count {
            var i = 0, j = 0
            for d in 0..<rank { i += index[d] * sa[d]; j += index[d] * sb[d] }
            body(o, i, j)
            var d = rank - 1
            while d >= 0 { index[d] += 1; if index[d] < outShape[d] { break }; index[d] = 0; d -= 1 }
        }
    }

    /// Bilinear resize of one NHWC image, as TFLite's reference kernel (align corners and half-pixel
    /// centres as options): output rows `rows` (all by default).
    static func resizeBilinear(_ input: UnsafePointer<Float>, h: Int, w: Int, c: Int, output: UnsafeMutablePointer<Float>,
                               oh: Int, ow: Int, rows: Range<Int>? = nil, alignCorners: Bool, halfPixelCenters: Bool) {
        func scale(_ i: Int, _ o: Int) -> Float { alignCorners && o > 1 ? Float(i - 1) / Float(o - 1) : Float(i) / Float(o) }
        func taps(_ value: Int, _ scale: Float, _ size: Int) -> (Float, Int, Int) {
            let v = halfPixelCenters ? (Float(value) + 0.5) * scale - 0.5 : Float(value) * scale
            let lower = max(Int(v.rounded(.down)), 0)
            let upper = min(Int(v.rounded(.up)), size - 1)
            return (v, lower, upper)
        }
        let sy = scale(h, oh), sx = scale(w, ow)
        for y in rows ?? 0..<oh {
            let (iy, y0, y1) = taps(y, sy, h)
            let fy = iy - Float(y0)
            for x in 0..<ow {
                let (ix, x0, x1) = taps(x, sx, w)
                let fx = ix - Float(x0)
                let p00 = input + (y0 * w + x0) * c, p01 = input + (y0 * w + x1) * c
                let p10 = input + (y1 * w + x0) * c, p11 = input + (y1 * w + x1) * c
                let out = output + (y * ow + x) * c
                // TFLite's order of operations, eight channels at a time.
                let (gy, gx) = (1 - fy, 1 - fx)
                var ch = 0
                while ch + 8 <= c {
                    func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p + ch).loadUnaligned(as: SIMD8<Float>.self) }
                    let v = load(p00) * gy * gx + load(p10) * fy * gx + load(p01) * gy * fx + load(p11) * fy * fx
                    UnsafeMutableRawPointer(out + ch).storeBytes(of: v, as: SIMD8<Float>.self)
                    ch += 8
                }
                while ch < c {
                    out[ch] = p00[ch] * gy * gx + p10[ch] * fy * gx + p01[ch] * gy * fx + p11[ch] * fy * fx
                    ch += 1
                }
            }
        }
    }

    /// Depth-to-space of one NHWC image: `out[y·b + dy, x·b + dx, ch] = in[y, x, (dy·b + dx)·C + ch]`.
    static func depthToSpace(_ input: UnsafePointer<Float>, h: Int, w: Int, c: Int, block: Int, output: UnsafeMutablePointer<Float>) {
        let oc = c / (block * block)
        // For one input row and one `dy`, each input pixel gives `block · oc` contiguous floats
        // to the output row.
        let run = block * oc
        for y in 0..<h {
            for dy in 0..<block {
                var source = input + y * w * c + dy * run
                var target = output + (y * block + dy) * w * run
                for _ in 0..<w {
                    copy(target, from: source, count: run)
                    source += c
                    target += run
                }
            }
        }
    }

    /// Expands a sparse constant (TFLite's format converter) into a dense row-major array.
    /// Supports any mix of dense and CSR dimensions in the identity traversal order, without blocks.
    static func densify(values: [Float], sparsity: TFLiteGraph.Sparsity, shape: [Int]) -> [Float]? {
        let rank = shape.count
        guard sparsity.blockMap.isEmpty, sparsity.traversalOrder == Array(0..<rank), sparsity.dimensions.count == rank else { return nil }
        var dense = [Float](repeating: 0, count: shape.reduce(1, *))
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        var valueIndex = 0
        var ok = true
        // `segment` is the position among the previous dimension's entries.
        func walk(_ d: Int, _ segment: Int, _ offset: Int) {
            guard ok else { return }
            if d == rank {
                guard valueIndex < values.count else { ok = false; return }
                dense[offset] = values[valueIndex]
                valueIndex += 1
                return
            }
            let dim = sparsity.dimensions[d]
            if dim.isDense {
                guard dim.denseSize == shape[d] else { ok = false; return }
                for i in 0..<dim.denseSize { walk(d + 1, segment * dim.denseSize + i, offset + i * strides[d]) }
            } else {
                guard segment + 1 < dim.segments.count else { ok = false; return }
                let start = dim.segments[segment], end = dim.segments[segment + 1]
                guard start >= 0, start <= end, end <= dim.indices.count else { ok = false; return }
                for j in start..<end {
                    let i = dim.indices[j]
                    guard i >= 0, i < shape[d] else { ok = false; return }
                    walk(d + 1, j, offset + i * strides[d])
                }
            }
        }
        walk(0, 0, 0)
        return ok && valueIndex == values.count ? dense : nil
    }
}
