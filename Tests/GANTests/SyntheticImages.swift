import Foundation
import GAN
import NN

/// Small synthetic "face-like" images for training tests: a coloured ellipse on a vertical
/// gradient, with position, size and colours drawn from a seed. Values in [-1, 1].
enum SyntheticImages {
    static func make(count: Int, size: Int, channels: Int = 3, seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: count * channels * size * size)
        for image in 0..<count {
            let cx = 0.35 + 0.3 * random.nextUniform(), cy = 0.35 + 0.3 * random.nextUniform()
            let rx = 0.18 + 0.12 * random.nextUniform(), ry = 0.22 + 0.12 * random.nextUniform()
            let face = (0..<channels).map { _ in 0.2 + 0.7 * random.nextUniform() }
            let top = (0..<channels).map { _ in -0.9 + 0.6 * random.nextUniform() }
            let bottom = (0..<channels).map { _ in -0.4 + 0.6 * random.nextUniform() }
            for c in 0..<channels {
                for y in 0..<size {
                    for x in 0..<size {
                        let (u, v) = ((Double(x) + 0.5) / Double(size), (Double(y) + 0.5) / Double(size))
                        let inside = pow((u - cx) / rx, 2) + pow((v - cy) / ry, 2) < 1
                        let background = top[c] + (bottom[c] - top[c]) * v
                        values[((image * channels + c) * size + y) * size + x] = Float(inside ? face[c] : background)
                    }
                }
            }
        }
        return Tensor(shape: [count, channels, size, size], data: values)
    }
}

/// A `RealBatchSource` over a fixed image set: a seeded shuffle per epoch, as the data loader.
final class SyntheticSource: RealBatchSource {
    let images: Tensor
    let labels: [Int]?
    let batchSize: Int
    private(set) var position: DataPosition
    private let seed: UInt64

    init(images: Tensor, labels: [Int]? = nil, batchSize: Int, seed: UInt64 = 7, position: DataPosition = DataPosition()) {
        self.images = images
        self.labels = labels
        self.batchSize = batchSize
        self.seed = seed
        self.position = position
    }

    var batchesPerEpoch: Int { images.shape[0] / batchSize }

    func order(epoch: Int) -> [Int] {
        var random = SeededGenerator(seed: seed &+ UInt64(epoch))
        return Array(0..<images.shape[0]).shuffled(using: &random)
    }

    func nextBatch() -> RealBatch {
        let indices = order(epoch: position.epoch)[(position.step * batchSize)..<((position.step + 1) * batchSize)]
        let size = images.count / images.shape[0]
        let values = images.data
        var data: [Float] = []
        for index in indices { data += values[(index * size)..<((index + 1) * size)] }
        var shape = images.shape
        shape[0] = batchSize
        position.step += 1
        if position.step >= batchesPerEpoch { position = DataPosition(epoch: position.epoch + 1, step: 0) }
        return RealBatch(images: Tensor(shape: shape, data: data), labels: labels.map { l in indices.map { l[$0] } })
    }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-tests-\(name)-\(UUID().uuidString)")
    return url
}
