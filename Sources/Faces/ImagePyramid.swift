import Dispatch

/// The scaled copies of one grey frame and their integral images, laid out as OpenCV's
/// `FeatureEvaluator::setImage` does: one level per detection scale, each resized with bit-exact
/// bilinear interpolation to `round(W / s) × round(H / s)`, and all levels sharing one row stride so that a
/// feature's offsets are computed once per frame.
///
/// Sums are 32-bit and wrap on overflow; a window's squared sum is taken modulo 2³² as OpenCV does,
/// which is exact because a 24×24 window's true value is far below 2³².
final class ImagePyramid: @unchecked Sendable {
    struct Level {
        /// The scale factor: window pixels × scale = frame pixels.
        var scale: Float
        /// Size of the scaled image (the integral image is one larger each way).
        var width: Int
        var height: Int
        /// Index of the integral image's (0, 0) in the shared buffers.
        var offset: Int
        /// Window step: 2 while the scale is below 2, then 1 (OpenCV's `ystep`).
        var step: Int
    }

    let levels: [Level]
    /// Values allocated after each integral image for the eight-window reads.
    static let padding = 64
    let stride: Int
    let count: Int
    /// Integral of pixel values, of squared values, and (when asked) of the 45° rotated sums, which
    /// live in `sum`'s allocation at `sum + tiltedOffset`.
    let sum: UnsafeMutablePointer<Int32>
    let squareSum: UnsafeMutablePointer<Int32>
    let tiltedSum: UnsafeMutablePointer<Int32>?
    var tiltedOffset: Int { max(count, 1) }

    /// Builds the pyramid for the given scales, spreading the levels over `threads` workers.
    init(image: GrayImage, scales: [Float], tilted: Bool, threads: Int) {
        var levels: [Level] = []
        var row = 0
        var maxWidth = 0
        for scale in scales {
            let w = Int((Float(image.width) / scale).rounded(.toNearestOrEven))
            let h = Int((Float(image.height) / scale).rounded(.toNearestOrEven))
            levels.append(Level(scale: scale, width: w, height: h, offset: row, step: scale >= 2 ? 1 : 2))
            row += h + 1
            maxWidth = max(maxWidth, w + 1)
        }
        stride = maxWidth
        for i in levels.indices { levels[i].offset *= maxWidth }
        self.levels = levels
        count = row * maxWidth
        // The tilted integral sits right after the plain one in the same allocation, so a tilted
        // feature's offsets simply include `count` (as OpenCV's `tofs`).
        // Zeroed padding after each integral: the scan reads eight windows of a row at once, and
        // those past the row's end read up to 30 values beyond the last row.
        let padding = Self.padding
        sum = .allocate(capacity: max(count, 1) * (tilted ? 2 : 1) + padding)
        squareSum = .allocate(capacity: max(count, 1) + padding)
        (sum + max(count, 1) * (tilted ? 2 : 1)).initialize(repeating: 0, count: padding)
        (squareSum + max(count, 1)).initialize(repeating: 0, count: padding)
        tiltedSum = tilted ? sum + max(count, 1) : nil

        // Balance the levels over the workers by area, largest first.
        let workers = max(1, min(threads, levels.count))
        var assignment = [[Int]](repeating: [], count: workers)
        var load = [Int](repeating: 0, count: workers)
        for i in levels.indices.sorted(by: { levels[$0].width * levels[$0].height > levels[$1].width * levels[$1].height }) {
            let w = load.indices.min { load[$0] < load[$1] }!
            assignment[w].append(i)
            load[w] += levels[i].width * levels[i].height
        }
        let plan = assignment
        let source = image
        if workers == 1 {
            for i in plan[0] { build(level: levels[i], from: source) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in plan[w] { self.build(level: self.levels[i], from: source) }
            }
        }
    }

    deinit {
        sum.deallocate()
        squareSum.deallocate()
    }

    private func build(level: Level, from image: GrayImage) {
        let w = level.width, h = level.height
        var scaled = [UInt8](repeating: 0, count: w * h)
        scaled.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                if w == image.width && h == image.height {
                    dst.baseAddress!.update(from: src.baseAddress!, count: w * h)
                } else {
                    GrayImage.resizeLinearExact(src.baseAddress!, image.width, image.height, dst.baseAddress!, w, h)
                }
            }
            IntegralImage.compute(
                dst.baseAddress!, width: w, height: h, stride: stride,
                sum: sum + level.offset, squareSum: squareSum + level.offset)
            if let tiltedSum {
                IntegralImage.computeTilted(
                    dst.baseAddress!, width: w, height: h, stride: stride, into: tiltedSum + level.offset)
            }
        }
    }
}
