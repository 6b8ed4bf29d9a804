import CFFmpeg
import CShims
import Foundation

/// One open demuxer and video decoder. Owns every FFmpeg object it allocates and frees them in
/// `deinit` with the matching free function. Confined to one thread at a time.
final class DecodeSession {
    let path: String
    private(set) var format: UnsafeMutablePointer<AVFormatContext>?
    private(set) var codec: UnsafeMutablePointer<AVCodecContext>?
    private(set) var streamIndex: Int32 = -1
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The frame most recently received from the decoder.
    private(set) var frame: UnsafeMutablePointer<AVFrame>?
    private var draining = false
    private var finished = false
    /// A demuxer error other than end of file (a truncated or damaged file), kept until the frames
    /// already in the decoder have been handed out.
    private(set) var readError: MediaError?
    /// Packets the decoder rejected as damaged; skipped, as the ffmpeg program does.
    private(set) var damagedPackets = 0
    /// Video packets read so far.
    private(set) var packetsRead = 0
    /// When set, asked with each video packet's timestamp before it is sent: false lets the
    /// decoder skip the packet's frame if no other frame refers to it (`AVDISCARD_NONREF`).
    var wantsPacket: ((Int64) -> Bool)?

    init(path: String, threads: Int) throws(MediaError) {
        _ = FFmpeg.setUp
        // Every stored property has its value from here on, so a throw below still runs deinit,
        // which frees whatever was opened.
        self.path = path
        try FileChecks.readableFile(path, what: "video")

        cshims_ffmpeg_clear_last_error()
        var context: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&context, path, nil, nil)
        if opened < 0 {
            let code: MediaError.Code = opened == FFmpeg.invalidData ? .notMedia : .ioFailed
            throw MediaError(
                code, path: path,
                reason: code == .notMedia
                    ? "not a recognised video or image format" : "FFmpeg could not open the file",
                hint: code == .notMedia
                    ? "Check that the file is a complete video; 'ffprobe \(path)' shows what FFmpeg sees"
                    : "Check that the file is readable and complete",
                underlying: .init(code: opened, text: FFmpeg.text(opened)))
        }
        format = context
        // Probing the streams can decode a first picture; libavcodec refuses any over the budget.
        let budget = try PixelBudget.pixels(for: path)
        let streamCount = Int(context!.pointee.nb_streams)
        var probeOptions = [OpaquePointer?](repeating: nil, count: max(streamCount, 1))
        for i in 0..<streamCount { av_dict_set(&probeOptions[i], "max_pixels", String(min(budget, Int(Int32.max))), 0) }
        let found = probeOptions.withUnsafeMutableBufferPointer { avformat_find_stream_info(context, $0.baseAddress) }
        for i in probeOptions.indices { av_dict_free(&probeOptions[i]) }
        if found < 0 {
            throw MediaError(
                .corruptStream, path: path, reason: "could not read the stream information",
                hint: "The file may be truncated or damaged; try re-downloading it",
                underlying: .init(code: found, text: FFmpeg.text(found)))
        }
        var decoder: UnsafePointer<AVCodec>?
        let best = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if best < 0 {
            let noDecoder = best == cffmpeg_averror_decoder_not_found()
            throw MediaError(
                noDecoder ? .unsupportedCodec : .noVideoStream, path: path,
                reason: noDecoder
                    ? "this FFmpeg build has no decoder for the video codec"
                    : "the file has no video stream",
                hint: noDecoder
                    ? "Install a fuller FFmpeg (Debian's libavcodec-extra) or convert the file"
                    : "Pass a video file; audio-only files cannot be processed",
                underlying: .init(code: best, text: FFmpeg.text(best)))
        }
        streamIndex = best
        let streams = context!.pointee.streams!
        let parameters = streams[Int(best)]!.pointee.codecpar.pointee
        try PixelBudget.check(width: Int(parameters.width), height: Int(parameters.height), path: path, what: "video")
        if parameters.width == 0 || parameters.height == 0, let size = FFmpeg.refusedPictureSize() {
            // The probe's decoder refused a picture over the budget (a JPEG, say), so the stream
            // has no size; FFmpeg logged the size it refused.
            try PixelBudget.check(width: size.width, height: size.height, path: path, what: "picture")
        }
        for i in 0..<Int(context!.pointee.nb_streams) where i != Int(best) {
            streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        codec = avcodec_alloc_context3(decoder)
        guard let codec else {
            throw MediaError(.ioFailed, path: path, reason: "out of memory", hint: "Free some memory")
        }
        try FFmpeg.check(
            avcodec_parameters_to_context(codec, streams[Int(best)]!.pointee.codecpar),
            .unsupportedCodec, path: path, reason: "the decoder rejected the stream parameters",
            hint: "The file may be damaged")
        // libavcodec decodes on one thread unless told otherwise; 0 lets it pick (cores + 1).
        codec.pointee.thread_count = Int32(threads)
        codec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        codec.pointee.pkt_timebase = streams[Int(best)]!.pointee.time_base
        // Frames larger than the header said (a size change mid-stream) are refused by the decoder.
        codec.pointee.max_pixels = Int64(min(budget, Int(Int32.max)))
        try FFmpeg.check(
            avcodec_open2(codec, decoder, nil), .unsupportedCodec, path: path,
            reason: "could not open the \(FFmpeg.codecName(codec.pointee.codec_id)) decoder",
            hint: "Convert the file to H.264, e.g. with ffmpeg -c:v libx264")
        packet = av_packet_alloc()
        frame = av_frame_alloc()
    }

