import CFFmpeg

/// JPEG in memory through libavcodec's own `mjpeg` encoder and decoder: encode an RGB image at a
/// quality, decode the bytes back. The detector builder uses the round trip to give real and fake
/// face crops the same compression artefacts.
///
/// Quality runs from 1 (worst) to 100 (best), mapped linearly onto FFmpeg's fixed quantiser scale
/// (`-q:v` 31…2): `qscale = 2 + round((100 − quality) · 29 / 99)`. This is not libjpeg's table
/// scaling, but it is monotonic in the same direction, and every pixel format conversion is
/// full-range BT.601 4:2:0 (`yuvj420p`), as baseline JPEG files are.
///
/// One instance keeps an encoder per (size, quality) and one decoder; it is not thread-safe, so
/// give each thread its own.
public final class JPEGCodec {
    private var encoders: [EncoderKey: UnsafeMutablePointer<AVCodecContext>] = [:]
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var toYUV: OpaquePointer?
    private var toRGB: OpaquePointer?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var decoded: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// Encoders are reused, and an encoder refuses a picture whose pts does not increase.
    private var nextPTS: Int64 = 0
    /// The name errors carry: the bytes have no file.
    private static let memoryPath = "(JPEG in memory)"

    private struct EncoderKey: Hashable {
        var width: Int32, height: Int32, qscale: Int32
    }

    public init() {
        _ = FFmpeg.setUp
    }

