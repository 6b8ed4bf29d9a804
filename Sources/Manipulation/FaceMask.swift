import Foundation

/// A soft mask over a face box: 1 inside an ellipse inscribed in the box, falling smoothly to 0
/// across a feather band at its rim, so a pasted face has no visible seam.
public struct FaceMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` weights in [0, 1], row-major.
    public let weights: [Float]

    /// - Parameters:
    ///   - width, height: the box size in pixels.
    ///   - feather: the width of the soft band as a fraction of the ellipse's radii (0.15 = the
    ///     outer 15%). Within it the weight follows a smoothstep, which has no kink at either edge.
    ///   - inset: the ellipse's radii as a fraction of the half-box (0.9 leaves a margin, so the
    ///     mask reaches 0 before the box edge and the box corners stay untouched).
    public init(width: Int, height: Int, feather: Double = 0.2, inset: Double = 0.92) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        let rx = Double(width) / 2 * inset, ry = Double(height) / 2 * inset
        let cx = Double(width) / 2, cy = Double(height) / 2
        var weights = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                let r = (dx * dx + dy * dy).squareRoot()
                // r <= 1 - feather: inside; r >= 1: outside; smoothstep between.
                let t = min(max((1 - r) / max(feather, 1e-6), 0), 1)
                weights[y * width + x] = Float(t * t * (3 - 2 * t))
            }
        }
        self.weights = weights
    }

    /// The weight at column x, row y.
    public subscript(x: Int, y: Int) -> Float { weights[y * width + x] }

    /// The bounding rectangle of the nonzero weights, relative to the box: `x, y, width, height`.
    public var extent: (x: Int, y: Int, width: Int, height: Int) {
        var minX = width, minY = height, maxX = -1, maxY = -1
        for y in 0..<height {
            for x in 0..<width where weights[y * width + x] > 0 {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        return maxX < 0 ? (0, 0, 0, 0) : (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }
}
