import Foundation
import Testing

@Suite struct MediaCommandTests {
    @Test(arguments: [[], ["probe"], ["frames"]])
    func helpMatchesItsSnapshot(command: [String]) throws {
        let result = try CLI.run(command + ["--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-" + (command.first ?? "deepfake"))
    }

    @Test func probeJSONCoversEveryFixtureWithInfoOrAnError() throws {
        let names = ["h264_aac.mp4", "odd_318x238.mp4", "vfr.mp4", "rotated_90.mp4", "mpeg4.avi",
                     "vp9.webm", "truncated.mp4", "empty.mp4", "not_video.mp4"]
        let result = try CLI.run(["probe", "--json"] + names.map(CLI.fixture))
        #expect(result.status == 1)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == names.count)
        var errors: [String: String] = [:]
        for entry in entries {
            let name = ((entry["path"] as? String ?? "") as NSString).lastPathComponent
            if let error = entry["error"] as? [String: Any] {
                errors[name] = error["code"] as? String
                #expect((error["message"] as? String)?.contains(name) == true)
            } else {
                let info = try #require(entry["info"] as? [String: Any])
                #expect(info["width"] as? Int != nil)
            }
        }
        #expect(errors == ["empty.mp4": "empty-file", "not_video.mp4": "not-media"])
        #expect(result.stderr.contains("empty.mp4': the file is empty (0 bytes)"))
        #expect(result.stderr.contains("not_video.mp4': not a recognised video or image format"))
    }

    @Test func framesWritesEvenlySpacedPNGsNamedByIndexAndTime() throws {
        let out = try CLI.scratch()
        let result = try CLI.run(["frames", CLI.fixture("h264_aac.mp4"), "--count", "4", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(CLI.files(in: out) == [
            "frame_000000_t0.000.png", "frame_000019_t0.760.png", "frame_000039_t1.560.png",
            "frame_000059_t2.360.png",
        ])
    }

    @Test(arguments: [("vp9.webm", 320, 240), ("rotated_90.mp4", 240, 320)])
    func framesHandlesWebMAndRotation(name: String, width: Int, height: Int) throws {
        let out = try CLI.scratch("frames" + name)
        let result = try CLI.run(["frames", CLI.fixture(name), "--at", "0.5", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let files = CLI.files(in: out)
        #expect(files == ["frame_000012_t0.480.png"])
        // The PNG header holds width and height as big-endian 32-bit numbers at bytes 16 and 20.
        let png = try Data(contentsOf: out.appendingPathComponent(files[0]))
        let size = (png[16..<20].reduce(0) { $0 << 8 | Int($1) }, png[20..<24].reduce(0) { $0 << 8 | Int($1) })
        #expect(size == (width, height))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLI.sharedData.path), "../shared/data is absent (see DESIGN.md, Testing)")) func sharedHamiltonClipGivesEightFrames() throws {
        let clip = CLI.sharedData.appendingPathComponent("face_recognition/videos/short_hamilton_clip.mp4").path
        let out = try CLI.scratch()
        let result = try CLI.run(["frames", clip, "--count", "8", "--out", out.path])
        #expect(result.status == 0)
        #expect(CLI.files(in: out).count == 8)
    }

    @Test func truncatedVideoKeepsTheGoodFramesFailsClearlyAndLeavesNoPartialFile() throws {
        let out = try CLI.scratch()
        let result = try CLI.run(["frames", CLI.fixture("truncated.mp4"), "--every", "1", "--out", out.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("truncated.mp4': the file holds 35 of the 60 frames its index lists"))
        let files = CLI.files(in: out)
        #expect(files.count == 34)
        #expect(files.allSatisfy { $0.hasPrefix("frame_") && $0.hasSuffix(".png") })
    }

    @Test func unwritableOutputFolderFailsBeforeAnyWork() throws {
        let folder = try CLI.scratch()
        let blocker = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let result = try CLI.run(["frames", CLI.fixture("h264_aac.mp4"), "--out", blocker.path + "/frames"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot create the output folder '\(blocker.path)/frames'"))
        #expect(CLI.files(in: folder) == ["file"])
    }

    @Test func missingEmptyTextAndDirectoryInputsExitNonZeroWithTheirMessage() throws {
        let cases = [
            ("/no/such/clip.mp4", "'/no/such/clip.mp4': no such file. Check the path"),
            (CLI.fixture("empty.mp4"), "empty.mp4': the file is empty (0 bytes)"),
            (CLI.fixture("not_video.mp4"), "not_video.mp4': not a recognised video or image format"),
            (CLI.root.appendingPathComponent("fixtures").path, "fixtures': is a directory, not a video file"),
        ]
        for (input, message) in cases {
            let out = try CLI.scratch("bad" + (input as NSString).lastPathComponent)
            let result = try CLI.run(["frames", input, "--out", out.path])
            #expect(result.status == 1, "\(input)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(CLI.files(in: out).isEmpty)
        }
    }

    @Test func unreadableFileIsReportedAsPermissionDenied() throws {
        let folder = try CLI.scratch()
        chmod(folder.path, 0o755)
        chmod(folder.deletingLastPathComponent().path, 0o755)
        let locked = folder.appendingPathComponent("locked.mp4")
        try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("h264_aac.mp4"))).write(to: locked)
        chmod(locked.path, 0o000)
        // Root reads every file, so as root the check runs as the unprivileged user 'nobody'.
        let result = try CLI.run(["probe", locked.path], asUser: getuid() == 0 ? 65534 : nil)
        #expect(result.status == 1)
        #expect(result.stderr.contains("locked.mp4': permission denied reading the video file"), "\(result.stderr)")
    }
}
