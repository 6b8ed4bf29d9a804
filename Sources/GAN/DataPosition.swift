/// Where the data loader stands: the epoch and the batch within it, so a resumed run takes the
/// same batches an uninterrupted run would. Mirrors `Datasets.BatchPosition`.
public struct DataPosition: Codable, Equatable, Sendable {
    /// The epoch, from 0.
    public var epoch: Int
    /// The batch within the epoch, from 0: the next batch to take.
    public var step: Int

    /// Creates a position.
    public init(epoch: Int = 0, step: Int = 0) {
        self.epoch = epoch
        self.step = step
    }
}
