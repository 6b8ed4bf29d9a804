/// A rational number, as FFmpeg keeps frame rates and time bases (30000/1001, 1/15360).
public struct Rational: Sendable, Equatable, Codable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The value as a Double, or 0 when the denominator is 0 (FFmpeg's "unknown").
    public var value: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }

    public var description: String { "\(numerator)/\(denominator)" }
}

/// What a video file holds, as its header and streams report it.
public struct VideoInfo: Sendable, Equatable, Codable {
    /// The path it was read from.
    public var path: String
    /// The demuxer's name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `avi`.
    public var container: String
    /// The video codec's short name, e.g. `h264`, `vp9`, `mpeg4`.
    public var videoCodec: String
    /// Coded width and height, before any display rotation.
    public var width: Int
    public var height: Int
    /// The display rotation in degrees clockwise (0, 90, 180 or 270), from the stream's display
    /// matrix. Frames are delivered rotated by this much unless the reader is told otherwise.
    public var rotation: Int
    /// The decoder's pixel format, e.g. `yuv420p`.
    public var pixelFormat: String
    /// The average frame rate (falls back to the stream's base rate when the container gives none).
    public var frameRate: Rational
    /// The video stream's time base.
    public var timeBase: Rational
    /// Duration in seconds (the video stream's, else the container's), 0 when unknown.
    public var duration: Double
    /// The number of frames the header declares, or nil when it declares none (common in WebM and
    /// AVI). `VideoReader.countFrames()` decodes and counts instead.
    public var frameCount: Int?
    /// Overall bit rate in bits per second, or nil when unknown.
    public var bitRate: Int?
    /// Whether the file has an audio stream.
    public var hasAudio: Bool
    /// The audio codec's short name, when there is audio.
    public var audioCodec: String?

    /// Width and height of the frames as displayed (after rotation).
    public var uprightWidth: Int { rotation % 180 == 0 ? width : height }
    public var uprightHeight: Int { rotation % 180 == 0 ? height : width }
}
