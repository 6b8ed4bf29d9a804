import Foundation

/// A rectangle in integer pixels, as OpenCV's `cv::Rect`.
struct IntRect: Equatable, Sendable {
    var x: Int, y: Int, width: Int, height: Int
}

/// The cascade in a flat layout for the window scan, with every feature's integral-image offsets
/// folded into the node that tests it (OpenCV keeps a feature index; inlining saves a lookup and
/// keeps the scan reading memory in order).
///
/// The arithmetic follows OpenCV 4's `predictOrderedStump` / `predictOrdered` /
/// `predictCategoricalStump` and `HaarEvaluator::setWindow` step by step — float feature values,
/// double stage sums, stage thresholds lowered by 1e-5, windows with a standard deviation of at most
/// 10 grey levels rejected — so that the same windows pass.
struct CascadeEvaluator: Sendable {
    /// One Haar test: three rectangles × four corner offsets, their weights, the split threshold,
    /// and either two leaf values (stumps) or two child indices (trees).
    struct HaarNode {
        var o: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
        var w0: Float, w1: Float, w2: Float
        var threshold: Float
        var left: Float, right: Float
        var leftChild: Int32, rightChild: Int32
    }

    /// LBP tests in flat arrays: per node the 4×4 grid of integral offsets of its 3×3 block
    /// (16 values), its 256-bit category set (8 words), leaf values (stumps) and child indices.
    struct LBPNodes {
        var offsets: [Int32] = []
        var subsets: [UInt32] = []
        var left: [Float] = []
        var right: [Float] = []
        var leftChild: [Int32] = []
        var rightChild: [Int32] = []
    }

    let cascade: Cascade
    let stageThresholds: [Float]
    let stageCounts: [Int]
    /// Per weak classifier: node count (1 for stumps).
    let treeNodeCounts: [Int]
    let isStumpOnly: Bool
    let windowWidth: Int, windowHeight: Int

    init(cascade: Cascade) {
        self.cascade = cascade
        stageThresholds = cascade.stages.map { $0.threshold - 1e-5 }
        stageCounts = cascade.stages.map(\.classifiers.count)
        treeNodeCounts = cascade.stages.flatMap { $0.classifiers.map(\.nodes.count) }
        isStumpOnly = cascade.maxNodesPerTree == 1
        windowWidth = cascade.windowWidth
        windowHeight = cascade.windowHeight
    }

    // MARK: - Nodes for a given row stride

    func haarNodes(stride: Int, tiltedOffset: Int) -> (nodes: [HaarNode], leaves: [Float]) {
        var nodes: [HaarNode] = []
        var leaves: [Float] = []
        for stage in cascade.stages {
            for weak in stage.classifiers {
                for node in weak.nodes {
                    let f = cascade.haarFeatures[node.featureIndex]
                    var ofs = [Int32](repeating: 0, count: 12)
                    var w: [Float] = [0, 0, 0]
                    for (k, r) in f.rects.enumerated() {
                        w[k] = r.weight
                        let c: [Int]
                        if f.tilted {
                            c = [r.x + stride * r.y,
                                 r.x - r.height + stride * (r.y + r.height),
                                 r.x + r.width + stride * (r.y + r.width),
                                 r.x + r.width - r.height + stride * (r.y + r.width + r.height)]
                        } else {
                            c = [r.x + stride * r.y, r.x + r.width + stride * r.y,
                                 r.x + stride * (r.y + r.height), r.x + r.width + stride * (r.y + r.height)]
                        }
                        for j in 0..<4 { ofs[4 * k + j] = Int32(c[j] + (f.tilted ? tiltedOffset : 0)) }
                    }
                    let isStump = weak.nodes.count == 1
                    nodes.append(HaarNode(
                        o: (ofs[0], ofs[1], ofs[2], ofs[3], ofs[4], ofs[5], ofs[6], ofs[7], ofs[8], ofs[9], ofs[10], ofs[11]),
                        w0: w[0], w1: w[1], w2: w[2], threshold: node.threshold,
                        left: isStump ? weak.leaves[0] : 0, right: isStump ? weak.leaves[1] : 0,
                        leftChild: Int32(node.left), rightChild: Int32(node.right)))
                }
                leaves += weak.leaves
            }
        }
        return (nodes, leaves)
    }

    func lbpNodes(stride: Int) -> (nodes: LBPNodes, leaves: [Float]) {
        var nodes = LBPNodes()
        var leaves: [Float] = []
        for stage in cascade.stages {
            for weak in stage.classifiers {
                for node in weak.nodes {
                    let f = cascade.lbpFeatures[node.featureIndex]
                    for gy in 0..<4 {
                        for gx in 0..<4 {
                            nodes.offsets.append(Int32(f.x + gx * f.width + stride * (f.y + gy * f.height)))
                        }
                    }
                    var subset = node.categorySubset
                    while subset.count < 8 { subset.append(0) }
                    nodes.subsets += subset.prefix(8)
                    let isStump = weak.nodes.count == 1
                    nodes.left.append(isStump ? weak.leaves[0] : 0)
                    nodes.right.append(isStump ? weak.leaves[1] : 0)
                    nodes.leftChild.append(Int32(node.left))
                    nodes.rightChild.append(Int32(node.right))
                }
                leaves += weak.leaves
            }
        }
        return (nodes, leaves)
    }
}
