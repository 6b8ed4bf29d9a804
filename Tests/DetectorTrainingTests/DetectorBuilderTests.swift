import Datasets
import Faces
import Foundation
import GAN
import Media
import NN
import Testing

@testable import Detection
@testable import DetectorTraining

/// A short build end to end on a tiny GAN (DCGAN 64×64, ngf/ndf 8): UTKFace chips against the
/// GAN's own samples, 2 epochs. The written model loads as a calibrated detector, and its
/// validation metrics recompute from the file.
@Suite struct DetectorBuilderTests {
    static let sharedData = DetectorBuildPartsTests.sharedData
    static let faces = sharedData.appendingPathComponent("utkface/faces64").path
    static let hasUTKFace = DetectorBuildPartsTests.hasUTKFace

    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("detector-builder-tests-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A freshly initialised tiny GAN written as a `models/`-style G+D file.
    static func tinyGAN(in folder: URL) throws -> URL {
        let architecture = GANArchitecture(imageSize: 64, noiseSize: 16, generatorWidth: 8, discriminatorWidth: 8)
        let g = Generator(architecture), d = Discriminator(architecture)
        var random = SeededGenerator(seed: 42)
        DCGANInitializer.initialize(g, using: &random)
        DCGANInitializer.initialize(d, using: &random)
        let url = folder.appendingPathComponent("tiny-gan.safetensors")
        try GeneratorFile.writeNetworks(generator: g, discriminator: d, to: url)
        return url
    }

    /// An index with the first `count` train rows of UTKFace's (whose lines end in CRLF: in Swift
    /// "\r\n" is one Character, so split on any newline).
    static func smallIndex(in folder: URL, count: Int) throws -> String {
        let lines = try String(contentsOfFile: DetectorBuildPartsTests.utkIndex, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
        let rows = lines.dropFirst().filter { $0.hasSuffix(",train") }.prefix(count)
        let path = folder.appendingPathComponent("index-\(count).csv").path
        try ([lines[0]] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: hasUTKFace, "needs ../shared/data/utkface"))
    func tinyBuildWritesALoadableCalibratedModelWhoseMetricsRecompute() throws {
        let folder = try Self.scratch()
        let gan = try Self.tinyGAN(in: folder)
        let index = try Self.smallIndex(in: folder, count: 80)
        let inputs = DetectorBuilder.Inputs(gan: gan.path, real: [Self.faces], fake: [gan.path], realIndex: index,
                                            realSplit: "train", samplesPerGenerator: 192)
        let options = DetectorBuilder.Options(
            validationFraction: 0.25, training: .init(epochs: 2, batchSize: 16, patience: 2, seed: 5))
        let builder = DetectorBuilder(inputs: inputs, options: options)
        var epochs: [Int] = []
        let result = try builder.build { event in
            if case .training(.epoch(let r), _) = event { epochs.append(r.epoch) }
        }
        #expect(epochs == [0, 1, 2])
        let out = folder.appendingPathComponent("detector.safetensors")
        try result.model.write(to: out, extra: result.metadata)

        let loaded = try DetectorModel.load(out)
        #expect(loaded.isCalibrated)
        #expect(loaded.metadata["schema"] == DetectorModel.schema)
        #expect(loaded.calibration == result.model.calibration)
        #expect((0...1).contains(loaded.threshold))
        #expect(loaded.metadata["gan_sha256"] == (try SHA256.hash(file: gan.path)))
        #expect(loaded.metadata["split"]?.contains("original_md5") == true)
        #expect(loaded.metadata["threshold_rule"]?.contains("equal error rate") == true)
        let records = try JSONDecoder().decode([DetectorCropSources.SourceRecord].self,
                                               from: Data(loaded.metadata["training_data"]!.utf8))
        #expect(records.map(\.kind) == ["image-folder", "generator"])
        #expect(records[0].crops == 80 && records[1].crops == 192)
        #expect(records[0].details["grouped_by"] == "original_md5")

        // Recompute validation from the file: same crops, same split, the loaded model's scores.
        let kinds: [(String, DetectorBuilder.SourceKind)] = [(Self.faces, .imageFolder), (gan.path, .generator)]
        let (crops, _) = try builder.collect(kinds, size: 64, convention: loaded.crop) { _ in }
        let (_, validation) = SourceSplit.split(crops, fraction: 0.25)
        let scores = DetectorTrainer.fakeLogits(loaded, validation).map { loaded.calibration.probability(logit: $0) }
        let recomputed = try #require(Metrics.auc(labels: validation.labels, scores: scores))
        let stored = try JSONDecoder().decode(DetectorBuilder.ValidationSummary.self,
                                              from: Data(loaded.metadata["validation"]!.utf8))
        #expect(abs(recomputed - stored.auc) < 1e-12, "AUC \(recomputed) recomputed vs \(stored.auc) stored")
        #expect(stored.real == validation.realCount && stored.fake == validation.fakeCount)
        let logLoss = Metrics.logLoss(labels: validation.labels, probabilities: scores)
        #expect(abs(logLoss - stored.logLossCalibrated) < 1e-9)
        #expect(stored.logLossCalibrated <= stored.logLossUncalibrated + 1e-9, "temperature scaling cannot raise the log loss")
        #expect(stored.operatingPoints.map(\.targetFalsePositiveRate) == [0.001, 0.005, 0.01, 0.02])
        for point in stored.operatingPoints {
            #expect(point.falsePositiveRate <= point.targetFalsePositiveRate, "\(point)")
        }

        // --epochs 0 from the built detector, same sources: the same weights and calibration, and
        // the threshold moved to the operating point asked for.
        var again = options
        again.training.epochs = 0
        again.falsePositiveRate = 0.01
        let inputsAgain = DetectorBuilder.Inputs(gan: out.path, real: [Self.faces], fake: [gan.path], realIndex: index,
                                                 realSplit: "train", samplesPerGenerator: 192)
        var epochsAgain: [Int] = []
        let moved = try DetectorBuilder(inputs: inputsAgain, options: again).build { event in
            if case .training(.epoch(let r), _) = event { epochsAgain.append(r.epoch) }
        }
        #expect(epochsAgain == [0])
        #expect(moved.model.discriminator.stateDict().sorted { $0.key < $1.key }.map(\.value) == loaded.discriminator.stateDict().sorted { $0.key < $1.key }.map(\.value))
        #expect(moved.model.calibration == loaded.calibration)
        let point = try #require(stored.operatingPoints.first { $0.targetFalsePositiveRate == 0.01 })
        #expect(moved.model.threshold == point.threshold)
        #expect(moved.summary.falsePositiveRateAtThreshold <= 0.01)
        #expect(moved.metadata["threshold_rule"]?.contains("false-positive rate <= 0.01") == true)
    }
}
