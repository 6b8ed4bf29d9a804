extension TFLiteKernels {
    /// A depthwise convolution of one NHWC image (`multiplier` output channels per input channel).
    ///
    /// Taps outside the image count as zeros, so a zero `PAD` in front of the convolution is the
    /// same convolution with more leading padding (the runner folds such a `PAD` into it).
    struct Depthwise {
        var h = 0, w = 0, cin = 0, oh = 0, ow = 0, multiplier = 1
        var kh = 0, kw = 0, strideH = 0, strideW = 0, dilationH = 1, dilationW = 1, padTop = 0, padLeft = 0
        /// Whether a run takes ``run3x3(input:weights:bias:output:rows:zeros:epilogue:)`` (chosen
        /// at load among the ``hasFast3x3`` ones).
        var usesFast3x3 = false

        var cout: Int { cin * multiplier }
        var work: Int { oh * ow * cout * kh * kw }

        /// Whether ``run3x3(input:weights:bias:output:rows:zeros:epilogue:)`` applies: a 3×3 filter,
        /// one output channel per input channel, no dilation, the same stride on both axes, and at
        /// least eight channels.
        var hasFast3x3: Bool {
            kh == 3 && kw == 3 && multiplier == 1 && dilationH == 1 && dilationW == 1 && strideH == strideW && cin >= 8
        }

        /// Floats of zeros ``run3x3(input:weights:bias:output:rows:zeros:epilogue:)`` reads for a
        /// filter row above or below the image: one input row.
        var zeroCount: Int { w * cin }

        /// Computes output rows `rows` with the general kernel: one pass over the output row per
        /// filter tap, then `epilogue` over the row. Row `oy` goes to `output + (oy − firstRow)·ow·c`
        /// (a caller keeping only a few rows passes the first of them).
        func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 output: UnsafeMutablePointer<Float>, rows: Range<Int>, firstRow: Int = 0, epilogue: Epilogue) {
            let c = cout
            for oy in rows {
                let outRow = output + (oy - firstRow) * ow * c
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
                epilogue.apply(to: outRow, firstPixel: oy * ow, pixels: ow, channels: c)
            }
        }

        /// Computes output rows `rows` of a 3×3 depthwise convolution (``hasFast3x3``): for each
        /// block of eight channels the nine weight vectors and the bias stay in registers while each
        /// output pixel is summed once; `epilogue` then finishes the row. A row runs in chunks of
        /// columns whose input (three rows of the chunk's width) stays in L1 while every channel
        /// block passes over it. Columns whose taps all lie in the image run without bounds checks;
        /// a filter row above or below the image reads `zeros` (``zeroCount`` floats). When the
        /// channels are not a multiple of eight, the last block overlaps the one before it and
        /// recomputes the same values. Row `oy` goes to `output + (oy − firstRow)·ow·c`.
        func run3x3(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, rows: Range<Int>, firstRow: Int = 0, zeros: UnsafePointer<Float>,
                    epilogue: Epilogue) {
            let c = cin, s = strideW
            let rowFloats = w * c
            // Columns first..<end have all three taps inside the image.
            let first = min(ow, (padLeft + s - 1) / s)
            let end = max(first, min(ow, w - 3 + padLeft >= 0 ? (w - 3 + padLeft) / s + 1 : 0))
            // About 16 KiB of input per chunk.
            let chunk = max(4, (16384 / (12 * c) - 2) / s)
            let weightBytes = UnsafeRawPointer(weights)
            let tap = c * 4
            for oy in rows {
                let iy = oy * strideH - padTop
                let r0 = UnsafeRawPointer(iy >= 0 && iy < h ? input + iy * rowFloats : zeros)
                let r1 = UnsafeRawPointer(iy + 1 >= 0 && iy + 1 < h ? input + (iy + 1) * rowFloats : zeros)
                let r2 = UnsafeRawPointer(iy + 2 >= 0 && iy + 2 < h ? input + (iy + 2) * rowFloats : zeros)
                let outRow = UnsafeMutableRawPointer(output + (oy - firstRow) * ow * c)
                var x0 = 0
                while x0 < ow {
                    let x1 = min(ow, x0 + chunk)
                    let inner = max(x0, first)..<max(max(x0, first), min(x1, end))
                    var next = 0
                    while next < c {
                        let byte = min(next, c - 8) * 4
                        next += 8
                        let w0 = weightBytes.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
                        let w1 = weightBytes.loadUnaligned(fromByteOffset: byte + tap, as: SIMD8<Float>.self)
                        let w2 = weightBytes.loadUnaligned(fromByteOffset: byte + 2 * tap, as: SIMD8<Float>.self)
                        let w3 = weightBytes.loadUnaligned(fromByteOffset: byte + 3 * tap, as: SIMD8<Float>.self)
                        let w4 = weightBytes.loadUnaligned(fromByteOffset: byte + 4 * tap, as: SIMD8<Float>.self)
                        let w5 = weightBytes.loadUnaligned(fromByteOffset: byte + 5 * tap, as: SIMD8<Float>.self)
                        let w6 = weightBytes.loadUnaligned(fromByteOffset: byte + 6 * tap, as: SIMD8<Float>.self)
                        let w7 = weightBytes.loadUnaligned(fromByteOffset: byte + 7 * tap, as: SIMD8<Float>.self)
                        let w8 = weightBytes.loadUnaligned(fromByteOffset: byte + 8 * tap, as: SIMD8<Float>.self)
                        let b = bias.map { UnsafeRawPointer($0).loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) } ?? SIMD8()

                        /// A column with a tap outside the image: each tap checked.
                        @inline(__always) func border(_ ox: Int) {
                            var sum = b
                            let ix = ox * s - padLeft
                            if ix >= 0 && ix < w {
                                let o = ix * tap + byte
                                sum.addProduct(r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w0)
                                sum.addProduct(r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w3)
                                sum.addProduct(r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w6)
                            }
                            if ix + 1 >= 0 && ix + 1 < w {
                                let o = (ix + 1) * tap + byte
                                sum.addProduct(r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w1)
                                sum.addProduct(r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w4)
                                sum.addProduct(r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w7)
                            }
                            if ix + 2 >= 0 && ix + 2 < w {
                                let o = (ix + 2) * tap + byte
                                sum.addProduct(r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w2)
                                sum.addProduct(r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w5)
                                sum.addProduct(r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w8)
                            }
                            outRow.storeBytes(of: sum, toByteOffset: ox * tap + byte, as: SIMD8<Float>.self)
                        }

                        for ox in x0..<inner.lowerBound { border(ox) }
                        var o = (inner.lowerBound * s - padLeft) * tap + byte
                        var out = inner.lowerBound * tap + byte
                        let step = s * tap
                        for _ in inner {
                            // Three chains of three taps, so consecutive pixels overlap in the pipeline.
                            var top = b
                            top.addProduct(r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), w0)
                            top.addProduct(r0.loadUnaligned(fromByteOffset: o &+ tap, as: SIMD8<Float>.self), w1)
                            top.addProduct(r0.loadUnaligned(fromByteOffset: o &+ 2 &* tap, as: SIMD8<Float>.self), w2)
                            var middle = r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * w3
                            middle.addProduct(r1.loadUnaligned(fromByteOffset: o &+ tap, as: SIMD8<Float>.self), w4)
                            middle.addProduct(r1.loadUnaligned(fromByteOffset: o &+ 2 &* tap, as: SIMD8<Float>.self), w5)
                            var bottom = r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * w6
                            bottom.addProduct(r2.loadUnaligned(fromByteOffset: o &+ tap, as: SIMD8<Float>.self), w7)
                            bottom.addProduct(r2.loadUnaligned(fromByteOffset: o &+ 2 &* tap, as: SIMD8<Float>.self), w8)
                            outRow.storeBytes(of: top + (middle + bottom), toByteOffset: out, as: SIMD8<Float>.self)
                            o = o &+ step
                            out = out &+ tap
                        }
                        for ox in inner.upperBound..<x1 { border(ox) }
                    }
                    x0 = x1
                }
                epilogue.apply(to: output + (oy - firstRow) * ow * c, firstPixel: oy * ow, pixels: ow, channels: c)
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
