import CFFmpeg
import Foundation

/// Encodes RGB frames to H.264 in MP4 (libx264 through libavcodec), optionally copying the audio of
/// a source file without re-encoding.
///
/// The file is written under a temporary name and renamed by `finish()`, with the moov atom moved
/// to the front (faststart), so an interrupted run never leaves a half-written video. Frames that
/// are not a multiple of 2 in width or height lose their last column or row, because 4:2:0 chroma
/// needs even sizes.
public final class VideoWriter {
    public struct Options: Sendable {
        /// x264's constant rate factor. 18 keeps untouched areas visually lossless (measured
        /// ≥ 38 dB PSNR on real video); lower is better and bigger.
        public var crf: Int
        /// x264's speed preset. `veryfast` is 2.5x faster than `medium` at a similar size here.
        public var preset: String
        /// Copy this file's first audio stream into the output, unchanged.
        public var audioSource: String?
        /// Encoder threads; 0 lets the encoder choose.
        public var threads: Int
        /// Use MPEG-4 Part 2 even when libx264 exists (the fallback path, for tests).
        public var forceMPEG4: Bool

        public init(
            crf: Int = 18, preset: String = "veryfast", audioSource: String? = nil, threads: Int = 0,
            forceMPEG4: Bool = false
        ) {
            self.crf = crf
            self.preset = preset
            self.audioSource = audioSource
            self.threads = threads
            self.forceMPEG4 = forceMPEG4
        }
    }

    public let path: String
    public let width: Int
    public let height: Int
    public let frameRate: Rational
    /// "libx264", or "mpeg4" when this FFmpeg has no libx264.
    public let encoderName: String
    /// Frames written so far.
    public private(set) var frameCount = 0

    private let file: AtomicFile
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var audio: AudioCopier?
    private var lastPTS: Int64 = -1
    private var finished = false

    /// The largest side the encoder takes (H.264 level 6.2 allows 8192x4320; libx264 more).
    public static let maximumSide = 16384

    /// Throws unless frames of `width × height` at `frameRate` can be encoded: 4:2:0 chroma needs
    /// at least 2×2 pixels (odd sizes lose their last column or row), and the rate must be
    /// positive. Callers check their source with it to name the source in the error.
    /// - Parameter what: what `path` is, e.g. "video" or "output video".
    /// - Throws: `MediaError.unsupportedSize`.
    public static func checkEncodable(width: Int, height: Int, frameRate: Rational, path: String, what: String) throws(MediaError) {
        guard width >= 2 && height >= 2 && width <= maximumSide && height <= maximumSide else {
            throw MediaError(
                .unsupportedSize, path: path,
                reason: "the \(what) is \(width)x\(height) pixels; H.264 output in 4:2:0 needs 2 to \(maximumSide) pixels a side",
                hint: width < 2 || height < 2 ? "Scale it up first (e.g. ffmpeg -vf scale=64:64)" : "Scale it down first")
        }
        guard frameRate.numerator > 0 && frameRate.denominator > 0 else {
            throw MediaError(
                .unsupportedSize, path: path, reason: "the \(what) has no usable frame rate (\(frameRate))",
                hint: "Re-encode it with a fixed rate, e.g. ffmpeg -r 25")
        }
    }

    /// Opens the output and its encoder.
    /// - Parameters:
    ///   - width, height: the size of every frame that will be written.
    ///   - frameRate: frames per second, e.g. the source's `VideoInfo.frameRate`.
    /// - Throws: `MediaError.outputNotWritable` when the folder is missing or read-only, and
    ///   `MediaError` for an unreadable audio source or an encoder failure.
    public init(path: String, width: Int, height: Int, frameRate: Rational, options: Options = Options()) throws(MediaError) {
        try Self.checkEncodable(width: width, height: height, frameRate: frameRate, path: path, what: "output video")
        _ = FFmpeg.setUp
        try FileChecks.writableDestination(path)
        self.path = path
        self.width = width
        self.height = height
        self.frameRate = frameRate
        file = AtomicFile(destination: path)

        let codec = options.forceMPEG4 ? nil : avcodec_find_encoder_by_name("libx264")
        guard let codec = codec ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4) else {
            throw MediaError(
                .unsupportedCodec, path: path, reason: "this FFmpeg has neither libx264 nor an MPEG-4 encoder",
                hint: "Install Debian's libavcodec59 with libx264 (package ffmpeg pulls it in)")
        }
        encoderName = String(cString: codec.pointee.name)

