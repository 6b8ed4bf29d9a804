extension TFLiteKernels {
    /// A convolution on weights packed once at load for a register-tiled kernel, which beats
    /// sgemm on the skinny products of MediaPipe's models (few output channels or a short sum).
    ///
    /// The output channels are cut into blocks of 16 or 8 lanes; block by block the packed weights
    /// hold the block's bias, then `k` rows of its lanes (`weights[channel + lane, i]`), zero past
    /// the output channels. When the channels are not a multiple of eight the last block overlaps
    /// the one before it (both compute the same values), so every block stores whole vectors; only
    /// a convolution of fewer than eight output channels stores a partial vector.
    ///
    /// The kernel sums six output pixels × one block at a time in twelve (or six) SIMD8
    /// accumulators: each step broadcasts one input value per pixel and multiplies it into the
    /// block's weight row. It reads its input through a list of pointers, one per pixel and
    /// segment: a segment is a filter row (`kW·in` contiguous floats of the input) or, with a
    /// dilated width, a single tap. Filter rows above or below the image are left out; a pixel
    /// whose taps leave the image at the left or right reads a zero-padded copy of its patch. A
    /// 1×1 stride-1 convolution is one segment per pixel. No im2col matrix is built.
    struct PackedConv {
        /// Output channels `channel..<channel + count` of a block `lanes` wide (8 or 16), whose
        /// packed data starts at `offset`.
        struct Block {
            var channel: Int
            var lanes: Int
            var count: Int
            var offset: Int
        }

        /// Pixels summed together.
        static let tileRows = 6

        var conv: Conv
        private(set) var blocks: [Block] = []
        /// Floats of packed weights.
        private(set) var packedCount = 0

        init(_ conv: Conv) {
            self.conv = conv
            let cout = conv.cout
            var plan: [(channel: Int, lanes: Int)] = []
            if cout < 8 {
                plan = [(0, 8)]
            } else {
                for i in 0..<(cout / 16) { plan.append((16 * i, 16)) }
                let rest = cout % 16
                if rest > 8 && cout >= 16 {
                    plan.append((cout - 16, 16))
                } else if rest > 8 {
                    plan += [(0, 8), (cout - 8, 8)]
                } else if rest > 0 {
                    plan.append((cout - 8, 8))
                }
            }
            var offset = 0
            for (channel, lanes) in plan {
                blocks.append(Block(channel: channel, lanes: lanes, count: min(lanes, cout - channel), offset: offset))
                offset += lanes * (conv.k + 1)
            }
            packedCount = offset
        }

        /// Whether a segment is a whole filter row (else a single tap).
        private var rowSegments: Bool { conv.dilationW == 1 }
        /// Floats per segment.
        private var span: Int { rowSegments ? conv.kw * conv.cin : conv.cin }
        /// Segments per filter row.
        private var segmentsPerRow: Int { rowSegments ? 1 : conv.kw }

        /// Floats of scratch per worker: zero-padded patches for one tile.
        var scratchCount: Int { conv.isPointwise ? 0 : Self.tileRows * conv.k }
        /// Input pointers per worker: one tile's.
        var pointerCount: Int { Self.tileRows * conv.kh * segmentsPerRow }

        /// Writes the packed weights (`packedCount` floats) from TFLite's `[out, kH, kW, in]`
        /// weights and the bias.
        func pack(weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into packed: UnsafeMutablePointer<Float>) {
            let k = conv.k
            for block in blocks {
                let p = packed + block.offset
                p.update(repeating: 0, count: block.lanes * (k + 1))
                for lane in 0..<block.count {
                    let channel = block.channel + lane
                    p[lane] = bias?[channel] ?? 0
                    for i in 0..<k { p[block.lanes * (i + 1) + lane] = weights[channel * k + i] }
                }
            }
        }

        /// The channel blocks worker `worker` of `workers` computes when a step splits the blocks
        /// rather than the rows: contiguous, and never separating the overlapping last block from
        /// the one before it, so that no two workers write the same channels.
        func blocks(of worker: Int, workers: Int) -> Range<Int> {
            func boundary(_ w: Int) -> Int {
                let b = w * blocks.count / workers
                return b > 0 && b < blocks.count && blocks[b].channel < blocks[b - 1].channel + blocks[b - 1].lanes ? b - 1 : b
            }
            return boundary(worker)..<boundary(worker + 1)
        }

        /// Computes output rows `rows`, channel blocks `blockRange` (all by default), finished by
        /// `epilogue` (on those channels only); `scratch` and `pointers` hold ``scratchCount`` floats
        /// and ``pointerCount`` pointers. A 1×1 stride-1 convolution may be given only some input
        /// rows: input row `firstRow` at `input`.
        func run(input: UnsafePointer<Float>, firstRow: Int = 0, packed: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 rows: Range<Int>, blocks blockRange: Range<Int>? = nil, scratch: UnsafeMutablePointer<Float>,
                 pointers: UnsafeMutablePointer<UnsafePointer<Float>>, epilogue: Epilogue) {
            let selected = blockRange ?? 0..<blocks.count
            guard !rows.isEmpty, !selected.isEmpty else { return }
            let cout = conv.cout
            let last = blocks[selected.upperBound - 1]
            let channels = blocks[selected.lowerBound].channel..<(last.channel + last.count)
            if conv.isPointwise {
                // One segment per pixel; the epilogue every ~16 KiB of output.
                let pixels = (rows.lowerBound * conv.ow)..<(rows.upperBound * conv.ow)
                let group = max(1, 4096 / (Self.tileRows * cout)) * Self.tileRows
                var start = pixels.lowerBound
                while start < pixels.upperBound {
                    let end = min(pixels.upperBound, start + group)
                    var pixel = start
                    while pixel < end {
                        let n = min(Self.tileRows, end - pixel)
                        let first = input + (pixel - firstRow * conv.ow) * conv.cin
                        for r in 0..<Self.tileRows { pointers[r] = first + min(r, n - 1) * conv.cin }
                        tile(pointers, segments: 1, span: conv.cin, firstWeight: 0, packed: packed, blocks: selected,
                             output: output + pixel * cout, rows: n)
                        pixel += n
                    }
                    epilogue.apply(to: output + start * cout, firstPixel: start, pixels: end - start, channels: cout, range: channels)
                    start = end
                }
                return
            }
            let c = conv
            for oy in rows {
                // Filter rows inside the image: kyFirst..<kyEnd.
                let iyBase = oy * c.strideH - c.padTop
                let kyFirst = iyBase >= 0 ? 0 : min(c.kh, (-iyBase + c.dilationH - 1) / c.dilationH)
                let kyEnd = max(kyFirst, min(c.kh, c.h - 1 - iyBase >= 0 ? (c.h - 1 - iyBase) / c.dilationH + 1 : 0))
                let segments = (kyEnd - kyFirst) * segmentsPerRow
                let rowFloats = c.w * c.cin, pixelStride = c.strideW * c.cin
                var ox0 = 0
                while ox0 < c.ow {
                    let n = min(Self.tileRows, c.ow - ox0)
                    let ixFirst = ox0 * c.strideW - c.padLeft, ixLast = (ox0 + n - 1) * c.strideW - c.padLeft
                    if ixFirst >= 0 && ixLast + (c.kw - 1) * c.dilationW < c.w {
                        // Every tap of the tile inside the image: pointers straight into the input.
                        for j in 0..<segments {
                            let ky = kyFirst + j / segmentsPerRow, kx = j % segmentsPerRow
                            let first = input + (iyBase + ky * c.dilationH) * rowFloats + (ixFirst + kx * c.dilationW) * c.cin
                            let p = pointers + j * Self.tileRows
                            for r in 0..<Self.tileRows { p[r] = first + min(r, n - 1) * pixelStride }
                        }
                    } else {
                        for r in 0..<Self.tileRows {
                            // Missing rows of a last, short tile repeat its last pixel; they are not stored.
                            let ix0 = (ox0 + min(r, n - 1)) * c.strideW - c.padLeft
                            let inside = ix0 >= 0 && ix0 + (c.kw - 1) * c.dilationW < c.w
                            for j in 0..<segments {
                                let ky = kyFirst + j / segmentsPerRow, kx = j % segmentsPerRow
                                let row = input + (iyBase + ky * c.dilationH) * rowFloats
                                if inside {
                                    pointers[j * Self.tileRows + r] = row + (ix0 + kx * c.dilationW) * c.cin
                                } else {
                                    let patch = scratch + r * c.k + j * span
                                    for t in 0..<(span / c.cin) {
                                        let ix = ix0 + (kx + t) * c.dilationW
                                        if ix >= 0 && ix < c.w {
                                            TFLiteKernels.copy(patch + t * c.cin, from: row + ix * c.cin, count: c.cin)
                                        } else {
                                            (patch + t * c.cin).update(repeating: 0, count: c.cin)
                                        }
                                    }
                                    pointers[j * Self.tileRows + r] = UnsafePointer(patch)
                                }
                            }
                        }
                    }
                    tile(pointers, segments: segments, span: span, firstWeight: kyFirst * c.kw * c.cin, packed: packed,
                         blocks: selected, output: output + (oy * c.ow + ox0) * cout, rows: n)
                    ox0 += n
                }
                epilogue.apply(to: output + oy * c.ow * cout, firstPixel: oy * c.ow, pixels: c.ow, channels: cout, range: channels)
            }
        }

        /// One tile of `rows` (1…6) pixels × the selected blocks: `segments` runs of `span` floats
        /// per pixel (`pointers[j·6 + r]`), multiplied into the weight rows from `firstWeight` on.
        @inline(__always)
        private func tile(_ pointers: UnsafePointer<UnsafePointer<Float>>, segments: Int, span: Int, firstWeight: Int,
                          packed: UnsafePointer<Float>, blocks selected: Range<Int>, output: UnsafeMutablePointer<Float>, rows: Int) {
            let cout = conv.cout
            for index in selected {
                let block = blocks[index]
                let data = packed + block.offset
                let weights = UnsafeRawPointer(data + block.lanes * (1 + firstWeight))
                let out = output + block.channel
                if rows == 1 {
                    Self.tile1(pointers, segments: segments, span: span, bias: UnsafeRawPointer(data), weights: weights,
                               lanes: block.lanes, output: out, count: block.count)
                } else if block.lanes == 16 {
                    Self.tile6x16(pointers, segments: segments, span: span, bias: UnsafeRawPointer(data), weights: weights,
                                  output: out, outputStride: cout, rows: rows)
                } else {
                    Self.tile6x8(pointers, segments: segments, span: span, bias: UnsafeRawPointer(data), weights: weights,
                                 output: out, outputStride: cout, rows: rows, count: block.count)
                }
            }
        }

        /// Six pixels × sixteen channels, of which the first `rows` pixels are stored: twelve
        /// accumulators, two weight vectors and a broadcast take fifteen of the sixteen AVX
        /// registers.
        private static func tile6x16(_ pointers: UnsafePointer<UnsafePointer<Float>>, segments: Int, span: Int, bias: UnsafeRawPointer,
                                     weights: UnsafeRawPointer, output: UnsafeMutablePointer<Float>, outputStride: Int, rows: Int) {
            let b0 = bias.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = bias.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1
            var c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1
            var w = weights
            for j in 0..<segments {
                let p = pointers + j &* tileRows
                let a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], a4 = p[4], a5 = p[5]
                for i in 0..<span {
                    let w0 = w.loadUnaligned(as: SIMD8<Float>.self)
                    let w1 = w.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                    var x = SIMD8<Float>(repeating: a0[i])
                    c00.addProduct(x, w0); c01.addProduct(x, w1)
                    x = SIMD8<Float>(repeating: a1[i])
                    c10.addProduct(x, w0); c11.addProduct(x, w1)
                    x = SIMD8<Float>(repeating: a2[i])
                    c20.addProduct(x, w0); c21.addProduct(x, w1)
                    x = SIMD8<Float>(repeating: a3[i])
                    c30.addProduct(x, w0); c31.addProduct(x, w1)
                    x = SIMD8<Float>(repeating: a4[i])
                    c40.addProduct(x, w0); c41.addProduct(x, w1)
                    x = SIMD8<Float>(repeating: a5[i])
                    c50.addProduct(x, w0); c51.addProduct(x, w1)
                    w += 64
                }
            }
            @inline(__always) func put(_ low: SIMD8<Float>, _ high: SIMD8<Float>, _ r: Int) {
                guard r < rows else { return }
                let o = UnsafeMutableRawPointer(output + r * outputStride)
                o.storeBytes(of: low, as: SIMD8<Float>.self)
                o.storeBytes(of: high, toByteOffset: 32, as: SIMD8<Float>.self)
            }
            put(c00, c01, 0); put(c10, c11, 1); put(c20, c21, 2)
            put(c30, c31, 3); put(c40, c41, 4); put(c50, c51, 5)
        }

        /// Six pixels × eight channels, of which the first `rows` pixels and `count` channels are
        /// stored.
        private static func tile6x8(_ pointers: UnsafePointer<UnsafePointer<Float>>, segments: Int, span: Int, bias: UnsafeRawPointer,
                                    weights: UnsafeRawPointer, output: UnsafeMutablePointer<Float>, outputStride: Int, rows: Int, count: Int) {
            let b = bias.loadUnaligned(as: SIMD8<Float>.self)
            var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b
            var w = weights
            for j in 0..<segments {
                let p = pointers + j &* tileRows
                let a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], a4 = p[4], a5 = p[5]
                for i in 0..<span {
                    let w0 = w.loadUnaligned(as: SIMD8<Float>.self)
                    c0.addProduct(SIMD8<Float>(repeating: a0[i]), w0)
                    c1.addProduct(SIMD8<Float>(repeating: a1[i]), w0)
                    c2.addProduct(SIMD8<Float>(repeating: a2[i]), w0)
                    c3.addProduct(SIMD8<Float>(repeating: a3[i]), w0)
                    c4.addProduct(SIMD8<Float>(repeating: a4[i]), w0)
                    c5.addProduct(SIMD8<Float>(repeating: a5[i]), w0)
                    w += 32
                }
            }
            store(c0, to: output, count: count)
            if rows > 1 { store(c1, to: output + outputStride, count: count) }
            if rows > 2 { store(c2, to: output + 2 * outputStride, count: count) }
            if rows > 3 { store(c3, to: output + 3 * outputStride, count: count) }
            if rows > 4 { store(c4, to: output + 4 * outputStride, count: count) }
            if rows > 5 { store(c5, to: output + 5 * outputStride, count: count) }
        }

        /// One pixel × one block (`pointers[j·6]` per segment): a last pixel, or a convolution of
        /// one output pixel.
        private static func tile1(_ pointers: UnsafePointer<UnsafePointer<Float>>, segments: Int, span: Int, bias: UnsafeRawPointer,
                                  weights: UnsafeRawPointer, lanes: Int, output: UnsafeMutablePointer<Float>, count: Int) {
            var low = bias.loadUnaligned(as: SIMD8<Float>.self)
            var w = weights
            if lanes == 16 {
                var high = bias.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                for j in 0..<segments {
                    let a = pointers[j &* tileRows]
                    for i in 0..<span {
                        let x = SIMD8<Float>(repeating: a[i])
                        low.addProduct(x, w.loadUnaligned(as: SIMD8<Float>.self))
                        high.addProduct(x, w.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                        w += 64
                    }
                }
                store(low, to: output, count: 8)
                store(high, to: output + 8, count: 8)
            } else {
                for j in 0..<segments {
                    let a = pointers[j &* tileRows]
                    for i in 0..<span {
                        low.addProduct(SIMD8<Float>(repeating: a[i]), w.loadUnaligned(as: SIMD8<Float>.self))
                        w += 32
                    }
                }
                store(low, to: output, count: count)
            }
        }

        /// Stores the first `count` (1…8) lanes of `value`.
        @inline(__always)
        private static func store(_ value: SIMD8<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
            if count == 8 {
                UnsafeMutableRawPointer(destination).storeBytes(of: value, as: SIMD8<Float>.self)
            } else {
                for lane in 0..<count { destination[lane] = value[lane] }
            }
        }
    }

    /// Copies `count` floats with SIMD8 moves (the last one overlapping when `count` is not a
    /// multiple of eight): the short copies of im2col, where a `memmove` call costs more than the
    /// copy.
    @inline(__always)
    static func copy(_ destination: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, count: Int) {
        guard count >= 8 else {
            for i in 0..<count { destination[i] = source[i] }
            return
        }
        let d = UnsafeMutableRawPointer(destination), s = UnsafeRawPointer(source)
        var i = 0
        while i + 8 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * (count - 8), as: SIMD8<Float>.self), toByteOffset: 4 * (count - 8), as: SIMD8<Float>.self)
        }
    }
}
