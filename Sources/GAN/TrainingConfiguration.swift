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
    /// Adam learning rate for both networks (DCGAN: 2e-4).
    public var learningRate: Double
    /// Adam β1 (DCGAN: 0.5).
    public var beta1: Double
    /// Adam β2 (0.999).
    public var beta2: Double
    /// Seed of weights, noise and (through the data loader) data order.
    public var seed: UInt64

    /// Creates a configuration with the DCGAN paper's defaults.
    public init(
        batchSize: Int = 64, discriminatorSteps: Int = 1, loss: GANLoss = .nonsaturating,
        labelSmoothing: Double = 0, learningRate: Double = 2e-4, beta1: Double = 0.5, beta2: Double = 0.999,
        seed: UInt64 = 1
    ) {
        self.batchSize = batchSize
        self.discriminatorSteps = discriminatorSteps
        self.loss = loss
        self.labelSmoothing = labelSmoothing
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.seed = seed
    }

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
    }
}
