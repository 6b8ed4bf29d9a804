extension TFLiteKernels {
    /// A depthwise convolution of one NHWC image (`multiplier` output channels per input channel).
    struct Depthwise {
        var h = 0, w = 0, cin = 0, oh = 0, ow = 0, multiplier = 1
        var kh = 0, kw = 0, strideH = 0, strideW = 0, dilationH = 1, dilationW = 1, padTop = 0, padLeft = 0
        var activation: TFLiteGraph.Activation = .none

        var cout: Int { cin * multiplier }
        var work: Int { oh * ow * cout * kh * kw }

        func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
            let c = cout
            for oy in rows {
                let outRow = output + oy * ow * c
                if let bias {
                    for ox in 0..<ow { (outRow + ox * c).update(from: bias, count: c) }
                } else {
                    outRow.update(repeating: 0, count: ow * c)
                }
                // One pass over the output row per filter tap: the row stays in cache, and the
                // columns whose input lies inside the image are known, so the inner loop has no
                // bounds checks.
                for ky in 0..<kh {
                    let iy = oy * strideH - padTop + ky * dilationH
                    guard iy >= 0 && iy < h else { continue }
                    let inRow = input + iy * w * cin
                    for kx in 0..<kw {
                        let shift = kx * dilationW - padLeft
                        // ox·stride + shift ∈ [0, w)
                        let first = shift >= 0 ? 0 : (-shift + strideW - 1) / strideW
                        let last = min(ow, w - 1 - shift < 0 ? 0 : (w - 1 - shift) / strideW + 1)
                        guard first < last else { continue }
                        let wt = weights + (ky * kw + kx) * c
                        if multiplier == 1 {
                            TFLiteKernels.multiplyAdd(rows: first..<last, channels: c, input: inRow + shift * cin,
                                                      inputStride: strideW * cin, weights: wt, output: outRow)
                        } else {
                            for ox in first..<last {
                                let src = inRow + (ox * strideW + shift) * cin
                                let out = outRow + ox * c
                                for ch in 0..<c { out[ch] += src[ch / multiplier] * wt[ch] }
                            }
                        }
                    }
                }
                TFLiteKernels.activate(outRow, count: ow * c, activation)
            }
        }
    }

    /// `output[i·c + ch] += input[i·inputStride + ch] · weights[ch]` for `i` in `rows`: one filter
    /// tap of a depthwise convolution over a run of output pixels, eight channels at a time.
    @inline(__always)
    static func multiplyAdd(rows: Range<Int>, channels c: Int, input: UnsafePointer<Float>, inputStride: Int,
                            weights: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let vectors = c / 8
        let raw = UnsafeRawPointer(weights)
        for i in rows {
            let src = UnsafeRawPointer(input + i * inputStride)
            let dst = UnsafeMutableRawPointer(output + i * c)
            for v in 0..<vectors {
                let offset = v * 32
                let sum = dst.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                    + src.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                dst.storeBytes(of: sum, toByteOffset: offset, as: SIMD8<Float>.self)
            }
            let o = output + i * c, x = input + i * inputStride
            for ch in (vectors * 8)..<c { o[ch] += x[ch] * weights[ch] }
        }
    }
}
