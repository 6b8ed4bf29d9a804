import Foundation
@testable import NN
import Testing
import TestSupport

/// The TFLite runner's fast paths against plain loops: the register-tiled convolution, the 3×3
/// depthwise kernel and the fused epilogues on random shapes (odd sizes, channel counts that are
/// not multiples of eight, strides, dilations, padding), split over workers as a run splits them;
/// and each MediaPipe model fused and on the fast kernels against the same model run operator by
/// operator on the general kernels.
@Suite("TFLite fast kernels")
struct TFLiteKernelTests {
    /// Floats owned by a test, freed with it.
    final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let count: Int

        init(_ values: [Float]) {
            count = values.count
            pointer = .allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            pointer.update(from: values, count: count)
        }

        convenience init(count: Int) { self.init([Float](repeating: .nan, count: count)) }
        deinit { pointer.deallocate() }
        var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    }

    /// A convolution's or depthwise convolution's geometry with its padding on all four sides.
    struct Geometry: CustomStringConvertible {
        var h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1
        var padTop = 0, padBottom = 0, padLeft = 0, padRight = 0
        var oh: Int { (h + padTop + padBottom - (kh - 1) * dilationH - 1) / strideH + 1 }
        var ow: Int { (w + padLeft + padRight - (kw - 1) * dilationW - 1) / strideW + 1 }
        var isValid: Bool { h + padTop + padBottom >= (kh - 1) * dilationH + 1 && w + padLeft + padRight >= (kw - 1) * dilationW + 1 }
        var description: String {
            "\(h)×\(w)×\(cin)→\(cout) \(kh)×\(kw) stride \(strideH),\(strideW) dilation \(dilationH),\(dilationW) pad t\(padTop) b\(padBottom) l\(padLeft) r\(padRight)"
        }
    }

    /// The finishing operators of a case: a residual of `skipChannels` channels, an activation, slopes.
    struct Finish {
        var skip: Buffer?
        var skipChannels = 0
        var activation: TFLiteGraph.Activation = .none
        var alpha: Buffer?

        var epilogue: TFLiteKernels.Epilogue {
            TFLiteKernels.Epilogue(skip: skip.map { UnsafePointer($0.pointer) }, skipStride: skipChannels, skipChannels: skipChannels,
                                   activation: activation, alpha: alpha.map { UnsafePointer($0.pointer) })
        }

        /// `prelu(activation(value + skip))` for channel `channel` of pixel `pixel`.
        func apply(_ value: Double, pixel: Int, channel: Int) -> Double {
            var v = value
            if let skip, channel < skipChannels { v += Double(skip.pointer[pixel * skipChannels + channel]) }
            switch activation {
            case .none: break
            case .relu: v = max(v, 0)
            case .relu6: v = min(max(v, 0), 6)
            case .reluN1To1: v = min(max(v, -1), 1)
            }
            if let alpha, v < 0 { v *= Double(alpha.pointer[channel]) }
            return v
        }
    }

    static func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    static func randomFinish(pixels: Int, channels: Int, _ g: inout SeededGenerator) -> Finish {
        var finish = Finish()
        switch Int.random(in: 0..<3, using: &g) {
        case 1: finish.skipChannels = channels
        case 2: finish.skipChannels = Int.random(in: 1...channels, using: &g)
        default: break
        }
        if finish.skipChannels > 0 { finish.skip = Buffer(random(pixels * finish.skipChannels, &g)) }
        finish.activation = [.none, .relu, .relu6, .reluN1To1][Int.random(in: 0..<4, using: &g)]
        if Bool.random(using: &g) { finish.alpha = Buffer(random(channels, &g)) }
        return finish
    }

    /// Checks `actual` against `expected` within 1e-4 + 1e-4·|expected|.
    static func expectClose(_ actual: [Float], _ expected: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values for \(expected.count)", sourceLocation: sourceLocation)
        var worst = 0.0, worstIndex = 0
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let excess = abs(Double(a) - e) - (1e-4 + 1e-4 * abs(e))
            if !(excess <= worst) { worst = excess.isNaN ? .infinity : excess; worstIndex = i }
        }
        #expect(worst <= 0, "\(what): value \(worstIndex) is \(actual[worstIndex]), expected \(expected[worstIndex])", sourceLocation: sourceLocation)
    }

    /// A convolution by direct loops in Double, finished by `finish`.
    static func referenceConv(_ x: [Float], _ weights: [Float], _ bias: [Float], _ g: Geometry, _ finish: Finish) -> [Double] {
        var out = [Double](repeating: 0, count: g.oh * g.ow * g.cout)
        for oy in 0..<g.oh {
            for ox in 0..<g.ow {
                for co in 0..<g.cout {
                    var sum = Double(bias[co])
                    for ky in 0..<g.kh {
                        let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                        guard iy >= 0 && iy < g.h else { continue }
                        for kx in 0..<g.kw {
                            let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                            guard ix >= 0 && ix < g.w else { continue }
                            for ci in 0..<g.cin {
                                sum += Double(x[(iy * g.w + ix) * g.cin + ci]) * Double(weights[((co * g.kh + ky) * g.kw + kx) * g.cin + ci])
                            }
                        }
                    }
                    let pixel = oy * g.ow + ox
                    out[pixel * g.cout + co] = finish.apply(sum, pixel: pixel, channel: co)
                }
            }
        }
        return out
    }

    /// A depthwise convolution (`cout / cin` outputs per input channel) by direct loops in Double.
    static func referenceDepthwise(_ x: [Float], _ weights: [Float], _ bias: [Float], _ g: Geometry, _ finish: Finish) -> [Double] {
        let multiplier = g.cout / g.cin
        var out = [Double](repeating: 0, count: g.oh * g.ow * g.cout)
        for oy in 0..<g.oh {
            for ox in 0..<g.ow {
                for co in 0..<g.cout {
                    var sum = Double(bias[co])
                    for ky in 0..<g.kh {
                        let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                        guard iy >= 0 && iy < g.h else { continue }
                        for kx in 0..<g.kw {
                            let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                            guard ix >= 0 && ix < g.w else { continue }
                            sum += Double(x[(iy * g.w + ix) * g.cin + co / multiplier]) * Double(weights[(ky * g.kw + kx) * g.cout + co])
                        }
                    }
                    let pixel = oy * g.ow + ox
                    out[pixel * g.cout + co] = finish.apply(sum, pixel: pixel, channel: co)
                }
            }
        }
        return out
    }

    static func conv(_ g: Geometry) -> TFLiteKernels.Conv {
        var c = TFLiteKernels.Conv()
        c.h = g.h; c.w = g.w; c.cin = g.cin; c.cout = g.cout; c.oh = g.oh; c.ow = g.ow
        c.kh = g.kh; c.kw = g.kw; c.strideH = g.strideH; c.strideW = g.strideW; c.dilationH = g.dilationH; c.dilationW = g.dilationW
        c.padTop = g.padTop; c.padLeft = g.padLeft
        return c
    }

    @Test("register-tiled and sgemm convolutions match direct loops")
    func convolutions() {
        var g = SeededGenerator(seed: 41)
        var cases = 0
        while cases < 250 {
            var geometry = Geometry()
            geometry.h = Int.random(in: 1...13, using: &g)
            geometry.w = Int.random(in: 1...13, using: &g)
            geometry.cin = [1, 2, 3, 5, 8, 9, 16, 17][Int.random(in: 0..<8, using: &g)]
            geometry.cout = [1, 2, 3, 5, 7, 8, 9, 12, 15, 16, 17, 20, 24, 28, 31, 33, 40][Int.random(in: 0..<17, using: &g)]
            let k = [1, 1, 2, 3, 3, 5][Int.random(in: 0..<6, using: &g)]
            geometry.kh = k
            geometry.kw = Bool.random(using: &g) ? k : Int.random(in: 1...3, using: &g)
            geometry.strideH = Int.random(in: 1...3, using: &g)
            geometry.strideW = Bool.random(using: &g) ? geometry.strideH : Int.random(in: 1...2, using: &g)
            if k > 1 && Int.random(in: 0..<4, using: &g) == 0 { geometry.dilationH = 2; geometry.dilationW = Int.random(in: 1...2, using: &g) }
            if k > 1 || Bool.random(using: &g) {
                geometry.padTop = Int.random(in: 0...k, using: &g); geometry.padBottom = Int.random(in: 0...k, using: &g)
                geometry.padLeft = Int.random(in: 0...k, using: &g); geometry.padRight = Int.random(in: 0...k, using: &g)
            }
            guard geometry.isValid else { continue }
            cases += 1
            let x = Self.random(geometry.h * geometry.w * geometry.cin, &g)
            let weights = Self.random(geometry.cout * geometry.kh * geometry.kw * geometry.cin, &g)
            let bias = Self.random(geometry.cout, &g)
            let finish = Self.randomFinish(pixels: geometry.oh * geometry.ow, channels: geometry.cout, &g)
            let expected = Self.referenceConv(x, weights, bias, geometry, finish)

            let conv = Self.conv(geometry)
            let packed = TFLiteKernels.PackedConv(conv)
            let input = Buffer(x), w = Buffer(weights), b = Buffer(bias)
            let packedWeights = Buffer(count: packed.packedCount)
            packed.pack(weights: w.pointer, bias: b.pointer, into: packedWeights.pointer)
            let scratch = Buffer(count: max(packed.scratchCount, conv.scratchCount(rows: geometry.oh), 1))
            let pointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: max(packed.pointerCount, 1))
            defer { pointers.deallocate() }
            let epilogue = finish.epilogue
            func run(_ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                let out = Buffer(count: geometry.oh * geometry.ow * geometry.cout)
                body(out.pointer)
                return out.values
            }
            Self.expectClose(run { y in
                packed.run(input: input.pointer, packed: packedWeights.pointer, output: y, rows: 0..<geometry.oh,
                           scratch: scratch.pointer, pointers: pointers, epilogue: epilogue)
            }, expected, "packed \(geometry)")
            // Rows split as two workers split them, and channel blocks split likewise.
            Self.expectClose(run { y in
                for worker in 0..<2 {
                    packed.run(input: input.pointer, packed: packedWeights.pointer, output: y,
                               rows: Parallel.range(of: worker, workers: 2, count: geometry.oh),
                               scratch: scratch.pointer, pointers: pointers, epilogue: epilogue)
                }
            }, expected, "packed, rows split, \(geometry)")
            Self.expectClose(run { y in
                for worker in 0..<2 {
                    packed.run(input: input.pointer, packed: packedWeights.pointer, output: y, rows: 0..<geometry.oh,
                               blocks: packed.blocks(of: worker, workers: 2), scratch: scratch.pointer, pointers: pointers, epilogue: epilogue)
                }
            }, expected, "packed, blocks split, \(geometry)")
            Self.expectClose(run { y in
                conv.run(input: input.pointer, weights: w.pointer, bias: b.pointer, output: y, rows: 0..<geometry.oh,
                         scratch: scratch.pointer, epilogue: epilogue)
            }, expected, "sgemm \(geometry)")
            if conv.isPointwise {
                // Given one input row at a time, as a separable step gives it.
                Self.expectClose(run { y in
                    for oy in 0..<geometry.oh {
                        packed.run(input: input.pointer + oy * geometry.w * geometry.cin, firstRow: oy, packed: packedWeights.pointer, output: y,
                                   rows: oy..<(oy + 1), scratch: scratch.pointer, pointers: pointers, epilogue: epilogue)
                    }
                }, expected, "packed, row by row, \(geometry)")
            }
        }
    }

    @Test("the 3×3 and general depthwise kernels match direct loops")
    func depthwise() {
        var g = SeededGenerator(seed: 43)
        var cases = 0
        while cases < 250 {
            var geometry = Geometry()
            geometry.h = Int.random(in: 1...14, using: &g)
            geometry.w = Int.random(in: 1...14, using: &g)
            geometry.cin = [1, 3, 8, 9, 12, 16, 17, 24, 28, 36, 42][Int.random(in: 0..<11, using: &g)]
            let multiplier = Int.random(in: 0..<5, using: &g) == 0 ? Int.random(in: 2...3, using: &g) : 1
            geometry.cout = geometry.cin * multiplier
            let k = Int.random(in: 0..<4, using: &g) == 0 ? [1, 2, 5][Int.random(in: 0..<3, using: &g)] : 3
            geometry.kh = k
            geometry.kw = k
            geometry.strideH = Int.random(in: 1...2, using: &g)
            geometry.strideW = Int.random(in: 0..<6, using: &g) == 0 ? 3 - geometry.strideH : geometry.strideH
            if Int.random(in: 0..<8, using: &g) == 0 { geometry.dilationH = 2; geometry.dilationW = 2 }
            // SAME-style padding, the explicit 1-pixel PAD the runner folds in, or more.
            geometry.padTop = Int.random(in: 0...2, using: &g); geometry.padBottom = Int.random(in: 0...2, using: &g)
            geometry.padLeft = Int.random(in: 0...2, using: &g); geometry.padRight = Int.random(in: 0...2, using: &g)
            guard geometry.isValid else { continue }
            cases += 1
            let x = Self.random(geometry.h * geometry.w * geometry.cin, &g)
            let weights = Self.random(geometry.kh * geometry.kw * geometry.cout, &g)
            let bias = Self.random(geometry.cout, &g)
            let finish = Self.randomFinish(pixels: geometry.oh * geometry.ow, channels: geometry.cout, &g)
            let expected = Self.referenceDepthwise(x, weights, bias, geometry, finish)

            var d = TFLiteKernels.Depthwise()
            d.h = geometry.h; d.w = geometry.w; d.cin = geometry.cin; d.oh = geometry.oh; d.ow = geometry.ow; d.multiplier = multiplier
            d.kh = k; d.kw = k; d.strideH = geometry.strideH; d.strideW = geometry.strideW
            d.dilationH = geometry.dilationH; d.dilationW = geometry.dilationW; d.padTop = geometry.padTop; d.padLeft = geometry.padLeft
            let input = Buffer(x), w = Buffer(weights), b = Buffer(bias), zeros = Buffer([Float](repeating: 0, count: d.zeroCount))
            let epilogue = finish.epilogue
            for fast in d.hasFast3x3 ? [false, true] : [false] {
                for workers in 1...2 {
                    let out = Buffer(count: geometry.oh * geometry.ow * geometry.cout)
                    for worker in 0..<workers {
                        let rows = Parallel.range(of: worker, workers: workers, count: geometry.oh)
                        if fast {
                            d.run3x3(input: input.pointer, weights: w.pointer, bias: b.pointer, output: out.pointer, rows: rows,
                                     zeros: zeros.pointer, epilogue: epilogue)
                        } else {
                            d.run(input: input.pointer, weights: w.pointer, bias: b.pointer, output: out.pointer, rows: rows, epilogue: epilogue)
                        }
                    }
                    Self.expectClose(out.values, expected, "\(fast ? "3×3" : "general") × \(multiplier), \(workers) workers, \(geometry)")
                }
                // Each row into a one-row buffer, as a separable step keeps them.
                let row = Buffer(count: geometry.ow * geometry.cout)
                var rows: [Float] = []
                for oy in 0..<geometry.oh {
                    if fast {
                        d.run3x3(input: input.pointer, weights: w.pointer, bias: b.pointer, output: row.pointer, rows: oy..<(oy + 1), firstRow: oy,
                                 zeros: zeros.pointer, epilogue: epilogue)
                    } else {
                        d.run(input: input.pointer, weights: w.pointer, bias: b.pointer, output: row.pointer, rows: oy..<(oy + 1), firstRow: oy,
                              epilogue: epilogue)
                    }
                    rows += row.values
                }
                Self.expectClose(rows, expected, "\(fast ? "3×3" : "general") × \(multiplier), row by row, \(geometry)")
            }
        }
    }

    @Test("max pooling matches direct loops")
    func maxPool() {
        var g = SeededGenerator(seed: 53)
        for _ in 0..<100 {
            var pool = TFLiteKernels.MaxPool()
            pool.h = Int.random(in: 1...11, using: &g); pool.w = Int.random(in: 1...11, using: &g)
            pool.c = [1, 3, 8, 12, 16, 28][Int.random(in: 0..<6, using: &g)]
            pool.kh = Int.random(in: 1...3, using: &g); pool.kw = Int.random(in: 1...3, using: &g)
            pool.strideH = Int.random(in: 1...2, using: &g); pool.strideW = Int.random(in: 1...2, using: &g)
            pool.padTop = Int.random(in: 0..<pool.kh, using: &g); pool.padLeft = Int.random(in: 0..<pool.kw, using: &g)
            pool.oh = (pool.h + pool.padTop - 1) / pool.strideH + 1; pool.ow = (pool.w + pool.padLeft - 1) / pool.strideW + 1
            let x = Self.random(pool.h * pool.w * pool.c, &g)
            var expected = [Double](repeating: 0, count: pool.oh * pool.ow * pool.c)
            for oy in 0..<pool.oh {
                for ox in 0..<pool.ow {
                    for ch in 0..<pool.c {
                        var v = -Double.infinity
                        for ky in 0..<pool.kh {
                            for kx in 0..<pool.kw {
                                let iy = oy * pool.strideH - pool.padTop + ky, ix = ox * pool.strideW - pool.padLeft + kx
                                if iy >= 0 && iy < pool.h && ix >= 0 && ix < pool.w { v = max(v, Double(x[(iy * pool.w + ix) * pool.c + ch])) }
                            }
                        }
                        expected[(oy * pool.ow + ox) * pool.c + ch] = v
                    }
                }
            }
            let input = Buffer(x), out = Buffer(count: expected.count), split = Buffer(count: expected.count)
            pool.run(input: input.pointer, output: out.pointer)
            Self.expectClose(out.values, expected, "max pool \(pool)")
            for worker in 0..<2 { pool.run(input: input.pointer, output: split.pointer, rows: Parallel.range(of: worker, workers: 2, count: pool.oh)) }
            Self.expectClose(split.values, expected, "max pool, rows split, \(pool)")
        }
    }

    @Test("depth to space matches direct loops")
    func depthToSpace() {
        var g = SeededGenerator(seed: 59)
        for (h, w, c, block) in [(3, 5, 4, 2), (2, 2, 64, 2), (4, 3, 18, 3), (1, 1, 9, 3)] {
            let x = Self.random(h * w * c, &g)
            let oc = c / (block * block)
            var expected = [Double](repeating: 0, count: x.count)
            for y in 0..<h {
                for xx in 0..<w {
                    for dy in 0..<block {
                        for dx in 0..<block {
                            for ch in 0..<oc {
                                expected[((y * block + dy) * w * block + xx * block + dx) * oc + ch] = Double(x[(y * w + xx) * c + (dy * block + dx) * oc + ch])
                            }
                        }
                    }
                }
            }
            let input = Buffer(x), out = Buffer(count: x.count)
            TFLiteKernels.depthToSpace(input.pointer, h: h, w: w, c: c, block: block, output: out.pointer)
            Self.expectClose(out.values, expected, "depth to space \(h)×\(w)×\(c) block \(block)")
        }
    }

    /// Whether the 3×3 kernel is chosen for MediaPipe's shapes, so the test above covers them.
    @Test func fastDepthwiseCoversMediaPipeShapes() {
        var d = TFLiteKernels.Depthwise()
        d.cin = 24; d.kh = 3; d.kw = 3; d.strideH = 2; d.strideW = 2
        #expect(d.hasFast3x3)
        d.cin = 4
        #expect(!d.hasFast3x3)
    }

    @Test("fused models on the fast kernels match the plain ones", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)),
          arguments: MediaPipeModels.stems)
    func fusedModels(stem: String) throws {
        let data = try Data(contentsOf: MediaPipeModels.url(stem))
        let fast = try TFLiteModel(data: data, path: stem)
        let plain = try TFLiteModel(data: data, path: stem, plain: true)
        // Spatial and channel PADs, residual ADDs, RELUs and PRELUs are folded into convolutions
        // (an ADD after a resize into the resize), RESHAPEs into their producers.
        #expect(fast.operatorCount < plain.operatorCount)
        for step in fast.steps {
            switch step {
            case .pad, .relu, .prelu, .add, .copy: Issue.record("\(stem): \(TFLiteModel.kind(step)) left after fusion")
            default: break
            }
        }
        var g = SeededGenerator(seed: 47)
        for workers in 1...2 {
            fast.maximumWorkers = workers
            let input = Self.random(fast.inputShape.reduce(1, *), &g)
            let expected = try plain.run(input)
            let actual = try fast.run(input)
            for (k, (a, e)) in zip(actual, expected).enumerated() {
                Self.expectClose(a, e.map(Double.init), "\(stem) output \(k), \(workers) workers")
            }
            // A second run on the same buffers gives the same result.
            #expect(try fast.run(input) == actual)
        }
    }
}
