import Dispatch
import NN

/// Sliced Wasserstein distance between image sets on Laplacian-pyramid patches (Karras et al.,
/// "Progressive Growing of GANs", ICLR 2018, §5; progressive_growing_of_gans
/// `metrics/sliced_wasserstein.py`).
///
/// For each pyramid level from the full resolution down to 16×16: take `patchesPerImage` random
/// `patchSize × patchSize` patches per image (all channels, 7·7·3 = 147 values), normalise each
/// channel over the set to mean 0 and standard deviation 1, project all patches on random unit
/// directions, sort the projections of both sets and average the absolute differences. Directions
/// come in `draws` draws of `projections / draws` each; the result is the mean over draws. As in
/// the reference the distances are reported ×10³, per level and averaged over levels.
///
/// Everything is seeded, so the same images give the same distance.
public enum SlicedWasserstein {
    /// The metric's fixed settings, recorded wherever a distance is reported.
    public struct Settings: Codable, Equatable, Sendable {
        /// Patch side (7).
        public var patchSize: Int = 7
        /// Patches per image and level (128).
        public var patchesPerImage: Int = 128
        /// Random directions in total (512).
        public var projections: Int = 512
        /// Draws the directions come in, averaged (4, so 128 directions a draw).
        public var draws: Int = 4
        /// Coarsest pyramid level (16).
        public var minimumResolution: Int = 16
        /// Seed of patch positions and directions.
        public var seed: UInt64 = 2018

        /// The reference settings.
        public init() {}
    }

    /// A distance per pyramid level.
    public struct Result: Codable, Equatable, Sendable {
        /// Level resolutions, finest first (64, 32, 16 for 64×64 images).
        public var resolutions: [Int]
        /// SWD ×10³ per level.
        public var perLevel: [Double]
        /// Mean of `perLevel`: the number reported as "SWD".
        public var average: Double
    }

    /// Patch descriptors of an image set, gathered batch by batch, then normalised.
    public struct Descriptors {
        /// Settings used.
        public let settings: Settings
        /// Resolutions of the levels.
        public let resolutions: [Int]
        /// Per level: descriptors of `channels · patch²` values each, concatenated.
        public private(set) var levels: [[Float]]
        /// Values per descriptor.
        public let width: Int
        private var random: SeededGenerator

        /// An empty set for images of `imageSize` and `channels`.
        /// - Parameters:
        ///   - salt: makes patch positions differ between sets (real, generated, holdout halves).
        public init(imageSize: Int, channels: Int, settings: Settings = Settings(), salt: UInt64) {
            self.settings = settings
            var resolutions: [Int] = []
            var side = imageSize
            while side >= settings.minimumResolution { resolutions.append(side); side /= 2 }
            if resolutions.isEmpty { resolutions = [imageSize] }
            self.resolutions = resolutions
            self.levels = Array(repeating: [], count: resolutions.count)
            self.width = channels * settings.patchSize * settings.patchSize
            self.random = SeededGenerator(seed: settings.seed &+ salt &* 0x9E37_79B9)
        }

        /// The number of descriptors per level so far.
        public var count: Int { levels.first.map { $0.count / width } ?? 0 }

        /// Adds the patches of a batch.
        /// - Parameter images: `[N, C, S, S]`, any value range (normalisation removes it).
        public mutating func add(_ images: Tensor) {
            let (n, channels, side) = (images.shape[0], images.shape[1], images.shape[2])
            precondition(side == resolutions[0] && channels * settings.patchSize * settings.patchSize == width,
                         "SWD descriptors expect [N, \(width / (settings.patchSize * settings.patchSize)), \(resolutions[0]), …], got \(images.shape)")
            let values = images.data
            let half = settings.patchSize / 2
            for image in 0..<n {
                // pyramids[c][level]
                let pyramids = (0..<channels).map { c in
                    LaplacianPyramid.build(
                        Array(values[((image * channels + c) * side * side)..<((image * channels + c + 1) * side * side)]),
                        side: side, levels: resolutions.count)
                }
                for (level, resolution) in resolutions.enumerated() {
                    let span = UInt64(max(resolution - 2 * half, 1))
                    for _ in 0..<settings.patchesPerImage {
                        let x = half + Int(random.next() % span)
                        let y = half + Int(random.next() % span)
                        for c in 0..<channels {
                            let plane = pyramids[c][level]
                            for dy in -half...half {
                                let row = (y + dy) * resolution
                                for dx in -half...half { levels[level].append(plane[row + x + dx]) }
                            }
                        }
                    }
                }
            }
        }

        /// Each channel of each level normalised to mean 0, standard deviation 1 over all
        /// descriptors (the reference's `finalize_descriptors`).
        func normalised() -> [[Float]] {
            let channels = width / (settings.patchSize * settings.patchSize)
            let perChannel = settings.patchSize * settings.patchSize
            return levels.map { level in
                var result = level
                let rows = level.count / width
                for c in 0..<channels {
                    var (total, squares) = (0.0, 0.0)
                    for row in 0..<rows {
                        for k in 0..<perChannel {
                            let value = Double(level[row * width + c * perChannel + k])
                            total += value
                            squares += value * value
                        }
                    }
                    let count = Double(rows * perChannel)
                    let mean = total / count
                    let std = max((squares / count - mean * mean).squareRoot(), 1e-12)
                    for row in 0..<rows {
                        for k in 0..<perChannel {
                            let index = row * width + c * perChannel + k
                            result[index] = Float((Double(level[index]) - mean) / std)
                        }
                    }
                }
                return result
            }
        }
    }

