import Foundation
import NN

/// The pre-check before GAN training: a fresh discriminator is trained alone for a few hundred
/// steps on real images against the untrained generator's output. If it cannot separate them
/// (accuracy below the threshold, 0.9 by default), the data or the models are broken and a GAN
/// cannot start from there: real and generated images would look alike to D from the first step.
///
/// It touches neither the trainer's networks nor its random state: D is a new network seeded
/// apart, G is a copy, and the data comes from the caller's own source.
public enum DiscriminatorPrecheck {
    /// What the pre-check saw.
    public struct Result: Codable, Equatable, Sendable {
        /// D steps taken.
        public var steps: Int
        /// D's accuracy on real and fake together over the last quarter of the steps, each batch
        /// scored before D learned from it.
        public var accuracy: Double
        /// The bar it had to reach.
        public var threshold: Double
        /// Whether `accuracy >= threshold`.
        public var passed: Bool { accuracy >= threshold }
    }

    /// Runs the pre-check.
    /// - Parameters:
    ///   - generator: the untrained G (copied, not changed).
    ///   - configuration: batch size, learning rate and betas, seed.
    ///   - steps: D steps (a few hundred).
    ///   - threshold: the accuracy D must reach.
    ///   - nextBatch: real batches `[B, C, S, S]` (with labels when conditional).
    /// - Returns: the result; check `passed`, or use `require`.
    public static func run(
        generator: Generator, configuration: TrainingConfiguration, steps: Int, threshold: Double = 0.9,
        nextBatch: () -> RealBatch
    ) -> Result {
        let architecture = generator.architecture
        let copy = Generator(architecture)
        for ((_, target), (_, source)) in zip(copy.stateEntries(), generator.stateEntries()) {
            switch (target, source) {
            case (.parameter(let t), .parameter(let s)): t.value = s.value
            case (.buffer(let t), .buffer(let s)): t.value = s.value
            default: preconditionFailure("Generator copy entries differ")
            }
        }
        let discriminator = Discriminator(architecture)
        var random = SeededGenerator(seed: configuration.seed ^ 0x7072_6563_6865_636B)
        GANTrainer.initialize(discriminator.main, kind: architecture.kind, using: &random)
        let optimizer = Adam(parameters: discriminator.parameters, learningRate: configuration.effectiveDiscriminatorLearningRate,
                             betas: (configuration.beta1, configuration.beta2))
        let k = architecture.classCount
        let scored = max(1, steps / 4)
        var correct = 0
        var total = 0
        for step in 0..<steps {
            let batch = nextBatch()
            let n = batch.images.shape[0]
            let noise = Tensor.randomNormal(shape: [n, architecture.noiseSize, 1, 1], using: &random)
            let labels: [Int]? = k > 0 ? (0..<n).map { _ in Int(random.next() % UInt64(k)) } : nil
            let fake = copy.infer(Conditioning.generatorInput(noise: noise, labels: labels, classCount: k))

            discriminator.zeroGradients()
            let pReal = discriminator.forward(
                Conditioning.discriminatorInput(images: batch.images, labels: batch.labels, classCount: k), recording: true)
            let (_, gradReal) = Loss.binaryCrossEntropy(probabilities: pReal, targets: Tensor(repeating: 1, shape: [n]))
            _ = discriminator.backward(gradReal, inputGradient: false, parameterGradients: true)
            let pFake = discriminator.forward(
                Conditioning.discriminatorInput(images: fake, labels: labels, classCount: k), recording: true)
            let (_, gradFake) = Loss.binaryCrossEntropy(probabilities: pFake, targets: Tensor(zeros: [n]))
            _ = discriminator.backward(gradFake, inputGradient: false, parameterGradients: true)
            if step >= steps - scored {
                correct += pReal.data.filter { $0 > 0.5 }.count + pFake.data.filter { $0 < 0.5 }.count
                total += 2 * n
            }
            optimizer.step()
        }
        return Result(steps: steps, accuracy: total > 0 ? Double(correct) / Double(total) : 0, threshold: threshold)
    }
}

extension DiscriminatorPrecheck.Result {
    /// Throws when the pre-check failed.
    /// - Throws: `TrainingError` `.precheckFailed` with what it means and what to check.
    public func require() throws(TrainingError) {
        guard !passed else { return }
        throw TrainingError(
            code: .precheckFailed,
            message: "Pre-check failed: a discriminator trained alone for \(steps) steps separates real images from the "
                + "untrained generator's output with accuracy \(String(format: "%.3f", accuracy)), below \(threshold). "
                + "A GAN cannot start from there. Check that the training images are real, varied and normalised "
                + "to [-1, 1], and that the image size matches the architecture.")
    }
}

