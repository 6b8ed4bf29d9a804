/// The generator's objective.
public enum GANLoss: String, Codable, Sendable, CaseIterable {
    /// G maximises log D(G(z)) (Goodfellow et al. 2014, §3): strong gradients early on. The default.
    case nonsaturating
    /// G minimises log(1 − D(G(z))), the original minimax game; saturates when D wins.
    case minimax
}

/// How the two networks are trained against each other.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// Images per batch B.
    public var batchSize: Int
    /// Discriminator steps per generator step (`--d-steps k`), each on its own real batch.
    public var discriminatorSteps: Int
    /// The generator's objective.
    public var loss: GANLoss
    /// One-sided label smoothing (Salimans et al. 2016): D's target for real images is
    /// `1 − labelSmoothing` (0 = off); the fake target stays 0.
    public var labelSmoothing: Double
    /// Adam learning rate of the generator, and of the discriminator unless
    /// ``discriminatorLearningRate`` is set (DCGAN: 2e-4).
    public var learningRate: Double
    /// The discriminator's own learning rate (nil: ``learningRate``). A smaller one is the two
    /// time-scale update rule (Heusel et al. 2017): at 128×128 the DCGAN discriminator at 2e-4 beats
    /// the generator within 50 steps (D(G(z)) ≈ 0, G's loss 35–42, G still at its initial grey) in
    /// PyTorch as here; at 5e-5 both keep learning.
    public var discriminatorLearningRate: Double?
    /// Adam β1 (DCGAN: 0.5).
    public var beta1: Double
    /// Adam β2 (0.999).
    public var beta2: Double
    /// Seed of weights, noise and (through the data loader) data order.
    public var seed: UInt64

    /// Creates a configuration with the DCGAN paper's defaults.
    public init(
        batchSize: Int = 64, discriminatorSteps: Int = 1, loss: GANLoss = .nonsaturating,
        labelSmoothing: Double = 0, learningRate: Double = 2e-4, discriminatorLearningRate: Double? = nil,
        beta1: Double = 0.5, beta2: Double = 0.999, seed: UInt64 = 1
    ) {
        self.discriminatorLearningRate = discriminatorLearningRate
        self.batchSize = batchSize
        self.discriminatorSteps = discriminatorSteps
        self.loss = loss
        self.labelSmoothing = labelSmoothing
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.seed = seed
    }

    /// The rate D's optimizer uses.
    public var effectiveDiscriminatorLearningRate: Double { discriminatorLearningRate ?? learningRate }

    /// Checks the settings.
    /// - Throws: `TrainingError` `.invalidArchitecture` naming the bad option.
    public func validate() throws(TrainingError) {
        func fail(_ text: String) -> TrainingError { TrainingError(code: .invalidArchitecture, message: text) }
        guard batchSize >= 2 else { throw fail("--batch must be at least 2 (BatchNorm needs a batch), got \(batchSize).") }
        guard discriminatorSteps >= 1 else { throw fail("--d-steps must be at least 1, got \(discriminatorSteps).") }
        guard labelSmoothing >= 0 && labelSmoothing < 0.5 else {
            throw fail("--label-smoothing must be in [0, 0.5), got \(labelSmoothing) (0.1 is usual).")
        }
        guard learningRate > 0 && learningRate.isFinite else { throw fail("The learning rate must be positive, got \(learningRate).") }
        if let d = discriminatorLearningRate, !(d > 0 && d.isFinite) {
            throw fail("The discriminator's learning rate must be positive, got \(d).")
        }
    }
}
