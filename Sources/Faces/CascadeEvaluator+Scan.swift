import Foundation

// MARK: - Sliding-window scan over an image pyramid

extension CascadeEvaluator {
    /// The per-frame form of the cascade: node offsets for the pyramid's stride, copied into
    /// fixed buffers so the scan reads plain pointers (no array bounds or uniqueness checks).
    final class Prepared: @unchecked Sendable {
        let haar: UnsafeMutablePointer<HaarNode>
        let leaves: UnsafeMutablePointer<Float>
        let stageCounts: UnsafeMutablePointer<Int>
        let stageThresholds: UnsafeMutablePointer<Float>
        let treeNodeCounts: UnsafeMutablePointer<Int>
        let stageCount: Int
        let lbpOffsets: UnsafeMutablePointer<Int32>
        let lbpSubsets: UnsafeMutablePointer<UInt32>
        let lbpLeft: UnsafeMutablePointer<Float>, lbpRight: UnsafeMutablePointer<Float>
        let lbpLeftChild: UnsafeMutablePointer<Int32>, lbpRightChild: UnsafeMutablePointer<Int32>
        let isLBP: Bool
        let isStumpOnly: Bool
        /// Corner offsets of the variance window: the window minus a one-pixel border.
        let normOffsets: (Int, Int, Int, Int)
        let normArea: Double

        private static func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
            array.withUnsafeBufferPointer { if let base = $0.baseAddress { p.initialize(from: base, count: array.count) } }
            return p
        }

        init(_ evaluator: CascadeEvaluator, stride: Int, tiltedOffset: Int) {
            let w = evaluator.windowWidth, h = evaluator.windowHeight
            normOffsets = (1 + stride, w - 1 + stride, 1 + stride * (h - 1), w - 1 + stride * (h - 1))
            normArea = Double((w - 2) * (h - 2))
            isLBP = evaluator.cascade.featureType == .lbp
            isStumpOnly = evaluator.isStumpOnly
            stageCount = evaluator.stageCounts.count
            stageCounts = Self.copy(evaluator.stageCounts)
            stageThresholds = Self.copy(evaluator.stageThresholds)
            treeNodeCounts = Self.copy(evaluator.treeNodeCounts)
            var haarNodes: [HaarNode] = []
            var lbp = LBPNodes()
            var leafValues: [Float] = []
            if isLBP {
                (lbp, leafValues) = evaluator.lbpNodes(stride: stride)
            } else {
                (haarNodes, leafValues) = evaluator.haarNodes(stride: stride, tiltedOffset: tiltedOffset)
            }
            haar = Self.copy(haarNodes)
            leaves = Self.copy(leafValues)
            lbpOffsets = Self.copy(lbp.offsets)
            lbpSubsets = Self.copy(lbp.subsets)
            lbpLeft = Self.copy(lbp.left)
            lbpRight = Self.copy(lbp.right)
            lbpLeftChild = Self.copy(lbp.leftChild)
            lbpRightChild = Self.copy(lbp.rightChild)
        }

