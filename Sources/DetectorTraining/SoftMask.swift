import Media

/// A blending mask: one weight in [0, 1] per pixel of an image, row-major, where 1 takes the
/// source (the pasted face) and 0 keeps the target.
///
/// Self-blended images are made with one, and the detector may be trained to find it: Face X-ray's
/// ``boundary`` marks where the two images meet.
public struct SoftMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` weights, row-major.
    public var values: [Float]

    /// A mask from weights.
    /// - Precondition: `values.count == width * height`.
    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0, "a mask needs a positive size, got \(width)x\(height)")
        precondition(values.count == width * height, "a \(width)x\(height) mask needs \(width * height) values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// An all-zero mask: nothing taken from the source.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, values: [Float](repeating: 0, count: width * height))
    }

    /// The weight at column `x`, row `y`.
    @inlinable
    public subscript(x: Int, y: Int) -> Float { values[y * width + x] }

    /// Face X-ray's blending boundary `4 · M · (1 − M)` (Li et al., CVPR 2020): 1 where the mask
    /// is one half, 0 where either image is taken whole. It shows where a detector should look.
    public var boundary: SoftMask {
        SoftMask(width: width, height: height, values: values.map { 4 * $0 * (1 - $0) })
    }

    /// The smallest rectangle holding every nonzero weight, as half-open pixel ranges; nil for an
    /// all-zero mask. Mask operations work inside it (plus their reach), so a face in a large
    /// frame costs what the face costs.
    public var support: (x: Range<Int>, y: Range<Int>)? {
        var minX = width, maxX = -1, minY = height, maxY = -1
        values.withUnsafeBufferPointer { v in
            for y in 0..<height {
                let row = v.baseAddress! + y * width
                // The first nonzero from the left, then from the right down to it.
                var first = 0
                while first < width && row[first] == 0 { first += 1 }
                guard first < width else { continue }
                var last = width - 1
                while row[last] == 0 { last -= 1 }
                minX = min(minX, first)
                maxX = max(maxX, last)
                if minY == height { minY = y }
                maxY = y
            }
        }
        return maxX < 0 ? nil : (minX..<(maxX + 1), minY..<(maxY + 1))
    }

    /// The largest weight (0 for an empty mask).
    public var maximum: Float { values.max() ?? 0 }

    /// The mask mirrored left to right, as ``CropAugmentation`` flips a crop.
    public func flipped() -> SoftMask {
        var out = values
        for y in 0..<height {
            let row = y * width
            for x in 0..<width { out[row + x] = values[row + width - 1 - x] }
        }
        return SoftMask(width: width, height: height, values: out)
    }

    /// The mask shrunk by a whole factor, each output weight the mean of a `factor × factor`
    /// block: what `RGBImage.resized` does to the images the mask belongs to at such a factor.
    /// - Precondition: `factor` divides both sides.
    public func downsampled(by factor: Int) -> SoftMask {
        precondition(factor >= 1 && width % factor == 0 && height % factor == 0, "\(factor) must divide \(width)x\(height)")
        guard factor > 1 else { return self }
        let w = width / factor, h = height / factor
        var out = [Float](repeating: 0, count: w * h)
        let scale = 1 / Float(factor * factor)
        for y in 0..<h {
            for x in 0..<w {
                var sum: Float = 0
                for dy in 0..<factor {
                    let row = (y * factor + dy) * width + x * factor
                    for dx in 0..<factor { sum += values[row + dx] }
                }
                out[y * w + x] = sum * scale
            }
        }
        return SoftMask(width: w, height: h, values: out)
    }

    /// The weights as a grey picture (0 black, 1 white), for contact sheets.
    public var picture: RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for (i, v) in values.enumerated() {
            let level = UInt8(min(max(v * 255, 0), 255).rounded())
            pixels[3 * i] = level
            pixels[3 * i + 1] = level
            pixels[3 * i + 2] = level
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
