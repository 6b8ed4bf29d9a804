import Media

/// Cuts square face crops from frames by a ``CropConvention``.
public enum FaceCrop {
    /// The integer pixel square a crop of `box` covers (it may extend past the frame).
    public static func region(for box: FaceBox, convention: CropConvention) -> (x: Int, y: Int, side: Int) {
        let square = convention.square(around: box)
        let side = max(1, Int(square.width.rounded()))
        let x = Int((square.centerX - Double(side) / 2).rounded())
        let y = Int((square.centerY - Double(side) / 2).rounded())
        return (x, y, side)
    }

    /// A `size × size` crop: the convention's square around `box`, padded by edge replication where
    /// it leaves the frame, shrunk by area averaging or enlarged bilinearly.
    public static func crop(_ image: RGBImage, box: FaceBox, convention: CropConvention = .default, size: Int = 64) -> RGBImage {
        precondition(size > 0, "crop size must be positive")
        let r = region(for: box, convention: convention)
        return image.cropped(x: r.x, y: r.y, width: r.side, height: r.side).resized(width: size, height: size)
    }
}