    deinit {
        for (_, context) in encoders {
            var c: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&c)
        }
        avcodec_free_context(&decoder)
        sws_freeContext(toYUV)
        sws_freeContext(toRGB)
        av_frame_free(&frame)
        av_frame_free(&decoded)
        av_packet_free(&packet)
    }

    /// FFmpeg's quantiser scale for a quality of 1…100.
    public static func qscale(forQuality quality: Int) -> Int {
        precondition((1...100).contains(quality), "JPEG quality must be 1...100, got \(quality)")
        return 2 + Int((Double(100 - quality) * 29 / 99).rounded())
    }

    /// Encodes an image as a baseline JPEG file's bytes (SOI … EOI).
    /// - Throws: `MediaError` `.encodeFailed` when the encoder is missing or refuses the image.
    public func encode(_ image: RGBImage, quality: Int) throws(MediaError) -> [UInt8] {
        let qscale = Int32(Self.qscale(forQuality: quality))
        let encoder = try encoder(width: Int32(image.width), height: Int32(image.height), qscale: qscale)
        let frame = try reusableFrame(width: image.width, height: image.height)
        toYUV = sws_getCachedContext(
            toYUV, Int32(image.width), Int32(image.height), AV_PIX_FMT_RGB24, Int32(image.width),
            Int32(image.height), AV_PIX_FMT_YUVJ420P, SWS_BILINEAR, nil, nil, nil)
        guard toYUV != nil else { throw Self.failure("cannot set up the RGB to YUV conversion", 0) }
        try FFmpeg.check(av_frame_make_writable(frame), .encodeFailed, path: Self.memoryPath,
                         reason: "cannot write the JPEG frame", hint: Self.hint)
        image.pixels.withUnsafeBufferPointer { rgb in
            var source: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(image.width * 3), 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { lines in
                    let destination = UnsafeMutableRawPointer(data).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
                    let destinationStrides = UnsafeMutableRawPointer(lines).assumingMemoryBound(to: Int32.self)
                    _ = sws_scale(toYUV, &source, &strides, 0, Int32(image.height), destination, destinationStrides)
                }
            }
        }
        frame.pointee.quality = encoder.pointee.global_quality
        frame.pointee.pts = nextPTS
        nextPTS += 1
        let packet = try reusablePacket()
        try FFmpeg.check(avcodec_send_frame(encoder, frame), .encodeFailed, path: Self.memoryPath,
                         reason: "the mjpeg encoder refused the image", hint: Self.hint)
        let status = avcodec_receive_packet(encoder, packet)
        try FFmpeg.check(status, .encodeFailed, path: Self.memoryPath, reason: "the mjpeg encoder gave no picture",
                         hint: Self.hint)
        defer { av_packet_unref(packet) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }

    /// Decodes JPEG bytes to RGB.
    /// - Throws: `MediaError` `.invalidImage` when the bytes are not a decodable JPEG.
    public func decode(_ bytes: [UInt8]) throws(MediaError) -> RGBImage {
        let decoder = try reusableDecoder()
        let packet = try reusablePacket()
        // The decoder may read up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the end.
        try FFmpeg.check(av_new_packet(packet, Int32(bytes.count)), .ioFailed, path: Self.memoryPath,
                         reason: "cannot allocate the JPEG packet", hint: Self.hint)
        defer { av_packet_unref(packet) }
        bytes.withUnsafeBufferPointer { source in
            packet.pointee.data.update(from: source.baseAddress!, count: bytes.count)
        }
        if decoded == nil { decoded = av_frame_alloc() }
        guard let decoded else { throw Self.failure("cannot allocate a frame", 0) }
        try FFmpeg.check(avcodec_send_packet(decoder, packet), .invalidImage, path: Self.memoryPath,
                         reason: "not a decodable JPEG", hint: "Check that the bytes are a complete JPEG file")
        try FFmpeg.check(avcodec_receive_frame(decoder, decoded), .invalidImage, path: Self.memoryPath,
                         reason: "not a decodable JPEG", hint: "Check that the bytes are a complete JPEG file")
        defer { av_frame_unref(decoded) }
        let (width, height) = (Int(decoded.pointee.width), Int(decoded.pointee.height))
        toRGB = sws_getCachedContext(
            toRGB, decoded.pointee.width, decoded.pointee.height, AVPixelFormat(rawValue: decoded.pointee.format),
            decoded.pointee.width, decoded.pointee.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard toRGB != nil else { throw Self.failure("cannot set up the YUV to RGB conversion", 0) }
        let stride = width * 3
        // swscale's SIMD RGB24 writers may run past the last row (see PixelConverter): 64 bytes slack.
        let pixels = [UInt8](unsafeUninitializedCapacity: stride * height + 64) { out, count in
            var destination: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(stride), 0, 0, 0]
            withUnsafePointer(to: decoded.pointee.data) { data in
                withUnsafePointer(to: decoded.pointee.linesize) { lines in
                    let source = UnsafeRawPointer(data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                    let sourceStrides = UnsafeRawPointer(lines).assumingMemoryBound(to: Int32.self)
                    _ = sws_scale(toRGB, source, sourceStrides, 0, Int32(height), &destination, &strides)
                }
            }
            count = stride * height
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Encodes and decodes: the image as a viewer would show it after saving it as JPEG.
    public func roundTrip(_ image: RGBImage, quality: Int) throws(MediaError) -> RGBImage {
        try decode(encode(image, quality: quality))
    }

    // MARK: - Private

    private static let hint = "This FFmpeg build may lack the mjpeg codec; check `ffmpeg -codecs | grep mjpeg`"

    private static func failure(_ reason: String, _ code: Int32) -> MediaError {
        MediaError(.encodeFailed, path: memoryPath, reason: reason, hint: hint,
                   underlying: code == 0 ? nil : .init(code: code, text: FFmpeg.text(code)))
    }

    private func encoder(width: Int32, height: Int32, qscale: Int32) throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        let key = EncoderKey(width: width, height: height, qscale: qscale)
        if let existing = encoders[key] { return existing }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw Self.failure("no mjpeg encoder in this FFmpeg", 0)
        }
        guard let context = avcodec_alloc_context3(codec) else { throw Self.failure("cannot allocate the encoder", 0) }
        context.pointee.width = width
        context.pointee.height = height
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.color_range = AVCOL_RANGE_JPEG
        context.pointee.time_base = AVRational(num: 1, den: 25)
        // A fixed quantiser: every picture at this scale, no rate control.
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.global_quality = Int32(FF_QP2LAMBDA) * qscale
        context.pointee.thread_count = 1
        let status = avcodec_open2(context, codec, nil)
        guard status >= 0 else {
            var c: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&c)
            throw Self.failure("cannot open the mjpeg encoder for \(width)x\(height)", status)
        }
        encoders[key] = context
        return context
    }

    private func reusableDecoder() throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        if let decoder { return decoder }
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG), let context = avcodec_alloc_context3(codec) else {
            throw Self.failure("no mjpeg decoder in this FFmpeg", 0)
        }
        context.pointee.thread_count = 1
        let status = avcodec_open2(context, codec, nil)
        guard status >= 0 else {
            var c: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&c)
            throw Self.failure("cannot open the mjpeg decoder", status)
        }
        decoder = context
        return context
    }

    private func reusableFrame(width: Int, height: Int) throws(MediaError) -> UnsafeMutablePointer<AVFrame> {
        if let frame, frame.pointee.width == Int32(width), frame.pointee.height == Int32(height) { return frame }
        av_frame_free(&frame)
        guard let fresh = av_frame_alloc() else { throw Self.failure("cannot allocate a frame", 0) }
        fresh.pointee.width = Int32(width)
        fresh.pointee.height = Int32(height)
        fresh.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        fresh.pointee.color_range = AVCOL_RANGE_JPEG
        frame = fresh
        let status = av_frame_get_buffer(fresh, 0)
        guard status >= 0 else { throw Self.failure("cannot allocate a \(width)x\(height) frame", status) }
        return fresh
    }

    private func reusablePacket() throws(MediaError) -> UnsafeMutablePointer<AVPacket> {
        if let packet { return packet }
        guard let fresh = av_packet_alloc() else { throw Self.failure("cannot allocate a packet", 0) }
        packet = fresh
        return fresh
    }
}
