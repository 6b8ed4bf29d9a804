import Media

/// Finds cuts between consecutive frames by a jump in the colour histogram.
///
/// Each frame's histogram has 8×8×8 RGB bins over every second pixel of every second row; the
/// distance is the L1 distance of the normalised histograms (0…2). The tools feed it previews
/// (``VideoFaceFinder/previewSide``, 320 pixels): on the Hamilton clip the three cuts (frames 20,
/// 82, 211) then score 0.27–0.74 between consecutive frames and everything else at most 0.083
/// (full frames: 0.33 and 0.087); the Pexels clip (one continuous shot) stays below 0.05 either
/// way. Feed it every decoded frame, not only the sampled ones, so that slow camera moves between
/// sparse samples are not mistaken for cuts, and all of one kind (previews or full frames).
public struct ShotChangeDetector: Sendable {
    /// A distance above this marks a cut.
    public var threshold: Double
    private var previous: [Float]?
    /// The distance computed for the last frame (0 for the first).
    public private(set) var lastDistance: Double = 0

    /// Creates a detector; 0.2 sits between the largest in-shot jump (0.083) and the smallest cut (0.27) measured on previews.
    public init(threshold: Double = 0.2) {
        self.threshold = threshold
    }

    /// Returns whether a cut happened between the previous frame and this one.
    public mutating func isCut(_ image: RGBImage) -> Bool {
        let histogram = Self.histogram(image)
        defer { previous = histogram }
        guard let previous else { return false }
        var distance: Float = 0
        for i in 0..<histogram.count { distance += abs(histogram[i] - previous[i]) }
        lastDistance = Double(distance)
        return lastDistance > threshold
    }

    static func histogram(_ image: RGBImage) -> [Float] {
        var counts = [Int](repeating: 0, count: 512)
        var total = 0
        image.pixels.withUnsafeBufferPointer { p in
            counts.withUnsafeMutableBufferPointer { c in
                for y in stride(from: 0, to: image.height, by: 2) {
                    var i = y * image.width * 3
                    for _ in stride(from: 0, to: image.width, by: 2) {
                        let bin = Int(p[i] >> 5) << 6 | Int(p[i + 1] >> 5) << 3 | Int(p[i + 2] >> 5)
                        c[bin] += 1
                        total += 1
                        i += 6
                    }
                }
            }
        }
        let scale = 1 / Float(max(total, 1))
        return counts.map { Float($0) * scale }
    }
}
