import Detection
import Foundation
import Media
import NN

/// Square face crops of one size with a label (1 fake, 0 real) and a split group each: the
/// detector builder's training and validation data, in memory as bytes.
///
/// A group names what must never be on both sides of the validation split, as `kind:identity`:
/// `image:<original md5>` for a UTKFace chip, `video:<sha256 of the source video>` for crops of a
/// real video *and* of every altered version of it, `generator:<sha256>` for samples of one
/// generator file. ``SourceSplit`` splits by group.
public struct LabelledCrops: Sendable {
    /// Side length in pixels.
    public let size: Int
    /// `count × size × size × 3` bytes, crop after crop, rows top to bottom, `R G B`.
    public private(set) var pixels: [UInt8] = []
    public private(set) var labels: [Int] = []
    public private(set) var groups: [String] = []

    public init(size: Int) {
        self.size = size
    }

    public var count: Int { labels.count }
    public var fakeCount: Int { labels.reduce(0, +) }
    public var realCount: Int { count - fakeCount }

    /// Adds a crop; it must be `size × size`.
    public mutating func append(_ image: RGBImage, label: Int, group: String) {
        precondition(image.width == size && image.height == size, "crop must be \(size)×\(size), got \(image.width)×\(image.height)")
        precondition(label == 0 || label == 1, "label is 0 (real) or 1 (fake)")
        pixels += image.pixels
        labels.append(label)
        groups.append(group)
    }

    /// Adds crops stored as `size × size × 3` bytes each.
    public mutating func append(pixels bytes: ArraySlice<UInt8>, label: Int, group: String) {
        precondition(bytes.count == size * size * 3, "crop bytes must be \(size)×\(size)×3")
        pixels += bytes
        labels.append(label)
        groups.append(group)
    }

    public mutating func append(contentsOf other: LabelledCrops) {
        precondition(other.size == size, "crop sizes differ")
        pixels += other.pixels
        labels += other.labels
        groups += other.groups
    }

    /// Crop `index` as an image.
    public func image(at index: Int) -> RGBImage {
        let bytes = size * size * 3
        return RGBImage(width: size, height: size, pixels: Array(pixels[(index * bytes)..<((index + 1) * bytes)]))
    }

    /// The crops at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabelledCrops {
        var out = LabelledCrops(size: size)
        let bytes = size * size * 3
        out.pixels.reserveCapacity(indices.count * bytes)
        for i in indices {
            out.pixels += pixels[(i * bytes)..<((i + 1) * bytes)]
            out.labels.append(labels[i])
            out.groups.append(groups[i])
        }
        return out
    }

}
