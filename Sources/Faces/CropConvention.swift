/// How a square face crop is cut around a detected box: the crop's centre is the box centre moved
/// by an offset in box sizes, and its side is `scale` box sizes.
///
/// One convention serves training, altering and scoring (DESIGN.md, "One crop convention"); it is
/// recorded in `faces.jsonl` and in model metadata, and checked when a model is loaded.
public struct CropConvention: Sendable, Equatable, Codable {
    /// A stable name, recorded with every crop.
    public var name: String
    /// Crop centre minus box centre, in box widths (positive: right).
    public var centerOffsetX: Double
    /// Crop centre minus box centre, in box heights (positive: down).
    public var centerOffsetY: Double
    /// Crop side over box side (`k`).
    public var scale: Double

    public init(name: String, centerOffsetX: Double, centerOffsetY: Double, scale: Double) {
        precondition(scale > 0, "crop scale must be positive, got \(scale)")
        self.name = name
        self.centerOffsetX = centerOffsetX
        self.centerOffsetY = centerOffsetY
        self.scale = scale
    }

    /// The UTKFace chip convention, the default: a crop framed as the "aligned & cropped"
    /// UTKFace chips the generator trains on.
    ///
    /// Fitted with `faces-bench fit-crop ../shared/data/utkface` (run by tools/faces/fit_crop.sh):
    /// `haarcascade_frontalface_default` (scale 1.1, 5 neighbours) on the 2,342 chips of UTKFace's
    /// holdout split, each 64×64 chip upscaled 3× (area/bilinear) and padded by half its width of
    /// replicated edge pixels on every side. A face was found in 2,261 chips (96.5 %). The values are
    /// the medians of (chip centre − box centre) / box side and chip side / box side:
    /// x offset 0.0057 (quartiles −0.0023…0.0146), y offset 0.0869 (0.0748…0.1010),
    /// k 0.9697 (0.9275…1.0213). So the cascade's box is about as wide as a chip and centred about
    /// 9 % of its side above the chip's centre.
    public static let utkface = CropConvention(
        name: "utkface-chip-v1", centerOffsetX: 0.0057, centerOffsetY: 0.0869, scale: 0.9697)

    /// FaceForensics++'s convention: the box centre, `margin` × the box side (1.3 in their code).
    public static func faceForensics(margin: Double = 1.3) -> CropConvention {
        CropConvention(name: "faceforensics-margin-\(margin)", centerOffsetX: 0, centerOffsetY: 0, scale: margin)
    }

    /// The project default (``utkface``).
    public static let `default` = utkface

    /// The square, in frame pixels, that this convention cuts around `box`.
    public func square(around box: FaceBox) -> FaceBox {
        let side = scale * (box.width + box.height) / 2
        return FaceBox(
            centerX: box.centerX + centerOffsetX * box.width, centerY: box.centerY + centerOffsetY * box.height,
            width: side, height: side)
    }

    /// The inverse of ``square(around:)``: the box a detector would report for a crop square.
    public func box(for square: FaceBox) -> FaceBox {
        let side = square.width / scale
        return FaceBox(
            centerX: square.centerX - centerOffsetX * side, centerY: square.centerY - centerOffsetY * side,
            width: side, height: side)
    }
}
