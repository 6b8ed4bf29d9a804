import Foundation
import GAN
import NN
import Testing

/// The two time-scale update rule: D's optimizer takes `--d-lr`, G's `--lr`; old run files without
/// the setting still read, with D at G's rate.
struct LearningRateTests {
    /// Largest absolute change of any parameter between two snapshots.
    static func largestStep(_ before: [[Float]], _ after: [Parameter]) -> Float {
        zip(before, after).map { b, p in zip(b, p.value.data).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    @Test("Adam's first step moves D's weights by at most D's rate and G's by at most G's")
    func separateRates() throws {
        let a = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)
        let images = SyntheticImages.make(count: 8, size: 32, channels: 3, seed: 5)
        for (lr, dLR) in [(2e-4, 5e-5), (2e-4, 2e-4)] {
            let configuration = TrainingConfiguration(batchSize: 8, learningRate: lr, discriminatorLearningRate: dLR, seed: 3)
            let trainer = try GANTrainer(architecture: a, configuration: configuration)
            let d0 = trainer.discriminator.parameters.map(\.value.data), g0 = trainer.generator.parameters.map(\.value.data)
            _ = trainer.trainIteration([RealBatch(images: images)])
            let dStep = Self.largestStep(d0, trainer.discriminator.parameters)
            let gStep = Self.largestStep(g0, trainer.generator.parameters)
            // Adam's first update is lr · m̂/(√v̂ + ε), at most lr and close to it for most weights.
            #expect(dStep <= Float(dLR) * 1.001 && dStep > Float(dLR) * 0.9, "D moved \(dStep) at rate \(dLR)")
            #expect(gStep <= Float(lr) * 1.001 && gStep > Float(lr) * 0.9, "G moved \(gStep) at rate \(lr)")
        }
    }

    @Test("a configuration saved before the discriminator's own rate existed reads with D at G's rate")
    func oldRunFilesRead() throws {
        let old = #"{"batchSize":64,"discriminatorSteps":1,"loss":"nonsaturating","labelSmoothing":0,"learningRate":0.0002,"beta1":0.5,"beta2":0.999,"seed":7}"#
        let configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(old.utf8))
        #expect(configuration.discriminatorLearningRate == nil)
        #expect(configuration.effectiveDiscriminatorLearningRate == 2e-4)
        var bad = configuration
        bad.discriminatorLearningRate = -1
        #expect(throws: TrainingError.self) { try bad.validate() }
    }
}
