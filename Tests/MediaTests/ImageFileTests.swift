import Foundation
import Testing

@testable import Media

@Suite struct ImageFileTests {
    @Test func rgbPNGRoundTripIsBitExact() throws {
        let folder = try Paths.scratch()
        var pixels = [UInt8](repeating: 0, count: 37 * 23 * 3)
        for i in pixels.indices { pixels[i] = UInt8((i * 7919) % 256) }
        let image = RGBImage(width: 37, height: 23, pixels: pixels)
        for fast in [false, true] {
            let path = folder.appendingPathComponent("rgb-\(fast).png").path
            try ImageFile.writePNG(image, to: path, fast: fast)
            #expect(try ImageFile.read(path) == image)
        }
    }

    @Test(arguments: [1, 2, 4])
    func grayAndAlphaPNGRoundTripIsBitExact(channels: Int) throws {
        let folder = try Paths.scratch("channels\(channels)")
        let samples = (0..<(19 * 11 * channels)).map { UInt16(($0 * 31) % 256) }
        let image = PNGImage(width: 19, height: 11, channels: channels, bitDepth: 8, samples: samples)
        let path = folder.appendingPathComponent("image.png").path
        try ImageFile.writePNG(image, to: path)
        #expect(try ImageFile.readPNG(path) == image)
        // Read as RGB, gray is replicated and alpha dropped.
        let rgb = try ImageFile.read(path)
        let stride = channels
        let gray = channels < 3
        #expect(rgb[3, 2].r == UInt8(samples[(2 * 19 + 3) * stride]))
        #expect(rgb[3, 2].g == UInt8(samples[(2 * 19 + 3) * stride + (gray ? 0 : 1)]))
    }

    @Test func sixteenBitPNGReadsExactlyAsTheFFmpegProgramDecodesIt() throws {
        let folder = try Paths.scratch()
        let path = folder.appendingPathComponent("deep.png").path
        _ = try run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=24x16", "-frames:v", "1",
            "-vf", "format=rgb48be", "-y", path,
        ])
        let image = try ImageFile.readPNG(path)
        #expect(image.bitDepth == 16)
        #expect(image.channels == 3)
        let raw = try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb48le", "-"])
        let theirs = raw.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(image.samples == theirs)
        // As RGB8, each sample is rounded: (v * 255 + 32767) / 65535.
        let rgb = try ImageFile.read(path)
        #expect(rgb.pixels == theirs.map { UInt8((UInt32($0) * 255 + 32767) / 65535) })
    }

    @Test func jpegDecodesThroughFFmpeg() throws {
        let folder = try Paths.scratch()
        let path = folder.appendingPathComponent("frame.jpg").path
        _ = try run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "-q:v", "2", "-y", path,
        ])
        let ours = try ImageFile.read(path)
        #expect((ours.width, ours.height) == (64, 48))
        let theirs = try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        #expect(psnr(ours.pixels, [UInt8](theirs)) >= 40)
    }

    @Test func badImagesGiveTypedErrorsNamingTheFile() throws {
        let folder = try Paths.scratch()
        let text = folder.appendingPathComponent("notes.png").path
        try "not an image".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: MediaError.self) { try ImageFile.read(text) }
        do {
            _ = try ImageFile.read(text)
        } catch {
            #expect(error.code == .invalidImage)
            #expect(error.description.hasPrefix("'\(text)': "))
        }
        let truncated = folder.appendingPathComponent("cut.png").path
        try ImageFile.writePNG(RGBImage(width: 40, height: 40, fill: (1, 2, 3)), to: truncated)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        do {
            _ = try ImageFile.read(truncated)
            Issue.record("a truncated PNG was read")
        } catch {
            #expect(error.code == .invalidImage)
        }
        do {
            try ImageFile.writePNG(RGBImage(width: 2, height: 2), to: "/nonexistent-folder/x.png")
            Issue.record("wrote into a missing folder")
        } catch {
            #expect(error.code == .outputNotWritable)
            #expect(error.path == "/nonexistent-folder/x.png")
        }
    }
}