    deinit {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    var stream: UnsafeMutablePointer<AVStream> { format!.pointee.streams[Int(streamIndex)]! }

    /// Decodes until the next frame is in `frame`. Returns false at the end of the stream.
    ///
    /// A packet the decoder rejects is skipped and counted (as the ffmpeg program does). A demuxer
    /// error ends the stream like EOF, but is remembered in `readError` so the caller can report it
    /// once the frames before it are out.
    func decodeNext() -> Bool {
        guard let codec, let packet, let frame, !finished else { return false }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 { return true }
            if received == FFmpeg.eof {
                finished = true
                return false
            }
            if received != FFmpeg.eagain {
                // A decoding error surfaced on receive (frame-threaded decoders report here).
                damagedPackets += 1
                continue
            }
            if draining {
                finished = true
                return false
            }
            let read = av_read_frame(format, packet)
            if read < 0 {
                let declared = Int(stream.pointee.nb_frames)
                if read == FFmpeg.eof && declared > packetsRead {
                    // The container's index promised more samples than the file holds: it was cut.
                    readError = MediaError(
                        .corruptStream, path: path,
                        reason: "the file holds \(packetsRead) of the \(declared) frames its index lists: "
                            + "it is truncated or damaged",
                        hint: "Frames before the damage were read; re-download or re-encode the file")
                } else if read != FFmpeg.eof {
                    readError = MediaError(
                        .corruptStream, path: path,
                        reason: "the video stream ends early: the file is truncated or damaged",
                        hint: "Frames before the damage were read; re-download or re-encode the file",
                        underlying: .init(code: read, text: FFmpeg.text(read)))
                }
                draining = true
                avcodec_send_packet(codec, nil)  // Flush: frame threading holds frames back.
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            packetsRead += 1
            if let wantsPacket {
                // Frame threads copy this from the context with each packet they are handed.
                codec.pointee.skip_frame = wantsPacket(packet.pointee.pts) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF
            }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != FFmpeg.eagain { damagedPackets += 1 }
        }
    }

    /// Seeks to the keyframe at or before `seconds` (from the stream start) and resets the decoder.
    func seek(to seconds: Double) throws(MediaError) {
        let timeBase = stream.pointee.time_base
        let start = stream.pointee.start_time == FFmpeg.noPTS ? 0 : stream.pointee.start_time
        let target = start + Int64((seconds / av_q2d(timeBase)).rounded(.down))
        try FFmpeg.check(
            av_seek_frame(format, streamIndex, target, AVSEEK_FLAG_BACKWARD), .seekFailed,
            path: path, reason: "could not seek to \(seconds) s",
            hint: "The file may lack an index; sample with --every or --count instead")
        avcodec_flush_buffers(codec)
        draining = false
        finished = false
    }

    /// Presentation time of the current frame in seconds from the stream's start, or nil when the
    /// frame carries no timestamp.
    var frameTime: Double? {
        guard let frame else { return nil }
        let pts = frame.pointee.best_effort_timestamp
        if pts == FFmpeg.noPTS { return nil }
        let start = stream.pointee.start_time == FFmpeg.noPTS ? 0 : stream.pointee.start_time
        return Double(pts - start) * av_q2d(stream.pointee.time_base)
    }
}
