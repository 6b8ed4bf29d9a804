import Foundation
import Media
import Testing

/// Inputs that would exhaust memory, crash the encoder or block forever are refused up front with
/// an error naming the file: pictures over the pixel budget (from their header), videos too small
/// to encode, and FIFOs or devices given as files.
@Suite struct InputSafetyTests {
    /// A PNG whose header claims `width × height` pixels, with one tiny IDAT row: a few dozen
    /// bytes (a valid 2x2 PNG from the project's writer with its IHDR size and CRC rewritten).
    static func claimedPNG(width: UInt32, height: UInt32, at path: String) throws {
        try ImageFile.writePNG(RGBImage(width: 2, height: 2, fill: (0, 0, 0)), to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Signature (8), IHDR length (4) and type (4), then width and height, big-endian.
        #expect(Array(bytes[12..<16]) == Array("IHDR".utf8))
        for (offset, value) in [(16, width), (20, height)] {
            for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
        }
        let crc = crc32(bytes[12..<29])
        for k in 0..<4 { bytes[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The CRC-32 PNG chunks carry (ISO 3309, polynomial 0xEDB88320).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test func imageOverThePixelBudgetIsRefusedFromItsHeader() throws {
        let folder = try CLI.scratch()
        let png = folder.appendingPathComponent("huge.png").path
        try Self.claimedPNG(width: 30_000, height: 30_000, at: png)
        #expect(try Data(contentsOf: URL(fileURLWithPath: png)).count < 200)
        let message = "'\(png)': the image is 30000x30000 pixels (900.0 megapixels), over the pixel budget of 64 megapixels. "
            + "Shrink it first, or raise the budget with $DEEPFAKE_MAX_MEGAPIXELS"
        let out = folder.appendingPathComponent("out")
        for arguments in [["faces", png, "--out", out.path, "--detector", "haar"],
                          ["alter", png, "--out", folder.appendingPathComponent("altered.png").path]] {
            let result = try CLI.run(arguments, timeout: 60)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        // score reports it as that input's error and goes on.
        let score = try CLI.run(["score", png, "--report", "-"], timeout: 60)
        #expect(score.status == 1)
        #expect(score.stdout.contains("\"code\" : \"too-many-pixels\""), "\(score.stdout)")
        #expect(!CLI.files(in: folder).contains("altered.png"))
    }

    @Test func thePixelBudgetCanBeSetAndIsCheckedOnVideosToo() throws {
        let out = try CLI.scratch()
        let clip = CLI.fixture("h264_aac.mp4")
        let lowered = try CLI.run(["frames", clip, "--out", out.path], environment: ["DEEPFAKE_MAX_MEGAPIXELS": "0.01"])
        #expect(lowered.status == 1)
        #expect(lowered.stderr.contains("'\(clip)': the video is 320x240 pixels (0.1 megapixels), over the pixel budget of 0.01 megapixels."),
                "\(lowered.stderr)")
        #expect(CLI.files(in: out).isEmpty)
        let invalid = try CLI.run(["frames", clip, "--out", out.path], environment: ["DEEPFAKE_MAX_MEGAPIXELS": "lots"])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("$DEEPFAKE_MAX_MEGAPIXELS is 'lots', not a number of megapixels"), "\(invalid.stderr)")
        let raised = try CLI.run(["frames", clip, "--out", out.path, "--count", "1"], environment: ["DEEPFAKE_MAX_MEGAPIXELS": "0.1"])
        #expect(raised.status == 0, "\(raised.stderr)")
    }

    /// A 1x1 video stopped `alter` on a precondition in the writer.
    @Test func oneByOneVideoIsAClearErrorForAlterAndScoresAsNoFace() throws {
        let out = try CLI.scratch()
        let tiny = CLI.fixture("tiny_1x1.mp4")
        let altered = try CLI.run(["alter", tiny, "--out", out.appendingPathComponent("t.mp4").path, "--allow-unchanged"], timeout: 120)
        #expect(altered.status == 1, "\(altered.stderr)")
        #expect(altered.stderr.contains("'\(tiny)': the video is 1x1 pixels; H.264 output in 4:2:0 needs 2 to 16384 pixels a side."),
                "\(altered.stderr)")
        #expect(CLI.files(in: out).isEmpty)
        let reencoded = try CLI.run(["alter", tiny, "--out", out.appendingPathComponent("t.mp4").path, "--mode", "reencode"], timeout: 120)
        #expect(reencoded.status == 1)
        #expect(CLI.files(in: out).isEmpty)
        let score = try CLI.run(["score", tiny, "--detector", "haar", "--report", "-"], timeout: 120)
        #expect(score.status == 0, "\(score.stderr)")
        #expect(score.stderr.contains("no-face"), "\(score.stderr)")
        let frames = try CLI.run(["frames", tiny, "--out", out.appendingPathComponent("frames").path, "--count", "2"], timeout: 120)
        #expect(frames.status == 0, "\(frames.stderr)")
    }

    /// A FIFO given as a file would block the reader forever (no writer comes), and a device such
    /// as /dev/zero would never end: both are refused before they are opened.
    @Test func fifosAndDevicesAreRefusedAsInputs() throws {
        let folder = try CLI.scratch()
        func fifo(_ name: String) -> String {
            let path = folder.appendingPathComponent(name).path
            #expect(mkfifo(path, 0o644) == 0)
            return path
        }
        let video = fifo("clip.mp4"), image = fifo("face.png"), model = fifo("model.safetensors"), csv = fifo("index.csv")
        let out = folder.appendingPathComponent("out").path
        let cases: [([String], String)] = [
            (["probe", video], "'\(video)': is a FIFO (named pipe), not a regular file"),
            (["frames", video, "--out", out], "'\(video)': is a FIFO (named pipe), not a regular file, so it cannot be read as the input video file."),
            (["faces", image, "--out", out], "'\(image)': is a FIFO (named pipe), not a regular file, so it cannot be read as the input image file."),
            (["score", CLI.fixture("h264_aac.mp4"), "--model", model], "'\(model)': is a FIFO (named pipe), not a regular file"),
            (["score", "/dev/zero", "--report", "-"], "'/dev/zero': is a character device, not a regular file"),
            (["generate", "--model", model, "--grid", out + ".png"], "'\(model)': is a FIFO (named pipe), not a regular file"),
            (["train", "--data", folder.path, "--index", csv, "--run", out], "'\(csv)': is a FIFO (named pipe), not a regular file"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments, timeout: 30)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains(message) || result.stdout.contains(message), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
