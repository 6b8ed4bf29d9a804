/// Which frames of a video to decode and hand out.
public enum FrameSampling: Sendable, Equatable {
    /// Every frame, in presentation order.
    case all
    /// Frames 0, n, 2n, … (n ≥ 1).
    case every(Int)
    /// `count` frames evenly spaced over the whole video: indices `floor(i * (N - 1) / (count - 1))`
    /// for a video of N frames, as NumPy's `linspace(0, N - 1, count, dtype=int)` gives them. This is
    /// the field's convention for scoring videos (32 frames by default). A video with fewer frames
    /// than `count` yields all of them.
    case evenly(count: Int)
    /// About `fps` frames per second: the first frame at or after each multiple of `1 / fps`.
    case fps(Double)
    /// The frame on screen at each time, in seconds from the start. Reached by seeking to the
    /// keyframe before and decoding forward, so it is frame-accurate. Indices of these frames are
    /// computed from their time and the average frame rate.
    case timestamps([Double])

    /// The field's default: 32 frames evenly spaced.
    public static let standard = FrameSampling.evenly(count: 32)
}

/// One decoded frame, upright and in RGB.
public struct DecodedFrame: Sendable {
    /// The frame's index in presentation order, from 0.
    public let index: Int
    /// Its presentation time in seconds from the start of the stream.
    public let time: Double
    public let image: RGBImage
}
