import CFFmpeg
import Foundation
import Testing

@testable import Media

@Suite struct VideoWriterTests {
    /// Duration in seconds of a file's first stream of `kind` ("a" or "v"), by ffprobe.
    func streamDuration(_ path: String, _ kind: String) throws -> Double? {
        let text = String(decoding: try run("ffprobe", [
            "-v", "error", "-select_streams", "\(kind):0", "-show_entries", "stream=duration",
            "-of", "csv=p=0", path,
        ]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Double(text)
    }

    @Test(arguments: [false, true])
    func roundTripKeepsFramesTimingAndAudio(mpeg4: Bool) throws {
        let source = Paths.fixture("h264_aac.mp4")
        let frames = try decodeAll(source)
        #expect(frames.count == 60)
        let info = try VideoReader(path: source).info
        let out = try Paths.scratch("roundtrip\(mpeg4)").appendingPathComponent("out.mp4").path
        let writer = try VideoWriter(
            path: out, width: info.width, height: info.height, frameRate: info.frameRate,
            options: .init(audioSource: source, forceMPEG4: mpeg4))
        #expect(writer.encoderName == (mpeg4 ? "mpeg4" : "libx264"))
        for frame in frames { try writer.write(frame.image) }
        try writer.finish()

        let back = try decodeAll(out)
        #expect(back.count == frames.count)
        let written = try VideoReader(path: out).info
        #expect(abs(written.duration - info.duration) <= 1 / info.frameRate.value)
        #expect(written.hasAudio)
        let audioIn = try #require(try streamDuration(source, "a"))
        let audioOut = try #require(try streamDuration(out, "a"))
        #expect(abs(audioIn - audioOut) <= 0.05, "audio \(audioIn) s in, \(audioOut) s out")
        var worst = Double.infinity
        for (a, b) in zip(frames, back) { worst = min(worst, psnr(a.image.pixels, b.image.pixels)) }
        #expect(worst >= 35, "lowest PSNR \(worst) dB")
        // The moov atom is at the front (faststart) and no temporary file is left beside it.
        let head = try Data(contentsOf: URL(fileURLWithPath: out)).prefix(64)
        #expect(head.range(of: Data("moov".utf8)) != nil)
        let folder = (out as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.mp4"])
    }

    @Test func abandonedWriterLeavesNoFile() throws {
        let folder = try Paths.scratch()
        let out = folder.appendingPathComponent("never.mp4").path
        do {
            let writer = try VideoWriter(path: out, width: 64, height: 48, frameRate: Rational(25, 1))
            for _ in 0..<5 { try writer.write(RGBImage(width: 64, height: 48, fill: (200, 10, 10))) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func unwritableDestinationsAreRejectedUpFront() throws {
        let folder = try Paths.scratch()
        let file = folder.appendingPathComponent("plain.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        for path in ["/nonexistent-folder/out.mp4", file.path + "/out.mp4"] {
            do {
                _ = try VideoWriter(path: path, width: 64, height: 48, frameRate: Rational(25, 1))
                Issue.record("opened \(path)")
            } catch {
                #expect(error.code == .outputNotWritable)
                #expect(error.path == path)
                #expect(error.description.contains("does not exist"))
            }
        }
    }

    @Test func oddSizedFramesLoseTheirLastColumnAndRow() throws {
        let out = try Paths.scratch().appendingPathComponent("odd.mp4").path
        let writer = try VideoWriter(path: out, width: 33, height: 21, frameRate: Rational(30000, 1001))
        for _ in 0..<3 { try writer.write(RGBImage(width: 33, height: 21, fill: (0, 128, 255))) }
        try writer.finish()
        let info = try VideoReader(path: out).info
        #expect((info.width, info.height) == (32, 20))
        #expect(info.frameRate == Rational(30000, 1001))
    }
}
