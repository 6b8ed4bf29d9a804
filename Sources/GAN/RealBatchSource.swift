/// Where a training session takes its real batches from: the executable adapts the `Datasets`
/// batch loader to it; tests use synthetic images.
public protocol RealBatchSource: AnyObject {
    /// Batches in one pass over the data.
    var batchesPerEpoch: Int { get }
    /// The position of the next batch, saved in checkpoints to resume the same data order.
    var position: DataPosition { get }
    /// The next batch, `[B, C, S, S]` in [-1, 1], with labels for a conditional GAN; advances
    /// `position`.
    func nextBatch() -> RealBatch
}
