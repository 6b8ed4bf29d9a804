import Foundation
import Media
import Testing

/// Pictures over the pixel budget are refused from their header, before decoding; frames too small
/// to encode are errors, not preconditions.
@Suite struct PixelBudgetTests {
    @Test func aPNGClaimingHugeSizeIsRefusedFromItsHeader() throws {
        let folder = try Paths.scratch()
        let path = folder.appendingPathComponent("huge.png").path
        try ImageFile.writePNG(RGBImage(width: 2, height: 2), to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // IHDR width and height (bytes 16..<24, big-endian): 30000 x 30000. The chunk's CRC is left
        // stale: the budget is checked before libpng reads the chunk.
        bytes.replaceSubrange(16..<24, with: [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: MediaError.self) { try ImageFile.read(path) }
        #expect(error.code == .tooManyPixels)
        #expect(error.path == path)
        #expect(error.reason == "the image is 30000x30000 pixels (900.0 megapixels), over the pixel budget of 64 megapixels")
        #expect((try #require(throws: MediaError.self) { try ImageFile.readPNG(path) }).code == .tooManyPixels)
    }

    /// A JPEG's size is read from its frame header before FFmpeg sees the file.
    @Test(arguments: [(30_000, 30_000), (10_000, 10_000)])
    func aJPEGClaimingHugeSizeIsRefused(width: Int, height: Int) throws {
        let folder = try Paths.scratch("jpeg\(width)")
        var bytes = try JPEGCodec().encode(RGBImage(width: 16, height: 16, fill: (200, 40, 40)), quality: 90)
        // The baseline frame header (FFC0): length (2), precision (1), then height and width.
        let sof = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes.replaceSubrange(sof + 5..<sof + 9, with: [UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8), UInt8(width & 255)])
        let path = folder.appendingPathComponent("huge.jpg").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: MediaError.self) { try ImageFile.read(path) }
        #expect(error.code == .tooManyPixels, "\(error)")
        #expect(error.reason.hasPrefix("the image is \(width)x\(height) pixels"), "\(error)")
    }

    @Test func theBudgetAllowsEightK() throws {
        try PixelBudget.check(width: 7680, height: 4320, path: "8k.mp4", what: "video")
        #expect(throws: MediaError.self) { try PixelBudget.check(width: Int.max, height: 2, path: "x", what: "video") }
    }

    @Test(arguments: [(1, 1), (1, 64), (64, 1), (0, 0), (20_000, 64)])
    func framesTheEncoderCannotTakeAreErrors(width: Int, height: Int) throws {
        let folder = try Paths.scratch("writer\(width)x\(height)")
        let error = try #require(throws: MediaError.self) {
            try VideoWriter(path: folder.appendingPathComponent("out.mp4").path, width: width, height: height, frameRate: Rational(25, 1))
        }
        #expect(error.code == .unsupportedSize)
        #expect(error.reason.contains("\(width)x\(height) pixels"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let rate = try #require(throws: MediaError.self) {
            try VideoWriter(path: folder.appendingPathComponent("out.mp4").path, width: 64, height: 64, frameRate: Rational(0, 0))
        }
        #expect(rate.code == .unsupportedSize)
    }

    /// The 1x1 fixture decodes; it is only the encoder that cannot take it.
    @Test func aOneByOneVideoDecodes() throws {
        let reader = try VideoReader(path: Paths.fixture("tiny_1x1.mp4"))
        #expect((reader.info.width, reader.info.height) == (1, 1))
        var frames = 0
        try reader.forEachFrame(.all) { frame in
            #expect((frame.image.width, frame.image.height) == (1, 1))
            frames += 1
        }
        #expect(frames == 10)
    }
}
