import Foundation
import Media

/// A crop convention defined by the face's parts rather than its box: the similarity transform
/// (scale, rotation, shift) that puts the two eye centres and the mouth centre where they fall in
/// a UTKFace chip. Roll is undone and the framing no longer depends on a detector's box, which is
/// what a detector that looks at blending boundaries needs.
///
/// ``alignedV1`` was fitted with `faces-bench fit-aligned ../shared/data/utkface`: FaceMesh's
/// keypoints (from the landmarks) on the 2,342 holdout chips, each upscaled 3× and padded by half a
/// chip, mapped back into the chip, medians per coordinate: a face on 2,341 chips; right eye
/// (0.2958, 0.2933), left eye (0.6896, 0.2951), mouth (0.4946, 0.6984), quartiles within ±0.011;
/// after the best similarity each chip's three points lie a median 0.009 chip sides from the
/// template (quartiles 0.005…0.015).
public struct AlignedCropTemplate: Sendable, Equatable, Codable {
    /// A stable name, recorded with crops and in model metadata.
    public var name: String
    /// Where the right eye centre (the person's right, the image's left) falls in the crop, in
    /// fractions of its side from the top-left corner.
    public var rightEye: SIMD2<Double>
    /// Where the left eye centre falls.
    public var leftEye: SIMD2<Double>
    /// Where the mouth centre falls.
    public var mouth: SIMD2<Double>

    public init(name: String, rightEye: SIMD2<Double>, leftEye: SIMD2<Double>, mouth: SIMD2<Double>) {
        self.name = name
        self.rightEye = rightEye
        self.leftEye = leftEye
        self.mouth = mouth
    }

    /// UTKFace's chip framing, measured (see the type's documentation).
    public static let alignedV1 = AlignedCropTemplate(
        name: "aligned-v1", rightEye: SIMD2(0.2958, 0.2933), leftEye: SIMD2(0.6896, 0.2951), mouth: SIMD2(0.4946, 0.6984))

    /// The templates a model's metadata may name; any other is refused at load, since a model is
    /// only right on crops framed exactly as it was trained on.
    public static let known: [AlignedCropTemplate] = [.alignedV1]

    /// A similarity transform `p ↦ s·R·p + t` of the plane.
    public struct Similarity: Sendable, Equatable {
        /// `s·cos θ` and `s·sin θ`.
        public var a: Double, b: Double
        public var tx: Double, ty: Double

        public func apply(_ p: SIMD2<Double>) -> SIMD2<Double> {
            SIMD2(a * p.x - b * p.y + tx, b * p.x + a * p.y + ty)
        }

        /// The inverse transform, or nil for a degenerate one.
        public var inverse: Similarity? {
            let d = a * a + b * b
            guard d > 0, d.isFinite else { return nil }
            let ia = a / d, ib = -b / d
            return Similarity(a: ia, b: ib, tx: -(ia * tx - ib * ty), ty: -(ib * tx + ia * ty))
        }

        /// The least-squares similarity taking `source[i]` to `target[i]` (Umeyama's method without
        /// reflection), or nil when the source points coincide.
        public static func fit(from source: [SIMD2<Double>], to target: [SIMD2<Double>]) -> Similarity? {
            guard source.count == target.count, source.count >= 2 else { return nil }
            let n = Double(source.count)
            let ms = source.reduce(SIMD2<Double>(0, 0), +) / n, mt = target.reduce(SIMD2<Double>(0, 0), +) / n
            var sxx = 0.0, sab = 0.0, sba = 0.0
            for (p, q) in zip(source, target) {
                let u = p - ms, v = q - mt
                sxx += u.x * u.x + u.y * u.y
                sab += u.x * v.x + u.y * v.y
                sba += u.x * v.y - u.y * v.x
            }
            guard sxx > 1e-12 else { return nil }
            let a = sab / sxx, b = sba / sxx
            return Similarity(a: a, b: b, tx: mt.x - (a * ms.x - b * ms.y), ty: mt.y - (b * ms.x + a * ms.y))
        }
    }

    /// The transform from frame pixels to crop pixels (of a `size`-pixel crop) for a face's six
    /// keypoints (``FaceShape/keypoints``: right eye, left eye, nose, mouth, …); nil when they are
    /// missing or degenerate.
    public func transform(keypoints: [SIMD2<Float>], size: Int) -> Similarity? {
        guard keypoints.count >= 4, size > 0 else { return nil }
        let points = [keypoints[0], keypoints[1], keypoints[3]].map { SIMD2(Double($0.x), Double($0.y)) }
        guard points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return nil }
        let side = Double(size)
        return Similarity.fit(from: points, to: [rightEye * side, leftEye * side, mouth * side])
    }

    /// The aligned crop of a face, `size`×`size`, sampled bilinearly (edge pixels repeat outside
    /// the frame); nil when the keypoints give no transform. Shrinking by more than 2× first
    /// shrinks the frame by area averaging, so the crop does not alias.
    public func crop(_ image: RGBImage, keypoints: [SIMD2<Float>], size: Int) -> RGBImage? {
        guard var forward = transform(keypoints: keypoints, size: size), image.width > 0, image.height > 0 else { return nil }
        var source = image
        let scale = (forward.a * forward.a + forward.b * forward.b).squareRoot()
        if scale < 0.5 {
            // Pre-shrink to about twice the crop's sampling density.
            let factor = min(1, 2 * scale)
            let w = max(1, Int((Double(image.width) * factor).rounded())), h = max(1, Int((Double(image.height) * factor).rounded()))
            source = image.resized(width: w, height: h)
            let fx = Double(w) / Double(image.width), fy = Double(h) / Double(image.height)
            // Keypoints are continuous coordinates (the frame spans [0, width]): a point q of the
            // copy is q / k in the frame.
            let k = (fx + fy) / 2
            forward = Similarity(a: forward.a / k, b: forward.b / k, tx: forward.tx, ty: forward.ty)
        }
        guard let inverse = forward.inverse else { return nil }
        var out = RGBImage(width: size, height: size)
        let w = source.width, h = source.height
        source.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<size {
                    for x in 0..<size {
                        // Crop pixel centres map back into the frame's continuous coordinates;
                        // pixel i's centre there is i + 0.5.
                        let p = inverse.apply(SIMD2(Double(x) + 0.5, Double(y) + 0.5)) - SIMD2(0.5, 0.5)
                        let fx = min(max(p.x, 0), Double(w - 1)), fy = min(max(p.y, 0), Double(h - 1))
                        let x0 = Int(fx), y0 = Int(fy)
                        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                        let u = fx - Double(x0), v = fy - Double(y0)
                        for c in 0..<3 {
                            let a = Double(src[(y0 * w + x0) * 3 + c]), b = Double(src[(y0 * w + x1) * 3 + c])
                            let d = Double(src[(y1 * w + x0) * 3 + c]), e = Double(src[(y1 * w + x1) * 3 + c])
                            let value = (a * (1 - u) + b * u) * (1 - v) + (d * (1 - u) + e * u) * v
                            dst[(y * size + x) * 3 + c] = UInt8(min(max(value.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }
}