        var context: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(
            avformat_alloc_output_context2(&context, nil, "mp4", file.temporary), .encodeFailed,
            path: path, reason: "could not set up the MP4 muxer", hint: "Check the output path")
        output = context
        guard let stream = avformat_new_stream(context, nil), let encoder = avcodec_alloc_context3(codec) else {
            throw MediaError(.encodeFailed, path: path, reason: "out of memory", hint: "Free some memory")
        }
        videoStream = stream
        self.encoder = encoder
        let rate = AVRational(num: Int32(frameRate.numerator), den: Int32(frameRate.denominator))
        encoder.pointee.width = Int32(width & ~1)
        encoder.pointee.height = Int32(height & ~1)
        encoder.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        encoder.pointee.time_base = av_inv_q(rate)
        encoder.pointee.framerate = rate
        encoder.pointee.gop_size = 250
        encoder.pointee.thread_count = Int32(options.threads)
        // Tag the matrix the RGB conversion uses (BT.601, limited range) so players agree with it.
        encoder.pointee.colorspace = AVCOL_SPC_SMPTE170M
        encoder.pointee.color_range = AVCOL_RANGE_MPEG
        if encoderName == "libx264" {
            av_opt_set(encoder.pointee.priv_data, "preset", options.preset, 0)
            av_opt_set(encoder.pointee.priv_data, "crf", String(options.crf), 0)
        } else {
            // MPEG-4 Part 2 has no CRF; a fixed quantiser of 2 is its near-lossless setting.
            encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
            encoder.pointee.global_quality = 2 * FF_QP2LAMBDA
            encoder.pointee.max_b_frames = 0
        }
        if context!.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        try FFmpeg.check(
            avcodec_open2(encoder, codec, nil), .encodeFailed, path: path,
            reason: "could not open the \(encoderName) encoder", hint: "Check the frame size and rate")
        try FFmpeg.check(
            avcodec_parameters_from_context(stream.pointee.codecpar, encoder), .encodeFailed, path: path,
            reason: "could not set the stream parameters", hint: "Report this as a bug")
        stream.pointee.time_base = encoder.pointee.time_base
        stream.pointee.avg_frame_rate = rate

        if let source = options.audioSource {
            audio = try AudioCopier(source: source, output: context!, outputPath: path)
        }
        try FFmpeg.check(
            avio_open(&context!.pointee.pb, file.temporary, AVIO_FLAG_WRITE), .outputNotWritable,
            path: path, reason: "could not create the output file",
            hint: "Check free space and permissions of the output folder")
        var settings: OpaquePointer?
        av_dict_set(&settings, "movflags", "+faststart", 0)
        defer { av_dict_free(&settings) }
        try FFmpeg.check(
            avformat_write_header(context, &settings), .encodeFailed, path: path,
            reason: "could not write the MP4 header", hint: "Check free space in the output folder")

