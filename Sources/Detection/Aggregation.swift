import Foundation

/// How face scores roll up into frames, tracks, a video and a verdict.
///
/// - **Face**: a calibrated probability of fake.
/// - **Frame**: the maximum over its faces (a frame is as suspicious as its most suspicious face).
/// - **Track**: a trimmed mean of its faces' scores: the lowest and highest 10% (at least one of
///   each once a track has 5 or more faces) are dropped before averaging, so a single
///   misdetection or a motion-blurred frame cannot decide a track on its own.
/// - **Video**: the most suspicious track, because a video is fake if any person in it is.
///   Tracks shorter than `minimumTrackFaces` count only when no longer track exists: a face seen
///   in one or two sampled frames is more often a false detection than a person.
/// - **Verdict**: `fake` at or above `threshold + band`, `real` below `threshold - band`,
///   `uncertain` in between, and `no-face` when no face was found (never a default score).
public struct Aggregation: Codable, Equatable, Sendable {
    public var threshold: Double
    /// Half-width of the uncertain band around the threshold.
    public var band: Double
    public var minimumTrackFaces: Int

    public init(threshold: Double = 0.5, band: Double = 0.1, minimumTrackFaces: Int = 3) {
        self.threshold = threshold
        self.band = band
        self.minimumTrackFaces = minimumTrackFaces
    }

    public enum Verdict: String, Codable, Sendable, CaseIterable {
        case fake, real, uncertain
        case noFace = "no-face"
    }

    /// The trimmed mean described above; nil for no scores.
    public static func trackScore(_ scores: [Double]) -> Double? {
        guard !scores.isEmpty else { return nil }
        let sorted = scores.sorted()
        let cut = sorted.count >= 5 ? max(1, sorted.count / 10) : 0
        let kept = sorted[cut..<(sorted.count - cut)]
        return kept.reduce(0, +) / Double(kept.count)
    }

    /// The video's score from its tracks' scores and lengths (faces per track).
    public func videoScore(tracks: [(score: Double, faces: Int)]) -> Double? {
        let long = tracks.filter { $0.faces >= minimumTrackFaces }
        return (long.isEmpty ? tracks : long).map(\.score).max()
    }

    public func verdict(for score: Double?) -> Verdict {
        guard let score else { return .noFace }
        if score >= threshold + band { return .fake }
        if score < threshold - band { return .real }
        return .uncertain
    }

    /// A run of consecutive sampled frames whose score is at or above the threshold.
    public struct Segment: Codable, Equatable, Sendable {
        public var start: Double
        public var end: Double
        public var startFrame: Int
        public var endFrame: Int
        public var peak: Double
    }

    /// Segments over sampled frames in time order; a frame with no face ends a segment.
    public func segments(frames: [(index: Int, time: Double, score: Double?)]) -> [Segment] {
        var result: [Segment] = []
        var open: Segment?
        for frame in frames {
            if let score = frame.score, score >= threshold {
                if open == nil {
                    open = Segment(start: frame.time, end: frame.time, startFrame: frame.index, endFrame: frame.index, peak: score)
                } else {
                    open!.end = frame.time
                    open!.endFrame = frame.index
                    open!.peak = max(open!.peak, score)
                }
            } else if let segment = open {
                result.append(segment)
                open = nil
            }
        }
        if let open { result.append(open) }
        return result
    }
}
