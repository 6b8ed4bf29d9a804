import Foundation
import Media
import Testing

/// The in-memory JPEG round trip against real decoding of the same bytes as a `.jpg` file (the
/// image reader, and the ffmpeg program), and its quality scale.
@Suite struct JPEGCodecTests {
    /// A UTKFace chip when the shared data is there, else a synthetic face-like image (gradients,
    /// an ellipse and fine stripes, so that quantisation shows).
    static func sample() throws -> RGBImage {
        let chip = Paths.sharedData.appendingPathComponent("utkface/faces64/100_0_0_20170112213500903.jpg").path
        if FileManager.default.fileExists(atPath: chip) { return try ImageFile.read(chip) }
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 {
                let dx = Double(x - 32) / 20, dy = Double(y - 30) / 26
                let inside = dx * dx + dy * dy < 1
                let stripe = (x / 2 + y / 3) % 2 == 0 ? 30 : 0
                let i = (y * 64 + x) * 3
                image.pixels[i] = UInt8(inside ? 200 - stripe : 40 + x * 2)
                image.pixels[i + 1] = UInt8(inside ? 150 : 60 + y * 2)
                image.pixels[i + 2] = UInt8(inside ? 120 + stripe : 90)
            }
        }
        return image
    }

    static func meanAbsoluteError(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.pixels.count == b.pixels.count)
        return zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }

    static func channelMeans(_ image: RGBImage) -> [Double] {
        (0..<3).map { c in stride(from: c, to: image.pixels.count, by: 3).reduce(0.0) { $0 + Double(image.pixels[$1]) } / Double(image.pixels.count / 3) }
    }

    @Test func bytesAreAJPEGFileThatDecodesLikeTheImageReaderAndFFmpegDecodeIt() throws {
        let image = try Self.sample()
        let codec = JPEGCodec()
        let bytes = try codec.encode(image, quality: 75)
        #expect(Array(bytes.prefix(2)) == [0xFF, 0xD8], "starts with SOI")
        #expect(Array(bytes.suffix(2)) == [0xFF, 0xD9], "ends with EOI")
        let decoded = try codec.decode(bytes)
        #expect(decoded.width == image.width && decoded.height == image.height)

        let folder = try Paths.scratch()
        let file = folder.appendingPathComponent("round.jpg")
        try Data(bytes).write(to: file)
        let read = try ImageFile.read(file.path)
        #expect(read.width == decoded.width && read.height == decoded.height)
        #expect(Self.meanAbsoluteError(read, decoded) < 0.5, "the image reader decodes the same bytes alike")

        // The ffmpeg program, as a user would decode the file.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-v", "error", "-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let raw = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(raw.count == 64 * 64 * 3)
        if raw.count == 64 * 64 * 3 {
            let cli = RGBImage(width: 64, height: 64, pixels: [UInt8](raw))
            #expect(Self.meanAbsoluteError(cli, decoded) < 1.5, "ffmpeg decodes the file to the same picture")
        }
    }

    @Test func errorFallsAsQualityRisesAndColoursStay() throws {
        let image = try Self.sample()
        let codec = JPEGCodec()
        var errors: [Double] = []
        var sizes: [Int] = []
        for quality in [5, 30, 60, 90, 100] {
            let bytes = try codec.encode(image, quality: quality)
            let decoded = try codec.decode(bytes)
            errors.append(Self.meanAbsoluteError(image, decoded))
            sizes.append(bytes.count)
            // No colour swap or range shift: channel means stay within 3 levels.
            for (a, b) in zip(Self.channelMeans(image), Self.channelMeans(decoded)) {
                #expect(abs(a - b) < 3, "quality \(quality): channel mean \(b) vs \(a)")
            }
        }
        #expect(errors == errors.sorted(by: >), "error must fall as quality rises: \(errors)")
        #expect(sizes == sizes.sorted(), "files must grow with quality: \(sizes)")
        #expect(errors.last! < 3, "quality 100 is close to the original: \(errors)")
        #expect(errors.first! > errors.last! * 2, "quality 5 is visibly worse: \(errors)")
    }

    @Test func oneCodecEncodesManyImagesAtTheSameQuality() throws {
        let image = try Self.sample()
        let codec = JPEGCodec()
        let first = try codec.encode(image, quality: 50)
        for _ in 0..<3 { #expect(try codec.encode(image, quality: 50) == first) }
    }

    @Test func qualityMapsOntoFFmpegsQuantiserScale() {
        #expect(JPEGCodec.qscale(forQuality: 100) == 2)
        #expect(JPEGCodec.qscale(forQuality: 1) == 31)
        let scales = (1...100).map { JPEGCodec.qscale(forQuality: $0) }
        #expect(scales == scales.sorted(by: >))
    }

    @Test func garbageIsAnInvalidImage() {
        let codec = JPEGCodec()
        #expect(throws: MediaError.self) { try codec.decode([0x00, 0x01, 0x02, 0x03]) }
    }
}