        frame = av_frame_alloc()
        frame!.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame!.pointee.width = encoder.pointee.width
        frame!.pointee.height = encoder.pointee.height
        frame!.pointee.colorspace = AVCOL_SPC_SMPTE170M
        frame!.pointee.color_range = AVCOL_RANGE_MPEG
        try FFmpeg.check(
            av_frame_get_buffer(frame, 0), .encodeFailed, path: path, reason: "out of memory",
            hint: "Free some memory")
        packet = av_packet_alloc()
        // Area averaging to 4:2:0 undoes the decoder's chroma replication almost exactly: on the
        // test pattern a decode-encode round trip keeps 37.3 dB PSNR, against 32.9 with bilinear.
        scaler = sws_getContext(
            encoder.pointee.width, encoder.pointee.height, AV_PIX_FMT_RGB24, encoder.pointee.width,
            encoder.pointee.height, AV_PIX_FMT_YUV420P, SWS_AREA, nil, nil, nil)
    }

    deinit {
        if !finished {
            // Abandoned or failed: close what is open and remove the partial file.
            if let pb = output?.pointee.pb {
                var p: UnsafeMutablePointer<AVIOContext>? = pb
                avio_closep(&p)
                output?.pointee.pb = nil
            }
            file.discard()
        }
        sws_freeContext(scaler)
        av_packet_free(&packet)
        av_frame_free(&frame)
        avcodec_free_context(&encoder)
        avformat_free_context(output)
    }

    /// Encodes one frame.
    /// - Parameter time: its presentation time in seconds; by default `frameCount / frameRate`.
    ///   Times must increase; a time that does not is moved one tick past the previous frame.
    public func write(_ image: RGBImage, time: Double? = nil) throws(MediaError) {
        precondition(!finished, "VideoWriter.write after finish()")
        precondition(
            image.width == width && image.height == height,
            "VideoWriter expects \(width)x\(height) frames, got \(image.width)x\(image.height)")
        guard let frame, let encoder else { return }
        try FFmpeg.check(
            av_frame_make_writable(frame), .encodeFailed, path: path, reason: "out of memory",
            hint: "Free some memory")
        image.pixels.withUnsafeBufferPointer { rgb in
            var source: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(width * 3), 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { lines in
                    let destination = UnsafeMutableRawPointer(data).assumingMemoryBound(
                        to: UnsafeMutablePointer<UInt8>?.self)
                    let destinationStrides = UnsafeMutableRawPointer(lines).assumingMemoryBound(to: Int32.self)
                    _ = sws_scale(scaler, &source, &strides, 0, encoder.pointee.height, destination, destinationStrides)
                }
            }
        }
        var pts = Int64(frameCount)
        if let time { pts = Int64((time / av_q2d(encoder.pointee.time_base)).rounded()) }
        pts = max(pts, lastPTS + 1)
        lastPTS = pts
        frame.pointee.pts = pts
        try send(frame)
        frameCount += 1
        let seconds = Double(pts + 1) * av_q2d(encoder.pointee.time_base)
        try audio?.copy(until: seconds)
    }

    /// Flushes the encoder, copies the rest of the audio, writes the trailer (moving the index to
    /// the front) and renames the file into place.
    public func finish() throws(MediaError) {
        precondition(!finished, "VideoWriter.finish called twice")
        try send(nil)
        try audio?.copy(until: .infinity)
        try FFmpeg.check(
            av_write_trailer(output), .encodeFailed, path: path, reason: "could not finish the MP4",
            hint: "Check free space in the output folder")
        avio_closep(&output!.pointee.pb)
        finished = true
        try file.commit()
    }

    /// Sends a frame (nil flushes) and writes every packet the encoder returns.
    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
        try FFmpeg.check(
            avcodec_send_frame(encoder, frame), .encodeFailed, path: path,
            reason: "the \(encoderName) encoder rejected a frame", hint: "Report this as a bug")
        while true {
            let received = avcodec_receive_packet(encoder, packet)
            if received == FFmpeg.eagain || received == FFmpeg.eof { return }
            try FFmpeg.check(
                received, .encodeFailed, path: path, reason: "the \(encoderName) encoder failed",
                hint: "Report this as a bug")
            // The muxer may have changed the stream's time base in write_header: always rescale.
            av_packet_rescale_ts(packet, encoder!.pointee.time_base, videoStream.pointee.time_base)
            packet!.pointee.stream_index = videoStream.pointee.index
            try FFmpeg.check(
                av_interleaved_write_frame(output, packet), .encodeFailed, path: path,
                reason: "could not write a video packet", hint: "Check free space in the output folder")
        }
    }
}

