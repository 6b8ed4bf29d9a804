import CFFmpeg
import CShims

/// The one doorway to FFmpeg's return codes: every negative code becomes a `MediaError`.
///
/// EAGAIN and EOF are control flow in the send/receive loops and are compared by name there; they
/// never reach `check`.
enum FFmpeg {
    static let eagain = cffmpeg_averror_eagain()
    static let eof = cffmpeg_averror_eof()
    static let invalidData = cffmpeg_averror_invaliddata()
    static let noPTS = cffmpeg_nopts_value()

    /// Quiets FFmpeg's stderr chatter once per process, keeping the last error line for messages.
    static let setUp: Void = {
        cshims_ffmpeg_install_log_capture()
    }()

    /// FFmpeg's text for an error code, plus the last line it logged, if that adds anything.
    static func text(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(AV_ERROR_MAX_STRING_SIZE))
        av_strerror(code, &buffer, buffer.count)
        let message = String(cBuffer: buffer)
        var logged = [CChar](repeating: 0, count: 512)
        cshims_ffmpeg_last_error(&logged, logged.count)
        let line = String(cBuffer: logged)
        if line.isEmpty || message.contains(line) { return message }
        return "\(message); \(line)"
    }

    /// The size in FFmpeg's last logged error when it is libavutil's refusal of a picture size
    /// ("Picture size 30000x30000 is invalid", or "... exceeds specified max pixel count N").
    static func refusedPictureSize() -> (width: Int, height: Int)? {
        var logged = [CChar](repeating: 0, count: 512)
        cshims_ffmpeg_last_error(&logged, logged.count)
        let line = String(cBuffer: logged)
        guard let range = line.range(of: "Picture size ") else { return nil }
        let size = line[range.upperBound...].prefix { $0 != " " }.split(separator: "x")
        guard size.count == 2, let width = Int(size[0]), let height = Int(size[1]) else { return nil }
        return (width, height)
    }

    /// Throws `MediaError(code, ...)` if `result` is negative.
    @discardableResult
    static func check(
        _ result: Int32, _ code: MediaError.Code, path: String, reason: @autoclosure () -> String,
        hint: @autoclosure () -> String
    ) throws(MediaError) -> Int32 {
        guard result < 0 else { return result }
        throw MediaError(
            code, path: path, reason: reason(), hint: hint(),
            underlying: .init(code: result, text: text(result)))
    }

    /// A codec's short name ("h264"), or "unknown".
    static func codecName(_ id: AVCodecID) -> String {
        guard let name = avcodec_get_name(id) else { return "unknown" }
        return String(cString: name)
    }
}

extension String {
    /// The text in a NUL-terminated C buffer.
    init(cBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