    /// The SWD between two descriptor sets of equal size.
    /// - Parameters:
    ///   - a: one set (e.g. real holdout images).
    ///   - b: the other (e.g. generated images), same count, size and settings.
    /// - Returns: ×10³ distances per level and their mean.
    public static func distance(_ a: Descriptors, _ b: Descriptors) -> Result {
        precondition(a.resolutions == b.resolutions && a.width == b.width && a.count == b.count && a.count > 0,
                     "SWD needs two non-empty descriptor sets of the same size (\(a.count) vs \(b.count))")
        let settings = a.settings
        let (normalA, normalB) = (a.normalised(), b.normalised())
        let rows = a.count
        let perDraw = max(settings.projections / settings.draws, 1)
        var perLevel: [Double] = []
        for level in a.resolutions.indices {
            let matrixA = Tensor(shape: [rows, a.width], data: normalA[level])
            let matrixB = Tensor(shape: [rows, a.width], data: normalB[level])
            var drawTotal = 0.0
            for draw in 0..<settings.draws {
                var random = SeededGenerator(seed: settings.seed &+ UInt64(level * 1000 + draw) &* 0x5851_F42D)
                var directions = Tensor.randomNormal(shape: [perDraw, a.width], using: &random)
                directions.withUnsafeMutableBufferPointer { d in
                    for row in 0..<perDraw {
                        var norm = 0.0
                        for k in 0..<a.width { norm += Double(d[row * a.width + k] * d[row * a.width + k]) }
                        let scale = Float(1 / norm.squareRoot())
                        for k in 0..<a.width { d[row * a.width + k] *= scale }
                    }
                }
                // Projections [rows, perDraw] = descriptors [rows, width] · directionsᵀ, by Linear's sgemm.
                let projector = Linear(inputFeatures: a.width, outputFeatures: perDraw, bias: false)
                projector.weight.value = directions
                let projectedA = projector.infer(matrixA).data
                let projectedB = projector.infer(matrixB).data
                drawTotal += meanSortedDifference(projectedA, projectedB, rows: rows, columns: perDraw)
            }
            perLevel.append(drawTotal / Double(settings.draws) * 1e3)
        }
        return Result(resolutions: a.resolutions, perLevel: perLevel,
                      average: perLevel.reduce(0, +) / Double(max(perLevel.count, 1)))
    }

    /// Mean over columns of the mean |sorted(a[:, j]) − sorted(b[:, j])|; columns split over cores.
    static func meanSortedDifference(_ a: [Float], _ b: [Float], rows: Int, columns: Int) -> Double {
        let sums = ColumnSums(count: columns)
        DispatchQueue.concurrentPerform(iterations: columns) { column in
            let x = sortedColumn(a, column: column, rows: rows, columns: columns)
            let y = sortedColumn(b, column: column, rows: rows, columns: columns)
            var total = 0.0
            for row in 0..<rows { total += Double(abs(x[row] - y[row])) }
            sums.set(column, total / Double(rows))
        }
        return sums.values.reduce(0, +) / Double(columns)
    }

    /// Column `column` of a row-major matrix, sorted ascending by a two-pass LSD radix sort on
    /// order-preserving keys of the float bits (10⁵ values: ~10× faster than a comparison sort).
    static func sortedColumn(_ matrix: [Float], column: Int, rows: Int, columns: Int) -> [Float] {
        // Order-preserving map: flip all bits of negatives, set the sign bit of non-negatives.
        var keys = [UInt32](unsafeUninitializedCapacity: rows) { buffer, count in
            for row in 0..<rows {
                let bits = matrix[row * columns + column].bitPattern
                buffer[row] = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            }
            count = rows
        }
        var scratch = [UInt32](repeating: 0, count: rows)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift: UInt32 in [0, 16] {
            for index in counts.indices { counts[index] = 0 }
            for key in keys { counts[Int((key >> shift) & 0xFFFF)] += 1 }
            var total = 0
            for index in counts.indices { let c = counts[index]; counts[index] = total; total += c }
            for key in keys {
                let digit = Int((key >> shift) & 0xFFFF)
                scratch[counts[digit]] = key
                counts[digit] += 1
            }
            swap(&keys, &scratch)
        }
        return keys.map { key in Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key) }
    }
}

/// One slot per column, each written by one worker only.
private final class ColumnSums: @unchecked Sendable {
    private(set) var values: [Double]
    private let lock = DispatchQueue(label: "swd.columns")
    init(count: Int) { values = Array(repeating: 0, count: count) }
    func set(_ index: Int, _ value: Double) { lock.sync { values[index] = value } }
}
