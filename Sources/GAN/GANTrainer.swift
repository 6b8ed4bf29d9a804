import Foundation
import NN

/// Trains a generator and a discriminator against each other, as pytorch/examples `dcgan/main.py`
/// generalised: `k` discriminator steps per generator step, nonsaturating or minimax G loss,
/// one-sided label smoothing.
///
/// One iteration with k = 1, the nonsaturating loss and no smoothing is exactly the reference's:
/// D on a real batch (target 1) and on `G(z)` detached (target 0), one Adam step for D; then G
/// through the updated D on the same fake batch (target 1), one Adam step for G. With k > 1 each D
/// step draws fresh noise and takes its own real batch, and the G step reuses the last D step's fake.
///
/// All randomness (noise, fake labels) comes from `random`, whose state a checkpoint stores, so a
/// resumed run continues bit for bit.
public final class GANTrainer {
    /// G.
    public let generator: Generator
    /// D.
    public let discriminator: Discriminator
    /// G's Adam.
    public let optimizerG: Adam
    /// D's Adam.
    public let optimizerD: Adam
    /// The training settings.
    public let configuration: TrainingConfiguration
    /// The noise source; its state is part of a checkpoint.
    public var random: SeededGenerator
    /// Iterations completed.
    public var step: Int = 0

    /// The architecture of both networks.
    public var architecture: GANArchitecture { generator.architecture }

    /// Builds both networks, initialised as the DCGAN paper (mlp: N(0, 0.02) weights, zero biases)
    /// from `configuration.seed`, and their optimizers.
    /// - Throws: `TrainingError` `.invalidArchitecture`.
    public convenience init(architecture: GANArchitecture, configuration: TrainingConfiguration) throws(TrainingError) {
        try architecture.validate()
        try configuration.validate()
        let generator = Generator(architecture)
        let discriminator = Discriminator(architecture)
        var weights = SeededGenerator(seed: configuration.seed)
        Self.initialize(generator.main, kind: architecture.kind, using: &weights)
        Self.initialize(discriminator.main, kind: architecture.kind, using: &weights)
        // Noise uses its own stream, derived from the seed, so it does not depend on the model size.
        self.init(generator: generator, discriminator: discriminator, configuration: configuration,
                  random: SeededGenerator(seed: configuration.seed ^ 0x6E6F_6973_6500_0001))
    }

    /// Wraps existing networks (e.g. loaded from a file) with fresh optimizers.
    public init(generator: Generator, discriminator: Discriminator, configuration: TrainingConfiguration,
                random: SeededGenerator) {
        precondition(generator.architecture == discriminator.architecture, "G and D architectures differ")
        self.generator = generator
        self.discriminator = discriminator
        self.configuration = configuration
        self.random = random
        let betas = (configuration.beta1, configuration.beta2)
        optimizerG = Adam(parameters: generator.parameters, learningRate: configuration.learningRate, betas: betas)
        optimizerD = Adam(parameters: discriminator.parameters, learningRate: configuration.effectiveDiscriminatorLearningRate, betas: betas)
    }

    /// DCGAN initialisation for conv nets; N(0, 0.02) weights and zero biases for the mlp's Linear
    /// layers. Tensors are filled in layer order from `random`.
    static func initialize(_ main: Sequential, kind: GANArchitecture.Kind, using random: inout SeededGenerator) {
        switch kind {
        case .dcgan:
            DCGANInitializer.initialize(main, using: &random)
        case .mlp:
            for case let linear as Linear in main.layers {
                linear.weight.value = .randomNormal(shape: linear.weight.value.shape, standardDeviation: 0.02,
                                                    using: &random)
                if let bias = linear.bias { bias.value = Tensor(zeros: bias.value.shape) }
            }
        }
    }

    // MARK: - Noise

    /// Draws B noise vectors `[B, nz, 1, 1]` from `random`.
    public func sampleNoise(count: Int) -> Tensor {
        .randomNormal(shape: [count, architecture.noiseSize, 1, 1], using: &random)
    }

    /// Draws B uniform class labels from `random`, or `nil` when unconditional.
    public func sampleLabels(count: Int) -> [Int]? {
        let classes = architecture.classCount
        guard classes > 0 else { return nil }
        return (0..<count).map { _ in Int(random.next() % UInt64(classes)) }
    }

    // MARK: - Training

    /// One iteration: `k` D steps, each on one of `batches`, then one G step; noise and fake labels
    /// drawn from `random`.
    /// - Parameter batches: k real batches `[B, C, S, S]` (with labels when conditional).
    /// - Returns: the iteration's metrics (`epoch` and `imagesPerSecond` left 0 for the caller).
    public func trainIteration(_ batches: [RealBatch]) -> StepMetrics {
        let noise = batches.map { sampleNoise(count: $0.images.shape[0]) }
        let fakeLabels = batches.map { sampleLabels(count: $0.images.shape[0]) }
        return trainIteration(batches, noise: noise, fakeLabels: fakeLabels)
    }

