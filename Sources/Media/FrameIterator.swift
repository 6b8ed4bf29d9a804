import CFFmpeg

/// Hands out the frames a `FrameSampling` selects, one at a time. Made by `VideoReader.frames(_:)`.
public final class FrameIterator {
    private let session: DecodeSession
    private let converter: PixelConverter
    private let info: VideoInfo
    private let rotation: Int
    private let sampling: FrameSampling
    /// Which decoded frames are handed out (every mode but `.timestamps`): ``FrameSelector``'s rules.
    private var selector: FrameSelector?
    /// Times still wanted, for `.timestamps`, ascending.
    private var times: [Double] = []
    /// The index the next decoded frame will have (when no frames are skipped).
    private var decodedIndex = 0
    /// Every frame's presentation timestamp in display order, while frames may be skipped
    /// (``skipFrames(unlessWanted:)``): a frame's index is then its timestamp's position here.
    private var presentation: [Int64]?
    private var lastIndex = -1
    private var lastTime = 0.0
    private var done = false
    /// Converter for ``nextPreviewed(previewSide:full:)``'s small copies, made on first use.
    private var previewConverter: PixelConverter?

    init(session: DecodeSession, sampling: FrameSampling, totalFrames: Int?, info: VideoInfo, options: VideoReader.Options) {
        self.session = session
        self.info = info
        self.sampling = sampling
        converter = PixelConverter(maxSide: options.maxSide)
        rotation = options.applyRotation ? info.rotation : 0
        if case .timestamps(let list) = sampling {
            times = list.sorted()
        } else if let mode = ScoreSampling(sampling) {
            selector = FrameSelector(mode, frameCount: totalFrames)
        }
    }

    /// Packets the decoder rejected as damaged and skipped so far.
    public var damagedPackets: Int { session.damagedPackets }

    /// The next selected frame, or nil at the end.
    /// - Throws: `MediaError.corruptStream` after the last good frame of a truncated or damaged
    ///   file, so callers get every frame before the damage and then a clear error.
    public func next() throws(MediaError) -> DecodedFrame? {
        if done { return nil }
        if case .timestamps = sampling { return try nextAtTime() }
        while session.decodeNext() {
            let index = nextIndex()
            let time = currentTime(index: index)
            if selector?.take(index: index, time: time) ?? false {
                return DecodedFrame(index: index, time: time, image: try image())
            }
            if let last = selector?.lastWanted, index >= last { break }
        }
        done = true
        if let error = session.readError { throw error }
        return nil
    }

    /// A decoded frame as a small copy, with the full-size image when it was asked for.
    public struct PreviewedFrame: Sendable {
        public let index: Int
        public let time: Double
        /// The frame shrunk (swscale area averaging) so its longer side is at most the preview side.
        public let preview: RGBImage
        /// The full-size image (after `maxSide`), when `full` selected the frame.
        public let image: RGBImage?
    }

    /// The next decoded frame of an `.all` iteration as a small copy, converted at full size only
    /// when `full(index, time)` says so.
    ///
    /// For callers that look at every frame but need few at full size, such as shot-change
    /// detection between sparse samples: a 720×1280 frame's conversion to RGB costs about as much
    /// as decoding it, and a 320-pixel copy a sixteenth of that.
    public func nextPreviewed(previewSide: Int, full: (Int, Double) -> Bool) throws(MediaError) -> PreviewedFrame? {
        guard case .all = sampling else { preconditionFailure("nextPreviewed needs FrameSampling.all") }
        precondition(previewSide > 0, "the preview side must be positive")
        if done { return nil }
        if previewConverter == nil { previewConverter = PixelConverter(maxSide: previewSide) }
        guard session.decodeNext() else {
            done = true
            if let error = session.readError { throw error }
            return nil
        }
        let index = nextIndex()
        let time = currentTime(index: index)
        var preview = try previewConverter!.convert(session.frame!, path: session.path)
        if rotation != 0 { preview = preview.rotated(clockwise: rotation) }
        return PreviewedFrame(index: index, time: time, preview: preview, image: full(index, time) ? try image() : nil)
    }

