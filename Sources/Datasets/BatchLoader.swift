import Foundation
import NN

/// Where a loader is in its stream of batches: the next batch to hand out.
public struct BatchPosition: Codable, Equatable, Sendable {
    public var epoch: Int
    /// The batch index within the epoch.
    public var step: Int

    public init(epoch: Int = 0, step: Int = 0) {
        self.epoch = epoch
        self.step = step
    }
}

/// Training batches from a `FaceImageSet`: shuffled deterministically, flipped horizontally at
/// random, normalised to [-1, 1], and prepared one batch ahead on a background thread.
///
/// Determinism: epoch `e`'s order and flips come from `SeededGenerator(seed: seed ^ mix(e))`
/// alone, so a loader created at any `BatchPosition` continues exactly where another left off.
/// That is what makes `train --resume` reproduce an uninterrupted run bit for bit. Each epoch has
/// `count / batchSize` batches; the last incomplete batch is dropped, as BatchNorm's statistics
/// on a tiny batch would be noise.
public final class BatchLoader: @unchecked Sendable {
    public let dataset: FaceImageSet
    public let batchSize: Int
    public let seed: UInt64
    public let flip: Bool
    /// The position of the next batch `next()` returns.
    public private(set) var position: BatchPosition
    public var batchesPerEpoch: Int { dataset.count / batchSize }

    private var order: (epoch: Int, permutation: [Int], flips: [Bool])?
    private let queue = DispatchQueue(label: "deepfake.batch-prefetch")
    private var prefetched: (position: BatchPosition, group: DispatchGroup, box: Box)?

    private final class Box: @unchecked Sendable {
        var images: [Float] = []
        var labels: [Int]?
    }

    /// - Parameters:
    ///   - dataset: the images; needs at least `batchSize` of them.
    ///   - position: where to start (a checkpoint's saved position to resume).
    public init(dataset: FaceImageSet, batchSize: Int, seed: UInt64, flip: Bool = true, position: BatchPosition = .init()) {
        precondition(batchSize >= 1 && dataset.count >= batchSize, "BatchLoader needs at least \(batchSize) images, has \(dataset.count)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        self.flip = flip
        self.position = position
    }

    /// The next batch: images `[batchSize, 3, size, size]` in [-1, 1], their labels if the set
    /// has any, and the position it was taken from.
    public func next() -> (images: Tensor, labels: [Int]?, position: BatchPosition) {
        let current = position
        let box: Box
        if let ready = prefetched, ready.position == current {
            ready.group.wait()
            box = ready.box
        } else {
            box = Box()
            fill(box, at: current)
        }
        position = advance(current)
        prefetch(position)
        let size = dataset.size
        return (Tensor(shape: [batchSize, 3, size, size], data: box.images), box.labels, current)
    }

    private func advance(_ p: BatchPosition) -> BatchPosition {
        p.step + 1 >= batchesPerEpoch ? BatchPosition(epoch: p.epoch + 1, step: 0) : BatchPosition(epoch: p.epoch, step: p.step + 1)
    }

    private func prefetch(_ p: BatchPosition) {
        let group = DispatchGroup()
        let box = Box()
        // The epoch order is computed here, on the caller's thread, so the worker only reads.
        let plan = indices(at: p)
        group.enter()
        queue.async { [dataset] in
            Self.fill(box, dataset: dataset, plan: plan)
            group.leave()
        }
        prefetched = (p, group, box)
    }

    private func fill(_ box: Box, at p: BatchPosition) {
        Self.fill(box, dataset: dataset, plan: indices(at: p))
    }

    /// Image indices and flip flags of the batch at `p`.
    func indices(at p: BatchPosition) -> [(index: Int, flip: Bool)] {
        if order?.epoch != p.epoch {
            var generator = SeededGenerator(seed: seed ^ (UInt64(p.epoch) &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019))
            var permutation = Array(0..<dataset.count)
            // Fisher–Yates with 64-bit draws; the modulo bias (< count / 2⁶⁴) is negligible.
            for i in stride(from: permutation.count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                permutation.swapAt(i, j)
            }
            let flips = (0..<dataset.count).map { _ in flip && generator.next() & 1 == 1 }
            order = (p.epoch, permutation, flips)
        }
        let start = p.step * batchSize
        return (start..<start + batchSize).map { (order!.permutation[$0], order!.flips[$0]) }
    }

    private static func fill(_ box: Box, dataset: FaceImageSet, plan: [(index: Int, flip: Bool)]) {
        let size = dataset.size
        let plane = size * size
        var images = [Float](repeating: 0, count: plan.count * 3 * plane)
        dataset.pixels.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                for (b, item) in plan.enumerated() {
                    let base = item.index * plane * 3
                    for y in 0..<size {
                        for x in 0..<size {
                            let sx = item.flip ? size - 1 - x : x
                            let s = base + (y * size + sx) * 3
                            let d = b * 3 * plane + y * size + x
                            // ToTensor then Normalize(0.5, 0.5): v / 255 * 2 - 1 = v / 127.5 - 1.
                            dst[d] = Float(src[s]) / 127.5 - 1
                            dst[d + plane] = Float(src[s + 1]) / 127.5 - 1
                            dst[d + 2 * plane] = Float(src[s + 2]) / 127.5 - 1
                        }
                    }
                }
            }
        }
        box.images = images
        box.labels = dataset.labels.map { labels in plan.map { labels[$0.index] } }
    }
}
