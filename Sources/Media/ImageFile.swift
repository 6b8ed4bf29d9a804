import CShims
import Foundation

/// Still images: PNG through libpng, JPEG (and any other single image FFmpeg decodes) through
/// FFmpeg's decoders.
public enum ImageFile {
    /// Reads an image as 8-bit RGB. Gray is replicated, alpha dropped, 16-bit PNG samples are
    /// rounded to 8 bits.
    /// - Throws: `MediaError` naming the file: missing, unreadable, empty, or not an image.
    public static func read(_ path: String) throws(MediaError) -> RGBImage {
        try FileChecks.readableFile(path, what: "image")
        if isPNG(path) {
            let png = try readPNG(path, mode: Int32(CSHIMS_PNG_RGB8))
            return RGBImage(width: png.width, height: png.height, pixels: png.samples.map { UInt8($0) })
        }
        if let size = jpegHeaderSize(path) {
            try PixelBudget.check(width: size.width, height: size.height, path: path, what: "image")
        }
        do throws(MediaError) {
            // One picture: decoder threads would only add start-up cost.
            let reader = try VideoReader(path: path, options: .init(threads: 1))
            guard let first = try reader.frames(.all).next() else {
                throw MediaError(
                    .invalidImage, path: path, reason: "the file holds no decodable picture",
                    hint: "Check that the image opens in a viewer; re-save it as PNG or JPEG")
            }
            return first.image
        } catch {
            guard [.notMedia, .corruptStream, .noVideoStream].contains(error.code) else { throw error }
            throw MediaError(
                .invalidImage, path: path, reason: "not a readable image (PNG or JPEG expected)",
                hint: "Check that the file is an image and complete; re-save it as PNG or JPEG",
                underlying: error.underlying)
        }
    }

    /// Reads a PNG keeping its channels (gray, gray+alpha, RGB, RGBA) and its bit depth (8 or 16).
    public static func readPNG(_ path: String) throws(MediaError) -> PNGImage {
        try FileChecks.readableFile(path, what: "PNG")
        return try readPNG(path, mode: Int32(CSHIMS_PNG_NATIVE))
    }

    /// Writes an RGB image as PNG, atomically.
    /// - Parameter fast: zlib level 1 and no row filters: 3-4x faster, files ~25% larger.
    public static func writePNG(_ image: RGBImage, to path: String, fast: Bool = false) throws(MediaError) {
        try writePNG(
            width: image.width, height: image.height, channels: 3, bytes: image.pixels, to: path,
            fast: fast)
    }

    /// Writes an 8-bit PNG with 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels, atomically.
    public static func writePNG(_ image: PNGImage, to path: String, fast: Bool = false) throws(MediaError) {
        precondition(image.bitDepth == 8, "writing 16-bit PNG is not supported")
        try writePNG(
            width: image.width, height: image.height, channels: image.channels,
            bytes: image.samples.map { UInt8($0) }, to: path, fast: fast)
    }

    // MARK: - Private

    private static func isPNG(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let signature = handle.readData(ofLength: 8)
        return signature == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// The width and height in a PNG's IHDR chunk (bytes 16..<24), when the file starts with one.
    static func pngHeaderSize(_ path: String) -> (width: Int, height: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 24))
        guard head.count == 24, head[12..<16].elementsEqual("IHDR".utf8) else { return nil }
        func number(_ at: Int) -> Int { head[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }

    /// The width and height in a JPEG's frame header (the first SOFn marker segment within its
    /// first 256 KB), when the file is a JPEG.
    static func jpegHeaderSize(_ path: String) -> (width: Int, height: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let bytes = [UInt8](handle.readData(ofLength: 1 << 18))
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var at = 2
        while at + 9 < bytes.count {
            guard bytes[at] == 0xFF else { return nil }
            let marker = bytes[at + 1]
            if marker == 0xFF { at += 1; continue }  // fill byte
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            // SOF0...SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (Int(bytes[at + 7]) << 8 | Int(bytes[at + 8]), Int(bytes[at + 5]) << 8 | Int(bytes[at + 6]))
            }
            if marker == 0xDA || length < 2 { return nil }  // start of scan, or damaged
            at += 2 + length
        }
        return nil
    }

    private static func readPNG(_ path: String, mode: Int32) throws(MediaError) -> PNGImage {
        // The size is checked from the header before libpng allocates anything for the rows.
        if let size = pngHeaderSize(path) {
            try PixelBudget.check(width: size.width, height: size.height, path: path, what: "image")
        }
        var raw = cshims_png_image()
        var error = [CChar](repeating: 0, count: 256)
        guard cshims_png_read(path, mode, &raw, &error, error.count) == 0 else {
            let text = String(cBuffer: error)
            throw MediaError(
                .invalidImage, path: path, reason: "not a valid PNG",
                hint: "Check that the file is complete; re-export it as PNG",
                underlying: .init(code: 0, text: text))
        }
        defer { cshims_png_free(&raw) }
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        let count = width * height * channels
        var samples = [UInt16](repeating: 0, count: count)
        let rowSamples = width * channels
        samples.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = raw.data + y * raw.row_bytes
                if raw.bit_depth == 16 {
                    row.withMemoryRebound(to: UInt16.self, capacity: rowSamples) { p in
                        for i in 0..<rowSamples { out[y * rowSamples + i] = p[i] }
                    }
                } else {
                    for i in 0..<rowSamples { out[y * rowSamples + i] = UInt16(row[i]) }
                }
            }
        }
        return PNGImage(
            width: width, height: height, channels: channels, bitDepth: Int(raw.bit_depth),
            samples: samples)
    }

    private static func writePNG(
        width: Int, height: Int, channels: Int, bytes: [UInt8], to path: String, fast: Bool
    ) throws(MediaError) {
        try FileChecks.writableDestination(path)
        let file = AtomicFile(destination: path)
        var error = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { p in
            cshims_png_write(
                file.temporary, p.baseAddress, Int32(width), Int32(height), Int32(channels),
                width * channels, fast ? 1 : 6, fast ? 1 : 0, &error, error.count)
        }
        guard status == 0 else {
            file.discard()
            throw MediaError(
                .ioFailed, path: path, reason: "could not write the PNG",
                hint: "Check free space and permissions of the output folder",
                underlying: .init(code: 0, text: String(cBuffer: error)))
        }
        try file.commit()
    }
}

/// A PNG as stored: 1 to 4 channels, 8- or 16-bit samples, rows packed without padding.
public struct PNGImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// 8 or 16.
    public let bitDepth: Int
    /// `width * height * channels` samples, each in `0..<(1 << bitDepth)`.
    public var samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        precondition((1...4).contains(channels) && (bitDepth == 8 || bitDepth == 16))
        precondition(samples.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }
}

extension ImageFile {
    /// The image encoded as PNG bytes (for embedding, e.g. in an HTML report).
    public static func pngData(_ image: RGBImage) throws(MediaError) -> Data {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("deepfake-\(UInt64.random(in: 0...UInt64.max)).png").path
        try writePNG(image, to: path)
        defer { unlink(path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError(.ioFailed, path: path, reason: "could not read back the encoded PNG", hint: "Check the temporary folder")
        }
        return data
    }
}
