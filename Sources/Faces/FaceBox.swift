import Media

/// A face box in pixels of the upright frame: `x, y, width, height`, `x, y` the top-left corner.
public struct FaceBox: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    /// Creates a box from its top-left corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    /// Creates a square-or-rectangular box from its centre and size.
    public init(centerX: Double, centerY: Double, width: Double, height: Double) {
        self.init(x: centerX - width / 2, y: centerY - height / 2, width: width, height: height)
    }

    /// Horizontal centre.
    public var centerX: Double { x + width / 2 }
    /// Vertical centre.
    public var centerY: Double { y + height / 2 }
    /// Width × height (0 for empty boxes).
    public var area: Double { max(width, 0) * max(height, 0) }

    /// Intersection over union with another box, in [0, 1].
    public func iou(_ other: FaceBox) -> Double {
        let ix = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let iy = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let inter = ix * iy
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The box scaled about the origin (maps boxes between a frame and a resized copy).
    public func scaled(by factor: Double) -> FaceBox {
        FaceBox(x: x * factor, y: y * factor, width: width * factor, height: height * factor)
    }
}