        deinit {
            haar.deallocate(); leaves.deallocate(); stageCounts.deallocate(); stageThresholds.deallocate()
            treeNodeCounts.deallocate(); lbpOffsets.deallocate(); lbpSubsets.deallocate()
            lbpLeft.deallocate(); lbpRight.deallocate(); lbpLeftChild.deallocate(); lbpRightChild.deallocate()
        }
    }

    /// Evaluates one stripe of rows at every level and appends the accepted windows, in frame
    /// pixels, as OpenCV's `CascadeClassifierInvoker` does: windows every `step` pixels, and after a
    /// window rejected by the first stage the next one in the row is skipped.
    ///
    /// Stump cascades (`haarcascade_frontalface_default` and most others) are evaluated for eight
    /// windows of a row at once (``classifyStumps8(_:_:at:step:)``), with the same arithmetic per
    /// window. `vectorized: false` evaluates every window alone, as the tests' reference.
    func scan(
        _ pyramid: ImagePyramid, _ model: Prepared, stripe: Int, stripeSizes: [Int], into out: inout [IntRect],
        vectorized: Bool = true
    ) {
        let stride = pyramid.stride
        let eightAtOnce = vectorized && !model.isLBP && model.isStumpOnly
        for (li, level) in pyramid.levels.enumerated() {
            let workWidth = max(level.width + 1 - windowWidth, 0)
            let workHeight = max(level.height + 1 - windowHeight, 0)
            let y0 = stripe * stripeSizes[li]
            let y1 = min((stripe + 1) * stripeSizes[li], workHeight)
            if y0 >= y1 || workWidth == 0 { continue }
            let boxWidth = Int((Float(windowWidth) * level.scale).rounded(.toNearestOrEven))
            let boxHeight = Int((Float(windowHeight) * level.scale).rounded(.toNearestOrEven))
            let step = level.step
            let block = 8 * step
            var y = y0
            while y < y1 {
                var x = 0
                let rowBase = level.offset + y * stride
                var blockStart = -block
                var results = SIMD8<Int64>()
                while x < workWidth {
                    let result: Int
                    if eightAtOnce {
                        if x >= blockStart + block {
                            blockStart = x
                            results = step == 1
                                ? classifyStumps8(pyramid, model, at: rowBase + x, step: 1)
                                : classifyStumps8(pyramid, model, at: rowBase + x, step: 2)
                        }
                        result = Int(results[(x - blockStart) / step])
                    } else {
                        result = classify(pyramid, model, at: rowBase + x)
                    }
                    if result > 0 {
                        out.append(IntRect(
                            x: Int((Float(x) * level.scale).rounded(.toNearestOrEven)),
                            y: Int((Float(y) * level.scale).rounded(.toNearestOrEven)),
                            width: boxWidth, height: boxHeight))
                    }
                    if result == 0 { x += step }
                    x += step
                }
                y += step
            }
        }
    }

    /// Eight consecutive windows' values of one integral-image corner: at `index + k·step` for
    /// k = 0…7. Reads up to 16 values past the first, which ``ImagePyramid`` pads for.
    @inline(__always)
    private func load8(_ p: UnsafeMutablePointer<Int32>, _ index: Int, step: Int) -> SIMD8<Int32> {
        let raw = UnsafeRawPointer(p + index)
        return step == 1 ? raw.loadUnaligned(as: SIMD8<Int32>.self) : raw.loadUnaligned(as: SIMD16<Int32>.self).evenHalf
    }

    /// ``classify(_:_:at:)`` of a stump cascade for the eight windows at `index`, `index + step`, …
    /// of one row (lanes past the row's end are computed and ignored): per window the same
    /// operations in the same order and precision as ``classify(_:_:at:)`` and
    /// ``classifyHaarStumps(_:_:_:)``, so each lane's result is bit-identical. Stops as soon as every
    /// lane is rejected: on haarcascade_frontalface_default the first two stages (25 of its 2,913
    /// stumps) settle about 85% of a frame's windows.
    /// - Returns: per lane OpenCV's `runAt` value: 1 (passed every stage), `-s` (rejected by stage
    ///   `s`) or -1 (too flat to normalise).
    @inline(__always)
    func classifyStumps8(_ pyramid: ImagePyramid, _ model: Prepared, at index: Int, step: Int) -> SIMD8<Int64> {
        let n = model.normOffsets
        let sum = pyramid.sum, squares = pyramid.squareSum
        let valSum = load8(sum, index + n.0, step: step) &- load8(sum, index + n.1, step: step)
            &- load8(sum, index + n.2, step: step) &+ load8(sum, index + n.3, step: step)
        let valSquares = SIMD8<UInt32>(truncatingIfNeeded:
            load8(squares, index + n.0, step: step) &- load8(squares, index + n.1, step: step)
            &- load8(squares, index + n.2, step: step) &+ load8(squares, index + n.3, step: step))
        let area = model.normArea
        let sumD = SIMD8<Double>(valSum)
        let nf = area * SIMD8<Double>(valSquares) - sumD * sumD
        let positive = nf .> 0
        let norm = SIMD8<Float>(1.0 / nf.replacing(with: 1, where: .!positive).squareRoot())
        var alive = positive .& (area * SIMD8<Double>(norm) .< 1e-1)
        var status = SIMD8<Int64>(repeating: -1)

        var node = UnsafePointer(model.haar)
        for stage in 0..<model.stageCount {
            var stageSum = SIMD8<Double>()
            for _ in 0..<model.stageCounts[stage] {
                let o = node.pointee.o
                @inline(__always) func rect(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) -> SIMD8<Float> {
                    SIMD8<Float>(load8(sum, index + Int(a), step: step) &- load8(sum, index + Int(b), step: step)
                        &- load8(sum, index + Int(c), step: step) &+ load8(sum, index + Int(d), step: step))
                }
                var value = node.pointee.w0 * rect(o.0, o.1, o.2, o.3) + node.pointee.w1 * rect(o.4, o.5, o.6, o.7)
                let w2 = node.pointee.w2
                if w2 != 0 { value += w2 * rect(o.8, o.9, o.10, o.11) }
                value *= norm
                let leaf = SIMD8<Float>(repeating: node.pointee.right)
                    .replacing(with: node.pointee.left, where: value .< node.pointee.threshold)
                stageSum += SIMD8<Double>(leaf)
                node += 1
            }
            let passed = stageSum .>= Double(model.stageThresholds[stage])
            status.replace(with: Int64(-stage), where: alive .& .!passed)
            alive = alive .& passed
            if !any(alive) { return status }
        }
        status.replace(with: 1, where: alive)
        return status
    }

    /// OpenCV's `runAt`: 1 when every stage passes, `-stage` for the stage that rejects, -1 for a
    /// window too flat to normalise.
    @inline(__always)
    func classify(_ pyramid: ImagePyramid, _ model: Prepared, at index: Int) -> Int {
        let p = UnsafePointer(pyramid.sum + index)
        if model.isLBP { return classifyLBP(p, model) }
        let q = UnsafePointer(pyramid.squareSum + index)
        let n = model.normOffsets
        let valSum = p[n.0] &- p[n.1] &- p[n.2] &+ p[n.3]
        let valSquares = UInt32(bitPattern: q[n.0] &- q[n.1] &- q[n.2] &+ q[n.3])
        let area = model.normArea
        var nf = area * Double(valSquares) - Double(valSum) * Double(valSum)
        guard nf > 0 else { return -1 }
        nf = nf.squareRoot()
        let normFactor = Float(1.0 / nf)
        guard area * Double(normFactor) < 1e-1 else { return -1 }
        return model.isStumpOnly
            ? classifyHaarStumps(p, model, normFactor) : classifyHaarTrees(p, model, normFactor)
    }

    @inline(__always)
    private func rectSum(_ p: UnsafePointer<Int32>, _ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) -> Float {
        Float(p[Int(a)] &- p[Int(b)] &- p[Int(c)] &+ p[Int(d)])
    }

    @inline(__always)
    private func haarValue(_ p: UnsafePointer<Int32>, _ node: UnsafePointer<HaarNode>, _ normFactor: Float) -> Float {
        let o = node.pointee.o
        var value = node.pointee.w0 * rectSum(p, o.0, o.1, o.2, o.3) + node.pointee.w1 * rectSum(p, o.4, o.5, o.6, o.7)
        let w2 = node.pointee.w2
        if w2 != 0 { value += w2 * rectSum(p, o.8, o.9, o.10, o.11) }
        return value * normFactor
    }

    private func classifyHaarStumps(_ p: UnsafePointer<Int32>, _ model: Prepared, _ normFactor: Float) -> Int {
        var node = UnsafePointer(model.haar)
        for s in 0..<model.stageCount {
            var sum = 0.0
            for _ in 0..<model.stageCounts[s] {
                let value = haarValue(p, node, normFactor)
                sum += Double(value < node.pointee.threshold ? node.pointee.left : node.pointee.right)
                node += 1
            }
            if sum < Double(model.stageThresholds[s]) { return -s }
        }
        return 1
    }

    private func classifyHaarTrees(_ p: UnsafePointer<Int32>, _ model: Prepared, _ normFactor: Float) -> Int {
        var nodeOffset = 0, leafOffset = 0, tree = 0
        for s in 0..<model.stageCount {
            var sum = 0.0
            for _ in 0..<model.stageCounts[s] {
                var idx = 0
                repeat {
                    let node = UnsafePointer(model.haar + nodeOffset + idx)
                    let value = haarValue(p, node, normFactor)
                    idx = Int(value < node.pointee.threshold ? node.pointee.leftChild : node.pointee.rightChild)
                } while idx > 0
                sum += Double(model.leaves[leafOffset - idx])
                let count = model.treeNodeCounts[tree]
                nodeOffset += count
                leafOffset += count + 1
                tree += 1
            }
            if sum < Double(model.stageThresholds[s]) { return -s }
        }
        return 1
    }

    @inline(__always)
    private func lbpCode(_ p: UnsafePointer<Int32>, _ o: UnsafeMutablePointer<Int32>) -> Int {
        @inline(__always) func cell(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Int32 {
            p[Int(o[a])] &- p[Int(o[b])] &- p[Int(o[c])] &+ p[Int(o[d])]
        }
        let center = cell(5, 6, 9, 10)
        var code = 0
        if cell(0, 1, 4, 5) >= center { code |= 128 }
        if cell(1, 2, 5, 6) >= center { code |= 64 }
        if cell(2, 3, 6, 7) >= center { code |= 32 }
        if cell(6, 7, 10, 11) >= center { code |= 16 }
        if cell(10, 11, 14, 15) >= center { code |= 8 }
        if cell(9, 10, 13, 14) >= center { code |= 4 }
        if cell(8, 9, 12, 13) >= center { code |= 2 }
        if cell(4, 5, 8, 9) >= center { code |= 1 }
        return code
    }

    private func classifyLBP(_ p: UnsafePointer<Int32>, _ model: Prepared) -> Int {
        var nodeOffset = 0, leafOffset = 0, tree = 0
        for s in 0..<model.stageCount {
            var sum = 0.0
            for _ in 0..<model.stageCounts[s] {
                if model.isStumpOnly {
                    let c = lbpCode(p, model.lbpOffsets + 16 * nodeOffset)
                    let inSet = model.lbpSubsets[8 * nodeOffset + (c >> 5)] & (1 << UInt32(c & 31)) != 0
                    sum += Double(inSet ? model.lbpLeft[nodeOffset] : model.lbpRight[nodeOffset])
                    nodeOffset += 1
                } else {
                    var idx = 0
                    repeat {
                        let n = nodeOffset + idx
                        let c = lbpCode(p, model.lbpOffsets + 16 * n)
                        let inSet = model.lbpSubsets[8 * n + (c >> 5)] & (1 << UInt32(c & 31)) != 0
                        idx = Int(inSet ? model.lbpLeftChild[n] : model.lbpRightChild[n])
                    } while idx > 0
                    sum += Double(model.leaves[leafOffset - idx])
                    let count = model.treeNodeCounts[tree]
                    nodeOffset += count
                    leafOffset += count + 1
                }
                tree += 1
            }
            if sum < Double(model.stageThresholds[s]) { return -s }
        }
        return 1
    }
}
