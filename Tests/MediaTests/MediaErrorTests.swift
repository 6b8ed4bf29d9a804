import Foundation
import Testing

@testable import Media

/// Each bad input gets its own typed error whose message names the file, the problem and a fix.
@Suite struct MediaErrorTests {
    func openError(_ path: String) -> MediaError? {
        do {
            _ = try VideoReader(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingFile() throws {
        let error = try #require(openError("/no/such/clip.mp4"))
        #expect(error == MediaError(
            .fileNotFound, path: "/no/such/clip.mp4", reason: "no such file",
            hint: "Check the path and the current directory"))
        #expect(error.description == "'/no/such/clip.mp4': no such file. Check the path and the current directory")
    }

    @Test func emptyFile() throws {
        let path = Paths.fixture("empty.mp4")
        let error = try #require(openError(path))
        #expect(error == MediaError(
            .emptyFile, path: path, reason: "the file is empty (0 bytes)",
            hint: "The download or copy probably failed; fetch the file again"))
    }

    @Test func textFileNamedMP4() throws {
        let path = Paths.fixture("not_video.mp4")
        let error = try #require(openError(path))
        #expect(error.code == .notMedia)
        #expect(error.path == path)
        #expect(error.reason == "not a recognised video or image format")
        #expect(error.underlying?.code == -1_094_995_529)  // AVERROR_INVALIDDATA
        #expect(error.underlying?.text.hasPrefix("Invalid data found when processing input") == true)
        #expect(error.description.contains("ffprobe"))
    }

    @Test func directory() throws {
        let path = Paths.fixtures.path
        let error = try #require(openError(path))
        #expect(error == MediaError(
            .isDirectory, path: path, reason: "is a directory, not a video file",
            hint: "Pass a file inside it instead"))
    }

    // Root reads any file; DeepfakeCLITests checks this case as an unprivileged user.
    @Test(.disabled(if: getuid() == 0, "running as root, which reads any file"))
    func unreadableFile() throws {
        let path = try Paths.scratch().appendingPathComponent("locked.mp4").path
        try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("h264_aac.mp4"))).write(to: URL(fileURLWithPath: path))
        chmod(path, 0)
        let error = try #require(openError(path))
        #expect(error.code == .permissionDenied)
    }

    @Test func audioOnlyFileHasNoVideoStream() throws {
        let path = try Paths.scratch().appendingPathComponent("tone.m4a").path
        _ = try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=duration=0.2", "-y", path])
        let error = try #require(openError(path))
        #expect(error.code == .noVideoStream)
        #expect(error.reason == "the file has no video stream")
    }
}