    /// One iteration with given noise, for comparing with a reference run.
    /// - Parameters:
    ///   - batches: k real batches.
    ///   - noise: k noise tensors `[B, nz, 1, 1]`.
    ///   - fakeLabels: k label lists for the fakes (`nil` entries when unconditional).
    public func trainIteration(_ batches: [RealBatch], noise: [Tensor], fakeLabels: [[Int]?]) -> StepMetrics {
        precondition(batches.count == configuration.discriminatorSteps && noise.count == batches.count,
                     "trainIteration needs \(configuration.discriminatorSteps) real batches and noise tensors")
        let a = architecture
        let realTarget = Float(1 - configuration.labelSmoothing)
        var metrics = StepMetrics(step: step + 1, epoch: 0, lossD: 0, lossG: 0, dReal: 0, dFake: 0, dFakeAfter: 0,
                                  accuracyReal: 0, accuracyFake: 0, imagesPerSecond: 0)
        var fake = Tensor(zeros: [0])
        var lastLabels: [Int]? = nil
        for index in batches.indices {
            let batch = batches[index]
            let n = batch.images.shape[0]
            let isLast = index == batches.count - 1
            discriminator.zeroGradients()
            let realInput = Conditioning.discriminatorInput(images: batch.images, labels: batch.labels,
                                                            classCount: a.classCount)
            let pReal = discriminator.forward(realInput, recording: true)
            let (lossReal, gradReal) = Loss.binaryCrossEntropy(
                probabilities: pReal, targets: Tensor(repeating: realTarget, shape: [n]))
            _ = discriminator.backward(gradReal, inputGradient: false, parameterGradients: true)

            let input = Conditioning.generatorInput(noise: noise[index], labels: fakeLabels[index],
                                                    classCount: a.classCount)
            // Only the fake batch the G step uses needs G's recording.
            fake = generator.forward(input, recording: isLast)
            lastLabels = fakeLabels[index]
            let pFake = discriminator.forward(
                Conditioning.discriminatorInput(images: fake, labels: fakeLabels[index], classCount: a.classCount),
                recording: true)
            let (lossFake, gradFake) = Loss.binaryCrossEntropy(probabilities: pFake, targets: Tensor(zeros: [n]))
            _ = discriminator.backward(gradFake, inputGradient: false, parameterGradients: true)
            optimizerD.step()

            if isLast {
                metrics.lossD = lossReal + lossFake
                metrics.dReal = Self.mean(pReal)
                metrics.dFake = Self.mean(pFake)
                metrics.accuracyReal = Self.fraction(pReal) { $0 > 0.5 }
                metrics.accuracyFake = Self.fraction(pFake) { $0 < 0.5 }
            }
        }

        generator.zeroGradients()
        let n = fake.shape[0]
        let pFake = discriminator.forward(
            Conditioning.discriminatorInput(images: fake, labels: lastLabels, classCount: a.classCount),
            recording: true)
        let lossG: Float
        let gradient: Tensor
        switch configuration.loss {
        case .nonsaturating:
            (lossG, gradient) = Loss.binaryCrossEntropy(probabilities: pFake, targets: Tensor(repeating: 1, shape: [n]))
        case .minimax:
            // minimise mean log(1 − p) = −BCE(p, 0); its gradient is −∂BCE(p, 0)/∂p.
            let (bce, bceGradient) = Loss.binaryCrossEntropy(probabilities: pFake, targets: Tensor(zeros: [n]))
            lossG = -bce
            gradient = Self.negated(bceGradient)
        }
        // D's parameter gradients are not needed: D's next step zeroes them first.
        let gradInput = discriminator.backward(gradient, inputGradient: true, parameterGradients: false)!
        _ = generator.backward(Conditioning.imageGradient(gradInput, channels: a.channels),
                               inputGradient: false, parameterGradients: true)
        optimizerG.step()
        metrics.lossG = lossG
        metrics.dFakeAfter = Self.mean(pFake)
        step += 1
        return metrics
    }

    // MARK: - Small reductions

    static func mean(_ tensor: Tensor) -> Float {
        tensor.withUnsafeBufferPointer { values in
            Float(values.reduce(0.0) { $0 + Double($1) } / Double(max(values.count, 1)))
        }
    }

    static func fraction(_ tensor: Tensor, where predicate: (Float) -> Bool) -> Float {
        tensor.withUnsafeBufferPointer { values in
            Float(values.filter(predicate).count) / Float(max(values.count, 1))
        }
    }

    static func negated(_ tensor: Tensor) -> Tensor {
        var result = tensor
        result.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = -values[index] }
        }
        return result
    }
}
