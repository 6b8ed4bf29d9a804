/// A boosted cascade of weak classifiers in OpenCV's "opencv-cascade-classifier" format, as the
/// `opencv-data` package ships them (Haar and LBP features, stumps or small trees).
///
/// The values are kept as the file states them; the evaluator derives its own flat layout. Load one
/// with ``Cascade/load(path:)`` or ``Cascade/named(_:searchDirectories:)``.
public struct Cascade: Sendable {
    /// The kind of feature the weak classifiers test.
    public enum FeatureType: String, Sendable {
        /// Weighted rectangle sums, normalised by the window's standard deviation.
        case haar = "HAAR"
        /// Local binary patterns over 3×3 blocks of equal cells (categorical, 256 values).
        case lbp = "LBP"
    }

    /// One rectangle of a Haar feature with its weight, in window pixels.
    public struct WeightedRect: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public var weight: Float
    }

    /// A Haar feature: two or three weighted rectangles, upright or rotated by 45°.
    public struct HaarFeature: Sendable {
        public var rects: [WeightedRect]
        /// The rectangles are rotated by 45° and summed on the tilted integral image.
        public var tilted: Bool
    }

    /// An LBP feature: the top-left 3×3-cell block whose cells are `width × height` pixels.
    public struct LBPFeature: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
    }

    /// An internal tree node. Children `> 0` are node indices within the tree; `<= 0` are
    /// negated leaf indices, as in OpenCV's files.
    public struct Node: Sendable {
        public var left: Int
        public var right: Int
        public var featureIndex: Int
        /// Split threshold for Haar features (`value < threshold` goes left).
        public var threshold: Float
        /// For LBP: a 256-bit set of categories that go left, as eight 32-bit words.
        public var categorySubset: [UInt32]
    }

    /// A weak classifier: a tree of one or more nodes and `nodes.count + 1` leaf values.
    public struct WeakClassifier: Sendable {
        public var nodes: [Node]
        public var leaves: [Float]
    }

    /// A stage: its weak classifiers' leaf values are summed and compared with the threshold.
    public struct Stage: Sendable {
        /// The threshold as written in the file (OpenCV subtracts 1e-5 before comparing).
        public var threshold: Float
        public var classifiers: [WeakClassifier]
    }

    /// The feature type of every weak classifier.
    public var featureType: FeatureType
    /// The training window, e.g. 24×24 for `haarcascade_frontalface_default.xml`.
    public var windowWidth: Int
    public var windowHeight: Int
    /// `maxCatCount`: 0 for Haar cascades, 256 for LBP cascades.
    public var categoryCount: Int
    public var stages: [Stage]
    /// Features referenced by `Node.featureIndex` (Haar cascades).
    public var haarFeatures: [HaarFeature]
    /// Features referenced by `Node.featureIndex` (LBP cascades).
    public var lbpFeatures: [LBPFeature]
    /// A short name, the file name without `.xml`.
    public var name: String

    /// Number of weak classifiers over all stages.
    public var weakClassifierCount: Int { stages.reduce(0) { $0 + $1.classifiers.count } }
    /// Number of internal nodes over all weak classifiers.
    public var nodeCount: Int {
        stages.reduce(0) { $0 + $1.classifiers.reduce(0) { $0 + $1.nodes.count } }
    }
    /// The largest tree: 1 means every weak classifier is a stump.
    public var maxNodesPerTree: Int {
        stages.flatMap(\.classifiers).map(\.nodes.count).max() ?? 0
    }
    /// Number of features (Haar or LBP, whichever the cascade uses).
    public var featureCount: Int { featureType == .haar ? haarFeatures.count : lbpFeatures.count }
    /// Whether any Haar feature is tilted, which needs the rotated integral image.
    public var usesTiltedFeatures: Bool { haarFeatures.contains { $0.tilted } }
}
