import Media

/// Which frames of a video `deepfake score` scores, picked while every frame is decoded (the
/// shot-change detector needs them all), exactly as `deepfake faces` picks them.
public enum ScoreSampling: Sendable, Equatable, CustomStringConvertible {
    /// `n` frames evenly spaced over the video (NumPy's `linspace(0, N - 1, n, dtype=int)`).
    case count(Int)
    /// Frames 0, n, 2n, …
    case every(Int)
    /// About `f` frames per second: the first frame at or after each multiple of `1 / f`.
    case fps(Double)
    /// Every frame.
    case all

    /// The field's default: 32 frames evenly spaced.
    public static let standard = ScoreSampling.count(32)

    /// Whether consecutive frames are sampled (then the tracker can carry boxes between detections).
    public var isConsecutive: Bool {
        switch self {
        case .all, .every(1): return true
        default: return false
        }
    }

    /// `count:32`, `every:5`, `fps:2.0`, `all`: the form the report's settings record.
    public var description: String {
        switch self {
        case .count(let n): return "count:\(n)"
        case .every(let n): return "every:\(n)"
        case .fps(let f): return "fps:\(f)"
        case .all: return "all"
        }
    }
}

/// Decides frame by frame whether a decoded frame is sampled (`deepfake score` and `deepfake faces`).
public struct FrameSelector {
    private var indices: Set<Int>?
    private let every: Int?
    private let interval: Double?
    private var nextTime = 0.0
    /// Frames that will be sampled, when known in advance.
    public let expected: Int?
    /// Whether the sampling promised the last frame (evenly spaced), which a header that
    /// overstates the frame count can make unreachable.
    public let wantsLastFrame: Bool

    /// - Parameter frameCount: the video's frame count (the header's, or counted), needed by `.count`.
    public init(_ sampling: ScoreSampling, frameCount: Int?) {
        switch sampling {
        case .count(let wanted):
            let total = frameCount ?? 0
            if total <= wanted {
                indices = Set(0..<total)
            } else {
                // NumPy's linspace(0, N - 1, count, dtype=int), as Media's FrameSampling.evenly.
                indices = Set((0..<wanted).map { $0 * (total - 1) / max(wanted - 1, 1) })
            }
            every = nil
            interval = nil
            expected = indices?.count
            wantsLastFrame = true
        case .every(let n):
            every = n
            interval = nil
            expected = frameCount.map { ($0 + n - 1) / n }
            wantsLastFrame = false
        case .fps(let f):
            every = nil
            interval = 1 / f
            expected = nil
            wantsLastFrame = false
        case .all:
            every = 1
            interval = nil
            expected = frameCount
            wantsLastFrame = false
        }
    }

    public mutating func take(index: Int, time: Double) -> Bool {
        if let indices { return indices.contains(index) }
        if let every { return index % every == 0 }
        if let interval {
            guard time + 1e-6 >= nextTime else { return false }
            while nextTime <= time + 1e-6 { nextTime += interval }
            return true
        }
        return true
    }
}
