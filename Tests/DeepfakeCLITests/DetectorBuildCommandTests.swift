import Foundation
import Testing
import TestSupport

/// `deepfake detector build` end to end: a tiny GAN trained for one step by `deepfake train`, a few
/// dozen UTKFace chips against its samples; and the exact errors, which leave no output behind.
@Suite(.serialized) struct DetectorBuildCommandTests {
    static let hasFaces = GANCommandTests.hasFaces

    /// 64×64, ngf/ndf 8, nz 16: one training step, a checkpoint and a generator-only export.
    static func tinyGAN(_ name: String) throws -> (checkpoint: String, generator: String, faces: URL) {
        let faces = try GANCommandTests.faceFolder(name, count: 40)
        let run = faces.deletingLastPathComponent().appendingPathComponent(name + "-run")
        try? FileManager.default.removeItem(at: run)
        let generator = faces.deletingLastPathComponent().appendingPathComponent(name + "-g.safetensors").path
        let result = try CLI.run([
            "train", "--data", faces.path, "--run", run.path, "--size", "64", "--ngf", "8", "--ndf", "8", "--nz", "16",
            "--batch", "8", "--precheck-steps", "0", "--swd-images", "0", "--checkpoint-every", "1", "--no-cache",
            "--stop-after", "1", "--export", generator,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let checkpoints = CLI.files(in: run.appendingPathComponent("checkpoints")).filter { $0.hasPrefix("step-") }
        let checkpoint = run.appendingPathComponent("checkpoints").appendingPathComponent(try #require(checkpoints.first)).path
        return (checkpoint, generator, faces)
    }

    /// The `__metadata__` of a safetensors file (8-byte little-endian header length, JSON header).
    static func metadata(_ path: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: Any]
        return header?["__metadata__"] as? [String: String] ?? [:]
    }

    @Test func helpMatchesItsSnapshot() throws {
        let result = try CLI.run(["detector", "build", "--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-detector-build")
    }

    @Test("self-blended pairs from face chips stand in for every fake (--sbi, --sbi-share 1), and are recorded",
          .enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"),
          .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
    func selfBlendedBuild() throws {
        let (checkpoint, _, faces) = try Self.tinyGAN("detector-sbi")
        let out = faces.deletingLastPathComponent().appendingPathComponent("detector-sbi.safetensors").path
        try? FileManager.default.removeItem(atPath: out)
        let args = ["detector", "build", "--gan", checkpoint, "--real", faces.path, "--sbi", faces.path, "--epochs", "1",
                    "--batch", "16", "--sbi-validation-pairs", "64", "--no-cache", "--out", out]
        let refused = try CLI.run(args)
        #expect(refused.status != 0 && refused.stderr.contains("pass --sbi-share 1"), "\(refused.stderr)")
        let built = try CLI.run(args + ["--sbi-share", "1"])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("self-blending: "), "\(built.stderr)")
        let m = try Self.metadata(out)
        #expect((m["training_data"] ?? "").contains("\"kind\":\"self-blended-chips\""), "\(m["training_data"] ?? "")")
        let validation = try JSONSerialization.jsonObject(with: Data((m["validation"] ?? "{}").utf8)) as? [String: Any]
        #expect((validation?["fake"] as? Int) == 64, "\(m["validation"] ?? "")")
        try FileManager.default.removeItem(atPath: out)
    }

    @Test(.enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"))
    func tinyBuildWritesACalibratedDetectorAndErrorsWriteNothing() throws {
        let (checkpoint, generator, faces) = try Self.tinyGAN("detector")
        let out = faces.deletingLastPathComponent().appendingPathComponent("detector.safetensors").path
        try? FileManager.default.removeItem(atPath: out)
        let tiny = ["--epochs", "1", "--batch", "16", "--samples-per-generator", "128", "--no-cache", "--out", out]

        let built = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", faces.path, "--fake", checkpoint] + tiny)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("split by source: training"), "\(built.stderr)")
        #expect(built.stderr.contains("validation: AUC"), "\(built.stderr)")
        let m = try Self.metadata(out)
        #expect(m["schema"] == "deepfake-detector/1")
        #expect(m["calibrated"] == "true")
        #expect(m["gan_source"] == checkpoint)
        #expect(m["epochs_run"] == "1")
        #expect(m["seed"] == "1")
        let validation = try JSONSerialization.jsonObject(with: Data((m["validation"] ?? "{}").utf8)) as? [String: Any]
        #expect(validation?["auc"] is Double, "\(m["validation"] ?? "")")
        #expect((m["training_data"] ?? "").contains("\"kind\":\"generator\""))
        try FileManager.default.removeItem(atPath: out)

        // A generator-only file has no discriminator to start from.
        let noD = try CLI.run(["detector", "build", "--gan", generator, "--real", faces.path, "--fake", checkpoint] + tiny)
        #expect(noD.status != 0)
        #expect(noD.stderr == "Error: '\(generator)': holds a generator only (schema 'deepfake-gan-generator/1'), no "
            + "discriminator to start from. Pass --gan a training checkpoint (RUN/checkpoints/*.safetensors) or a G+D file "
            + "written by `deepfake train --export-networks`.\n")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(.enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"))
    func badSourcesFailWithMessagesNamingThemAndWriteNothing() throws {
        let scratch = try CLI.scratch()
        let out = scratch.appendingPathComponent("d.safetensors").path
        let faces = GANCommandTests.faces.path
        // The GAN file is checked first, then every source, before any crop is cut.
        let missingGAN = try CLI.run(["detector", "build", "--gan", "nope.safetensors", "--real", faces,
                                      "--fake", "nope.safetensors", "--out", out])
        #expect(missingGAN.status != 0)
        #expect(missingGAN.stderr == "Error: 'nope.safetensors': no such GAN file. Pass --gan a training checkpoint "
            + "(RUN/checkpoints/*.safetensors) or a G+D file from models/.\n")

        let (checkpoint, _, _) = try Self.tinyGAN("sources")
        let video = CLI.fixture("h264_aac.mp4")
        let noTruth = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", faces, "--fake", video, "--out", out])
        #expect(noTruth.status != 0)
        #expect(noTruth.stderr == "Error: '\(video)': a fake video needs its truth file '\(video).truth.json', which says "
            + "which faces were altered. Make altered videos with `deepfake alter`, which writes it, or pass a real video "
            + "as --real.\n")

        let missing = scratch.appendingPathComponent("missing").path
        let noFolder = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", missing, "--fake", checkpoint, "--out", out])
        #expect(noFolder.stderr == "Error: '\(missing)': no such file or folder. Check the path.\n")

        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let emptyFolder = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", empty.path, "--fake", checkpoint,
                                       "--no-cache", "--out", out])
        #expect(emptyFolder.status != 0)
        #expect(emptyFolder.stderr == "Error: '\(empty.path)': the folder holds no PNG or JPEG images. Check the path.\n")

        let emptyFile = scratch.appendingPathComponent("empty.mp4").path
        try Data().write(to: URL(fileURLWithPath: emptyFile))
        let emptyVideo = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", emptyFile, "--fake", checkpoint, "--out", out])
        #expect(emptyVideo.stderr == "Error: '\(emptyFile)': the file is empty (0 bytes). Copy or make it again.\n")

        let modelAsReal = try CLI.run(["detector", "build", "--gan", checkpoint, "--real", checkpoint, "--fake", checkpoint, "--out", out])
        #expect(modelAsReal.stderr == "Error: '\(checkpoint)': a model file is not real data. Pass generators and GAN "
            + "checkpoints as --fake.\n")

        for result in [missingGAN, noTruth, noFolder, emptyFolder, emptyVideo, modelAsReal] { #expect(result.status != 0) }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(CLI.files(in: scratch).allSatisfy { !$0.hasPrefix(".d.safetensors") }, "no temporary file left")
    }
}
