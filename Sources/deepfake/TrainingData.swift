import Datasets
import Foundation
import GAN
import NN

/// The training and holdout images of `deepfake train` and `evaluate gan`, from `Datasets`
/// (cached, centre-cropped, resized), and their adaptation to the GAN module's `RealBatchSource`.
enum TrainingData {
    /// Loads and joins the images of every folder (a split and labels from the index CSV).
    /// - Parameters:
    ///   - cache: the dataset cache folder (`nil`: no cache).
    static func load(folders: [String], size: Int, index: String?, split: String?, labelColumn: String?,
                     cache: String?, limit: Int? = nil) throws -> FaceImageSet {
        var sets: [FaceImageSet] = []
        for folder in folders {
            let selection = FolderSelection(indexCSV: index, split: index == nil ? nil : split, labelColumn: labelColumn)
            sets.append(try FaceImageSet.load(folder: folder, size: size, selection: selection, cacheFolder: cache))
        }
        if labelColumn != nil && index == nil {
            throw CleanError("--label-column needs --labels CSV (or --index CSV) naming each image's class.")
        }
        var joined = sets.count == 1 ? sets[0] : FaceImageSet(
            size: size, pixels: sets.flatMap(\.pixels),
            labels: labelColumn == nil ? nil : sets.flatMap { $0.labels ?? [] }, sources: sets.flatMap(\.sources),
            skipped: sets.flatMap(\.skipped))
        if let limit, limit < joined.count { joined = joined.subset(Array(0..<limit)) }
        for skipped in joined.skipped.prefix(5) { Terminal.error("warning: skipped \(skipped.source): \(skipped.reason)") }
        if joined.skipped.count > 5 { Terminal.error("warning: skipped \(joined.skipped.count) unreadable images in all") }
        return joined
    }

    /// The first `count` images from `offset` as `[n, C, S, S]` in [-1, 1] (C = 1: luma).
    static func tensor(_ set: FaceImageSet, first count: Int, channels: Int, offset: Int = 0) -> Tensor {
        let n = max(0, min(count, set.count - offset))
        return ImageTensors.tensor(pixels: set.pixels, indices: Array(offset..<(offset + n)), size: set.size,
                                   channels: channels)
    }
}

/// `Datasets.BatchLoader` as the GAN's batch source; grey architectures get the luma channel.
final class LoaderBatchSource: RealBatchSource {
    private let loader: BatchLoader
    private let channels: Int

    init(set: FaceImageSet, batchSize: Int, seed: UInt64, flip: Bool, channels: Int, position: DataPosition) {
        loader = BatchLoader(dataset: set, batchSize: batchSize, seed: seed, flip: flip,
                             position: BatchPosition(epoch: position.epoch, step: position.step))
        self.channels = channels
    }

    var batchesPerEpoch: Int { loader.batchesPerEpoch }
    var position: DataPosition { DataPosition(epoch: loader.position.epoch, step: loader.position.step) }

    func nextBatch() -> RealBatch {
        let batch = loader.next()
        return RealBatch(images: channels == 1 ? ImageTensors.luma(batch.images) : batch.images, labels: batch.labels)
    }
}

/// Batches in a fixed order given as image indices, batch after batch over the whole run, with no
/// flips: the benchmarks' shared data order with the PyTorch peer.
final class FixedOrderBatchSource: RealBatchSource {
    private let set: FaceImageSet
    private let order: [Int]
    private let batchSize: Int
    private let channels: Int
    private(set) var position: DataPosition

    init(set: FaceImageSet, order: [Int], batchSize: Int, channels: Int, position: DataPosition) {
        self.set = set
        self.order = order
        self.batchSize = batchSize
        self.channels = channels
        self.position = position
    }

    var batchesPerEpoch: Int { max(1, set.count / batchSize) }

    func nextBatch() -> RealBatch {
        let offset = (position.epoch * batchesPerEpoch + position.step) * batchSize
        let indices = (offset..<(offset + batchSize)).map { order[$0 % order.count] }
        position.step += 1
        if position.step >= batchesPerEpoch { position = DataPosition(epoch: position.epoch + 1, step: 0) }
        return RealBatch(images: ImageTensors.tensor(pixels: set.pixels, indices: indices, size: set.size, channels: channels),
                         labels: set.labels.map { labels in indices.map { labels[$0] } })
    }
}
