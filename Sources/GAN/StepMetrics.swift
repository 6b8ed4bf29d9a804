import NN

/// What one training iteration (k D steps and one G step) measured; one line of `metrics.jsonl`.
public struct StepMetrics: Codable, Equatable, Sendable {
    /// The iteration number, counting from 1 over the whole run.
    public var step: Int
    /// The epoch the last real batch came from (from 0).
    public var epoch: Int
    /// D's loss on the last D step: BCE on real plus BCE on fake, as the reference's `errD`.
    public var lossD: Float
    /// G's loss: BCE(D(G(z)), 1) for nonsaturating, mean log(1 − D(G(z))) for minimax.
    public var lossG: Float
    /// Mean D(x) on the last real batch (before D's update).
    public var dReal: Float
    /// Mean D(G(z)) on the last fake batch before D's update (the reference's `D_G_z1`).
    public var dFake: Float
    /// Mean D(G(z)) after D's update, seen by the G step (`D_G_z2`).
    public var dFakeAfter: Float
    /// Fraction of real images with D(x) > 0.5 in the last D step.
    public var accuracyReal: Float
    /// Fraction of fake images with D(G(z)) < 0.5 in the last D step.
    public var accuracyFake: Float
    /// Training throughput: real images consumed per second in this iteration (0 when not timed).
    public var imagesPerSecond: Double

    /// Creates a record (the trainer fills it in; tests and tools build their own).
    public init(step: Int, epoch: Int, lossD: Float, lossG: Float, dReal: Float, dFake: Float, dFakeAfter: Float,
                accuracyReal: Float, accuracyFake: Float, imagesPerSecond: Double) {
        self.step = step
        self.epoch = epoch
        self.lossD = lossD
        self.lossG = lossG
        self.dReal = dReal
        self.dFake = dFake
        self.dFakeAfter = dFakeAfter
        self.accuracyReal = accuracyReal
        self.accuracyFake = accuracyFake
        self.imagesPerSecond = imagesPerSecond
    }

    /// D's accuracy over real and fake together.
    public var accuracy: Float { (accuracyReal + accuracyFake) / 2 }

    enum CodingKeys: String, CodingKey {
        case step, epoch
        case lossD = "loss_d", lossG = "loss_g", dReal = "d_real", dFake = "d_fake", dFakeAfter = "d_fake_after"
        case accuracyReal = "accuracy_real", accuracyFake = "accuracy_fake"
        case imagesPerSecond = "images_per_second"
    }
}

/// A batch of real training images.
public struct RealBatch {
    /// `[B, C, S, S]` in [-1, 1].
    public var images: Tensor
    /// B class indices for a conditional GAN, else `nil`.
    public var labels: [Int]?

    /// Creates a batch.
    public init(images: Tensor, labels: [Int]? = nil) {
        self.images = images
        self.labels = labels
    }
}
