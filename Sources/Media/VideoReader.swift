import CFFmpeg
import Foundation

/// Reads any file FFmpeg can demux and hands out upright RGB frames.
///
/// ```swift
/// let reader = try VideoReader(path: "clip.mp4")
/// try reader.forEachFrame(.evenly(count: 32)) { frame in … }
/// ```
/// Memory stays bounded however long the video is: one packet and one decoded frame are alive at a
/// time, plus the RGB image handed to the caller.
public final class VideoReader {
    /// How frames are decoded and converted.
    public struct Options: Sendable {
        /// Shrink frames inside swscale so that the longer side is at most this many pixels.
        public var maxSide: Int?
        /// Apply the stream's display rotation, as the ffmpeg program does by default.
        public var applyRotation: Bool
        /// Decoder threads; 0 lets libavcodec choose (libavcodec's own default is 1).
        public var threads: Int

        public init(maxSide: Int? = nil, applyRotation: Bool = true, threads: Int = 0) {
            self.maxSide = maxSide
            self.applyRotation = applyRotation
            self.threads = threads
        }
    }

    public let path: String
    public let options: Options
    public let info: VideoInfo
    /// A session opened by `init` to read the header, handed to the first iterator.
    private var spareSession: DecodeSession?

    /// Opens `path` and reads its stream information.
    /// - Throws: `MediaError` naming the file: `.fileNotFound`, `.isDirectory`, `.permissionDenied`,
    ///   `.emptyFile`, `.notMedia`, `.noVideoStream`, `.unsupportedCodec` or `.corruptStream`.
    public init(path: String, options: Options = Options()) throws(MediaError) {
        self.path = path
        self.options = options
        let session = try DecodeSession(path: path, threads: options.threads)
        info = Self.describe(session)
        spareSession = session
    }

    /// An iterator over the frames `sampling` selects. Each iterator decodes independently.
    public func frames(_ sampling: FrameSampling = .standard) throws(MediaError) -> FrameIterator {
        let session: DecodeSession
        if let spare = spareSession {
            session = spare
            spareSession = nil
        } else {
            session = try DecodeSession(path: path, threads: options.threads)
        }
        var totalFrames: Int?
        if case .evenly = sampling {
            if let count = info.frameCount { totalFrames = count } else { totalFrames = try countPackets() }
        }
        return FrameIterator(
            session: session, sampling: sampling, totalFrames: totalFrames, info: info, options: options)
    }

    /// Calls `body` with each frame `sampling` selects, in order.
    /// - Throws: `MediaError` from decoding (after the frames before a damaged part were handed
    ///   out), or whatever `body` throws.
    public func forEachFrame(_ sampling: FrameSampling, _ body: (DecodedFrame) throws -> Void) throws {
        let iterator = try frames(sampling)
        while let frame = try iterator.next() {
            try body(frame)
        }
    }

    /// Decodes the whole video and counts its frames (what `ffprobe -count_frames` reports). The
    /// header's `frameCount` can be missing or wrong; this cannot.
    public func countFrames() throws(MediaError) -> Int {
        let session = try DecodeSession(path: path, threads: options.threads)
        var count = 0
        while session.decodeNext() { count += 1 }
        if let error = session.readError, count == 0 { throw error }
        return count
    }

    /// Counts the video stream's packets without decoding: the frame count for containers whose
    /// header gives none.
    private func countPackets() throws(MediaError) -> Int {
        let session = try DecodeSession(path: path, threads: 1)
        return session.countPackets()
    }

    private static func describe(_ session: DecodeSession) -> VideoInfo {
        let format = session.format!.pointee
        let stream = session.stream.pointee
        let parameters = stream.codecpar.pointee
        var rate = stream.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.r_frame_rate }
        var duration = 0.0
        if stream.duration > 0 {
            duration = Double(stream.duration) * av_q2d(stream.time_base)
        } else if format.duration > 0 {
            duration = Double(format.duration) / Double(AV_TIME_BASE)
        }
        var audioCodec: String?
        for i in 0..<Int(format.nb_streams) {
            let p = format.streams[i]!.pointee.codecpar.pointee
            if p.codec_type == AVMEDIA_TYPE_AUDIO && audioCodec == nil {
                audioCodec = FFmpeg.codecName(p.codec_id)
            }
        }
        return VideoInfo(
            path: session.path,
            container: format.iformat.map { String(cString: $0.pointee.name) } ?? "unknown",
            videoCodec: FFmpeg.codecName(parameters.codec_id),
            width: Int(parameters.width), height: Int(parameters.height),
            rotation: displayRotation(session.stream),
            pixelFormat: PixelConverter.formatName(parameters.format),
            frameRate: Rational(Int(rate.num), Int(rate.den)),
            timeBase: Rational(Int(stream.time_base.num), Int(stream.time_base.den)),
            duration: duration,
            frameCount: stream.nb_frames > 0 ? Int(stream.nb_frames) : nil,
            bitRate: format.bit_rate > 0 ? Int(format.bit_rate) : nil,
            hasAudio: audioCodec != nil, audioCodec: audioCodec)
    }

    /// The clockwise display rotation in degrees, as the ffmpeg program computes it
    /// (`-av_display_rotation_get`, rounded and brought into 0..<360).
    private static func displayRotation(_ stream: UnsafeMutablePointer<AVStream>) -> Int {
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else { return 0 }
        let angle = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard angle.isFinite else { return 0 }
        let degrees = Int((-angle).rounded())
        let normalised = ((degrees % 360) + 360) % 360
        return (normalised + 45) / 90 % 4 * 90
    }
}

extension DecodeSession {
    /// Reads the video stream's packets to the end without decoding, and returns their
    /// presentation timestamps in ascending order: the frames' timestamps in display order. Nil
    /// when the order cannot be trusted: a packet without a timestamp, one the demuxer marks for
    /// discarding (edit lists), two with the same timestamp, or a read error.
    func presentationTimestamps() -> [Int64]? {
        var stamps: [Int64] = []
        var trusted = true
        let end = forEachVideoPacket { packet in
            if packet.pts == FFmpeg.noPTS || packet.flags & AV_PKT_FLAG_DISCARD != 0 { trusted = false }
            stamps.append(packet.pts)
            return trusted
        }
        guard trusted, end == FFmpeg.eof else { return nil }
        stamps.sort()
        for i in stamps.indices.dropFirst() where stamps[i] == stamps[i - 1] { return nil }
        return stamps
    }

    /// Reads packets to the end, counting the video stream's.
    func countPackets() -> Int {
        var count = 0
        forEachVideoPacket { _ in
            count += 1
            return true
        }
        return count
    }

    /// Reads packets from the current position without decoding and hands the video stream's to
    /// `body` until it returns false or reading stops.
    /// - Returns: the last `av_read_frame` result (`FFmpeg.eof` at the end of the file), or 0 when
    ///   `body` stopped early.
    @discardableResult
    private func forEachVideoPacket(_ body: (AVPacket) -> Bool) -> Int32 {
        let packet = av_packet_alloc()
        defer {
            var p = packet
            av_packet_free(&p)
        }
        while true {
            let read = av_read_frame(format, packet)
            if read < 0 { return read }
            defer { av_packet_unref(packet) }
            if packet!.pointee.stream_index == streamIndex && !body(packet!.pointee) { return 0 }
        }
    }
}
