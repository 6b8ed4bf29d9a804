/// How a training session is run around the trainer: length, checkpoints, samples, metric, checks.
public struct SessionOptions: Codable, Equatable, Sendable {
    /// Passes over the training data.
    public var epochs: Int
    /// Write a checkpoint every this many iterations (and at each epoch's end).
    public var checkpointEvery: Int
    /// Checkpoints kept besides the best by SWD.
    public var keepLast: Int
    /// Images a side for the per-epoch SWD (2,048 by default; 0 turns it off).
    public var swdImages: Int
    /// Images in the per-epoch sample grid from fixed noise.
    public var sampleCount: Int
    /// D steps of the pre-check (0 skips it).
    public var precheckSteps: Int
    /// Accuracy the pre-check must reach.
    public var precheckThreshold: Double
    /// Steps over which the convergence monitor averages.
    public var monitorWindow: Int
    /// Stop after this many iterations in this sitting (`nil`: run to the end). The run stays
    /// resumable; used to split a long recipe over sittings and to simulate interruptions.
    public var stopAfter: Int?

    /// Creates options; the defaults suit a real run.
    public init(
        epochs: Int = 5, checkpointEvery: Int = 100, keepLast: Int = 3, swdImages: Int = 2048, sampleCount: Int = 64,
        precheckSteps: Int = 200, precheckThreshold: Double = 0.9, monitorWindow: Int = 200, stopAfter: Int? = nil
    ) {
        self.epochs = epochs
        self.checkpointEvery = checkpointEvery
        self.keepLast = keepLast
        self.swdImages = swdImages
        self.sampleCount = sampleCount
        self.precheckSteps = precheckSteps
        self.precheckThreshold = precheckThreshold
        self.monitorWindow = monitorWindow
        self.stopAfter = stopAfter
    }
}
