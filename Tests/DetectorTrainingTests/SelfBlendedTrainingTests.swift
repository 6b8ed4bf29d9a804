import Detection
import Faces
import Foundation
import GAN
import Media
import NN
import Testing

@testable import DetectorTraining

/// The trainer learns from self-blended pairs made on the fly: a small detector trained on pairs
/// of two synthetic faces separates held-out pairs (another seed) it never saw.
@Suite("Training on self-blended pairs")
struct SelfBlendedTrainingTests {
    static func crops(_ pairs: SelfBlendedPairs, _ range: Range<Int>, realOnly: Bool = false) throws -> LabelledCrops {
        var out = LabelledCrops(size: pairs.crop.size)
        let codec = JPEGCodec()
        for k in range {
            let pair = try pairs.pair(k, codec: codec)
            out.append(pair.real, label: 0, group: "image:\(k)")
            if !realOnly { out.append(pair.fake, label: 1, group: "image:\(k)") }
        }
        return out
    }

    @Test("validation AUC on held-out pairs rises well above chance; the same seed trains the same weights")
    func learnsFromPairs() throws {
        let faces = [SelfBlendedPairsTests.face, SelfBlendedPairsTests.mirrored]
        let crop = FaceCropSpec.box(.utkface, size: 32)
        // No post-augmentation: the test is about the blends, and stays fast.
        let training = SelfBlendedPairs(faces: faces, seed: 1, crop: crop, augmentation: .none)
        let heldOut = SelfBlendedPairs(faces: faces, seed: 2, crop: crop, augmentation: .none)
        let validation = try Self.crops(heldOut, 0..<64)
        let reals = try Self.crops(training, 10_000..<10_064, realOnly: true)

        func train() throws -> (DetectorTrainer, [DetectorTrainer.EpochResult]) {
            let d = Discriminator(GANArchitecture(imageSize: 32, generatorWidth: 8, discriminatorWidth: 16))
            var random = SeededGenerator(seed: 7)
            DCGANInitializer.initialize(d, using: &random)
            let settings = DetectorTrainer.Settings(
                epochs: 12, batchSize: 16, learningRate: 1e-3, patience: 12, seed: 3, augmentation: .none,
                selfBlended: training, selfBlendedShare: 1)
            #expect(settings.labelledPairsPerBatch == 0)
            let trainer = DetectorTrainer(model: DetectorModel(discriminator: d), training: reals, validation: validation, settings: settings)
            return (trainer, try trainer.run { _ in })
        }
        let (trainer, history) = try train()
        let start = try #require(history.first?.validationAUC), best = try #require(history.compactMap(\.validationAUC).max())
        #expect(best >= 0.8 && best > start + 0.2, "validation AUC \(history.map { $0.validationAUC ?? .nan })")
        let (again, _) = try train()
        #expect(again.model.discriminator.stateDict() == trainer.model.discriminator.stateDict())
    }
}
