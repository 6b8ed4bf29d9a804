import GAN
import NN
import Testing

/// The pre-check stops training when D cannot separate "real" images from the untrained
/// generator's output, and passes on real-looking images.
struct PrecheckTests {
    static let architecture = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)
    static let configuration = TrainingConfiguration(batchSize: 8, seed: 5)

    @Test func failsWhenRealImagesAreTheGeneratorsOwnSamples() throws {
        let trainer = try GANTrainer(architecture: Self.architecture, configuration: Self.configuration)
        // The "real" set: the untrained G's own samples (other noise, same training-mode statistics).
        var random = SeededGenerator(seed: 99)
        let result = DiscriminatorPrecheck.run(
            generator: trainer.generator, configuration: Self.configuration, steps: 60
        ) {
            let noise = Tensor.randomNormal(shape: [8, 8, 1, 1], using: &random)
            return RealBatch(images: trainer.generator.infer(noise))
        }
        #expect(!result.passed)
        #expect(result.accuracy < 0.75)
        do {
            try result.require()
            Issue.record("require() should throw")
        } catch {
            #expect(error.code == .precheckFailed)
            #expect(error.message.contains("Pre-check failed"))
        }
    }

    @Test func passesOnRealLookingImages() throws {
        let trainer = try GANTrainer(architecture: Self.architecture, configuration: Self.configuration)
        let before = trainer.generator.stateDict()
        let source = SyntheticSource(images: SyntheticImages.make(count: 32, size: 32, seed: 4), batchSize: 8)
        let result = DiscriminatorPrecheck.run(generator: trainer.generator, configuration: Self.configuration,
                                               steps: 60) { source.nextBatch() }
        #expect(result.passed, "accuracy \(result.accuracy)")
        // The trainer's networks are untouched.
        let after = trainer.generator.stateDict()
        for key in before.keys { #expect(before[key]! == after[key]!) }
        #expect(trainer.step == 0)
    }
}