    /// Frames of the video passed so far, decoded or skipped.
    public var framesPassed: Int { presentation == nil ? decodedIndex : lastIndex + 1 }

    /// Lets the decoder skip the frames `wanted` turns down where the codec allows it: frames that
    /// no other frame is predicted from (H.264's non-reference frames: most B-frames). The others
    /// are decoded as before, so every frame handed out is bit-identical to a full decode, with
    /// the same index and time. Call it before the first frame of an `.all` iteration.
    ///
    /// `wanted(index, time)` is asked once for every frame in display order, first to last, before
    /// decoding starts. Frame indices come from a pass over the packets (no decoding) that
    /// collects their timestamps.
    /// - Returns: whether frames may be skipped. False (the iteration is left as it was) when the
    ///   packets' timestamps cannot be trusted (missing, repeated, marked for discarding) or their
    ///   count differs from the header's frame count.
    @discardableResult
    public func skipFrames(unlessWanted wanted: (Int, Double) -> Bool) throws(MediaError) -> Bool {
        guard case .all = sampling else { preconditionFailure("skipFrames needs FrameSampling.all") }
        precondition(decodedIndex == 0 && presentation == nil, "skipFrames must come before the first frame")
        let probe = try DecodeSession(path: session.path, threads: 1)
        guard let stamps = probe.presentationTimestamps(), !stamps.isEmpty,
              info.frameCount.map({ $0 == stamps.count }) ?? true else { return false }
        let stream = session.stream.pointee
        let start = stream.start_time == FFmpeg.noPTS ? 0 : stream.start_time
        let timeBase = av_q2d(stream.time_base)
        var needed = Set<Int64>()
        for (index, pts) in stamps.enumerated() where wanted(index, Double(pts - start) * timeBase) {
            needed.insert(pts)
        }
        presentation = stamps
        session.wantsPacket = { needed.contains($0) }
        return true
    }

    /// The index of the frame just decoded.
    private func nextIndex() -> Int {
        defer { decodedIndex += 1 }
        guard let presentation else { return decodedIndex }
        let pts = session.frame!.pointee.best_effort_timestamp
        var low = 0, high = presentation.count
        while low < high {
            let mid = (low + high) / 2
            if presentation[mid] < pts { low = mid + 1 } else { high = mid }
        }
        // A frame whose timestamp is not a packet's (never seen on trusted streams) follows the last.
        lastIndex = low < presentation.count && presentation[low] == pts && low > lastIndex ? low : lastIndex + 1
        return lastIndex
    }

    /// The frame's time, extrapolated from the previous one when the frame carries no timestamp.
    private func currentTime(index: Int) -> Double {
        let time = session.frameTime ?? (index == 0 ? 0 : lastTime + 1 / max(info.frameRate.value, 1))
        lastTime = time
        return time
    }

    private func image() throws(MediaError) -> RGBImage {
        let converted = try converter.convert(session.frame!, path: session.path)
        return rotation == 0 ? converted : converted.rotated(clockwise: rotation)
    }

    /// Seeks to the keyframe before the next wanted time and decodes forward to the frame on
    /// screen at that time: the last frame whose timestamp is not after it.
    private func nextAtTime() throws(MediaError) -> DecodedFrame? {
        guard !times.isEmpty else {
            done = true
            return nil
        }
        let target = times.removeFirst()
        try session.seek(to: target)
        // A millisecond of slack (less at very high rates), so a time printed with rounding, as in
        // the frame file names, still selects its own frame.
        let slack = min(1e-3, 0.25 / max(info.frameRate.value, 1))
        var held: (time: Double, image: RGBImage)?
        while session.decodeNext() {
            let time = session.frameTime ?? target
            if time > target + slack {
                if held == nil { held = (time, try image()) }
                break
            }
            held = (time, try image())
        }
        guard let held else {
            if let error = session.readError { throw error }
            throw MediaError(
                .seekFailed, path: session.path,
                reason: "no frame at \(target) s (the video is \(info.duration) s long)",
                hint: "Pass times within the video's duration")
        }
        let index = Int((held.time * info.frameRate.value).rounded())
        return DecodedFrame(index: index, time: held.time, image: held.image)
    }
}