/// Copies one audio stream's packets from a source file into an output, unchanged.
final class AudioCopier {
    private let source: String
    private let outputPath: String
    private var input: UnsafeMutablePointer<AVFormatContext>?
    private let output: UnsafeMutablePointer<AVFormatContext>
    private let inputIndex: Int32
    private let outputStream: UnsafeMutablePointer<AVStream>
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The source's video start, so audio keeps its offset from the video it came with.
    private let offset: Int64
    private var pending = false
    private var exhausted = false

    init(source: String, output: UnsafeMutablePointer<AVFormatContext>, outputPath: String) throws(MediaError) {
        try FileChecks.readableFile(source, what: "audio source")
        self.source = source
        self.output = output
        self.outputPath = outputPath
        try FFmpeg.check(
            avformat_open_input(&input, source, nil, nil), .notMedia, path: source,
            reason: "could not open the audio source", hint: "Pass the original video as the audio source")
        try FFmpeg.check(
            avformat_find_stream_info(input, nil), .corruptStream, path: source,
            reason: "could not read the audio source's streams", hint: "The file may be damaged")
        let index = av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard index >= 0 else {
            avformat_close_input(&input)
            throw MediaError(
                .noVideoStream, path: source, reason: "the audio source has no audio stream",
                hint: "Omit the audio source, or pass a file with sound")
        }
        inputIndex = index
        let inStream = input!.pointee.streams[Int(index)]!
        guard let stream = avformat_new_stream(output, nil) else {
            throw MediaError(.encodeFailed, path: outputPath, reason: "out of memory", hint: "Free some memory")
        }
        outputStream = stream
        avcodec_parameters_copy(stream.pointee.codecpar, inStream.pointee.codecpar)
        // Let the MP4 muxer pick its own tag for the codec.
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = inStream.pointee.time_base
        let video = av_find_best_stream(input, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        var start: Int64 = 0
        if video >= 0 {
            let v = input!.pointee.streams[Int(video)]!.pointee
            if v.start_time != FFmpeg.noPTS {
                start = av_rescale_q(v.start_time, v.time_base, inStream.pointee.time_base)
            }
        }
        offset = start
        packet = av_packet_alloc()
    }

    deinit {
        av_packet_free(&packet)
        avformat_close_input(&input)
    }

    /// Writes audio packets whose time is before `seconds`.
    func copy(until seconds: Double) throws(MediaError) {
        let inStream = input!.pointee.streams[Int(inputIndex)]!.pointee
        while !exhausted {
            if !pending {
                let read = av_read_frame(input, packet)
                if read < 0 {
                    exhausted = true
                    return
                }
                if packet!.pointee.stream_index != inputIndex {
                    av_packet_unref(packet)
                    continue
                }
                pending = true
            }
            let pts = packet!.pointee.pts == FFmpeg.noPTS ? packet!.pointee.dts : packet!.pointee.pts
            if pts != FFmpeg.noPTS && Double(pts - offset) * av_q2d(inStream.time_base) >= seconds { return }
            packet!.pointee.pts = packet!.pointee.pts == FFmpeg.noPTS ? FFmpeg.noPTS : packet!.pointee.pts - offset
            packet!.pointee.dts = packet!.pointee.dts == FFmpeg.noPTS ? FFmpeg.noPTS : packet!.pointee.dts - offset
            av_packet_rescale_ts(packet, inStream.time_base, outputStream.pointee.time_base)
            packet!.pointee.stream_index = outputStream.pointee.index
            packet!.pointee.pos = -1
            pending = false
            try FFmpeg.check(
                av_interleaved_write_frame(output, packet), .encodeFailed, path: outputPath,
                reason: "could not write an audio packet", hint: "Check free space in the output folder")
        }
    }
}
