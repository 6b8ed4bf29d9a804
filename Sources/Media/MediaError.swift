/// Everything that can go wrong reading or writing media, as one typed error.
///
/// Each error names the file, says what failed and why, and what to try. `underlying` carries the
/// library's own error text (FFmpeg's `av_strerror`, libpng's message, or `strerror`), so nothing
/// from the lower layer is lost. Errors are `Equatable` so tests can pin them exactly.
public struct MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in the user's terms rather than the C call's.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The path does not exist.
        case fileNotFound = "file-not-found"
        /// The path is a directory, not a file.
        case isDirectory = "is-directory"
        /// The file exists but cannot be read (or an output cannot be written) for lack of permission.
        case permissionDenied = "permission-denied"
        /// The file has zero bytes.
        case emptyFile = "empty-file"
        /// No demuxer recognises the file: it is not audio, video or an image FFmpeg knows.
        case notMedia = "not-media"
        /// The container holds no video stream.
        case noVideoStream = "no-video-stream"
        /// No decoder or encoder for the codec is available in this FFmpeg build.
        case unsupportedCodec = "unsupported-codec"
        /// The stream is damaged or ends early (a truncated download, say).
        case corruptStream = "corrupt-stream"
        /// Seeking to a requested time failed.
        case seekFailed = "seek-failed"
        /// The file is not a valid image (PNG or JPEG).
        case invalidImage = "invalid-image"
        /// The output folder does not exist or cannot be written to.
        case outputNotWritable = "output-not-writable"
        /// Encoding or muxing the output failed.
        case encodeFailed = "encode-failed"
        /// Another input/output failure.
        case ioFailed = "io-failed"
        /// The path is a FIFO, a device or a socket, not a regular file: reading it could block
        /// forever or never end.
        case specialFile = "special-file"
        /// An output path is one of the command's inputs or models (the same file by path, link
        /// or inode). The reason names both paths.
        case outputIsInput = "output-is-input"
        /// The picture's size, read from its header, is over the pixel budget (``PixelBudget``).
        case tooManyPixels = "too-many-pixels"
        /// The picture's size cannot be handled: too small for the encoder, or zero.
        case unsupportedSize = "unsupported-size"
    }

    /// The library-level error under this one.
    public struct Underlying: Equatable, Sendable {
        /// FFmpeg's AVERROR code, or errno, or 0 when the library gives none.
        public var code: Int32
        /// The library's own text for it.
        public var text: String
    }

    public var code: Code
    /// The file the error is about.
    public var path: String
    /// What failed, on what, and why, in one sentence (without the path prefix).
    public var reason: String
    /// What the user can try.
    public var hint: String
    public var underlying: Underlying?

    public init(_ code: Code, path: String, reason: String, hint: String, underlying: Underlying? = nil) {
        self.code = code
        self.path = path
        self.reason = reason
        self.hint = hint
        self.underlying = underlying
    }

    /// `'<path>': <reason> (<library text>). <hint>`; for `.outputIsInput`, whose reason names
    /// both paths itself, `<reason>. <hint>.`
    public var description: String {
        if code == .outputIsInput { return "\(reason). \(hint)." }
        var text = "'\(path)': \(reason)"
        if let underlying, !underlying.text.isEmpty, !reason.contains(underlying.text) {
            text += " (\(underlying.text))"
        }
        text += ". \(hint)"
        return text
    }
}
