import Foundation
import Media

/// The colour and quality change that makes a self-blended image's source differ from its target
/// (SBI's `source_transforms`): an RGB shift, an HSV shift and a brightness/contrast change, then
/// either a down-and-up resample or a sharpening. One of the pair's two copies gets it, so the
/// blended face differs from its surroundings in colour and in detail, as a swapped face does.
///
/// Values are those of SBI's albumentations calls, except the HSV shift: SBI's limits of ±0.3 on
/// 8-bit images move a level by at most one (albumentations adds them to a lookup table of whole
/// levels), so here they are hue in degrees and saturation and value in fractions of full scale,
/// with small ranges of their own (``SelfBlender``).
public struct SourceChange: Sendable, Equatable, Codable {
    /// The second step: what happens to the picture's detail.
    public enum Quality: Sendable, Equatable, Codable {
        /// Shrunk by a whole factor with nearest-neighbour sampling, then enlarged back bilinearly
        /// (SBI's `RandomDownScale`, factor 2 or 4): blockier, blurrier detail.
        case downscale(factor: Int)
        /// albumentations' `Sharpen`: a 3×3 kernel `(1 − α)·identity + α·[−1 … 8 + L … −1]`. Its
        /// weights sum to `1 − α(1 − L)`, so a lightness `L` below 1 also darkens a little.
        case sharpen(alpha: Double, lightness: Double)
    }

    /// Levels added to R, G and B, or nil.
    public var rgbShift: SIMD3<Double>?
    /// Hue turned by this many degrees; saturation and value moved by these fractions of full scale.
    public var hueShift: Double
    public var saturationShift: Double
    public var valueShift: Double
    /// `v · contrast + brightness · 255` on every level (albumentations' `RandomBrightnessContrast`
    /// with brightness by maximum).
    public var brightness: Double
    public var contrast: Double
    public var quality: Quality?

    public init(rgbShift: SIMD3<Double>? = nil, hueShift: Double = 0, saturationShift: Double = 0, valueShift: Double = 0,
                brightness: Double = 0, contrast: Double = 1, quality: Quality? = nil) {
        self.rgbShift = rgbShift
        self.hueShift = hueShift
        self.saturationShift = saturationShift
        self.valueShift = valueShift
        self.brightness = brightness
        self.contrast = contrast
        self.quality = quality
    }

    /// No change at all.
    public static let none = SourceChange()

    /// Whether ``apply(to:)`` returns its input unchanged.
    public var isIdentity: Bool {
        rgbShift == nil && !hasHSVShift && brightness == 0 && contrast == 1 && quality == nil
    }

    private var hasHSVShift: Bool { hueShift != 0 || saturationShift != 0 || valueShift != 0 }

    /// The changed image, same size: RGB shift, HSV shift, brightness and contrast, then quality.
    public func apply(to image: RGBImage) -> RGBImage {
        var out = image
        if let shift = rgbShift {
            let tables = (0..<3).map { c in Self.table { $0 + shift[c] } }
            for i in stride(from: 0, to: out.pixels.count, by: 3) {
                for c in 0..<3 { out.pixels[i + c] = tables[c][Int(out.pixels[i + c])] }
            }
        }
        if hasHSVShift { out = shiftedHSV(out) }
        if brightness != 0 || contrast != 1 {
            let table = Self.table { $0 * contrast + brightness * 255 }
            for i in out.pixels.indices { out.pixels[i] = table[Int(out.pixels[i])] }
        }
        switch quality {
        case .downscale(let factor)?: out = Self.downscaled(out, factor: factor)
        case .sharpen(let alpha, let lightness)?: out = Self.sharpened(out, alpha: alpha, lightness: lightness)
        case nil: break
        }
        return out
    }

    /// A 256-entry lookup table of `f(level)`, rounded and clamped to 0…255.
    private static func table(_ f: (Double) -> Double) -> [UInt8] {
        (0..<256).map { UInt8(min(max(f(Double($0)).rounded(), 0), 255)) }
    }

    /// Hue, saturation and value shifted per pixel (hexcone HSV in floating point).
    private func shiftedHSV(_ image: RGBImage) -> RGBImage {
        var out = image
        let hue = Float(hueShift / 60), sat = Float(saturationShift), val = Float(valueShift)
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 3) {
                let r = Float(p[i]) / 255, g = Float(p[i + 1]) / 255, b = Float(p[i + 2]) / 255
                let maxC = max(r, g, b), minC = min(r, g, b), chroma = maxC - minC
                // Hue in sextants [0, 6).
                var h: Float = 0
                if chroma > 0 {
                    if maxC == r { h = (g - b) / chroma } else if maxC == g { h = (b - r) / chroma + 2 } else { h = (r - g) / chroma + 4 }
                }
                h += hue
                h -= 6 * (h / 6).rounded(.down)
                let s = min(max((maxC > 0 ? chroma / maxC : 0) + sat, 0), 1)
                let v = min(max(maxC + val, 0), 1)
                // (h mod 2 without fmodf, which is a call.)
                let c = v * s, x = c * (1 - abs(h - 2 * (h / 2).rounded(.down) - 1)), m = v - c
                let (r1, g1, b1): (Float, Float, Float)
                switch Int(h) {
                case 0: (r1, g1, b1) = (c, x, 0)
                case 1: (r1, g1, b1) = (x, c, 0)
                case 2: (r1, g1, b1) = (0, c, x)
                case 3: (r1, g1, b1) = (0, x, c)
                case 4: (r1, g1, b1) = (x, 0, c)
                default: (r1, g1, b1) = (c, 0, x)
                }
                p[i] = level((r1 + m) * 255)
                p[i + 1] = level((g1 + m) * 255)
                p[i + 2] = level((b1 + m) * 255)
            }
        }
        return out
    }

    /// Nearest-neighbour shrink to `⌊side / factor⌋` (OpenCV's `INTER_NEAREST`: source index
    /// `⌊i · side / small⌋`), then Media's bilinear enlargement back to the original size.
    static func downscaled(_ image: RGBImage, factor: Int) -> RGBImage {
        let w = max(1, image.width / factor), h = max(1, image.height / factor)
        var small = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = y * image.height / h
            for x in 0..<w {
                let sx = x * image.width / w
                let s = (sy * image.width + sx) * 3, d = (y * w + x) * 3
                small[d] = image.pixels[s]
                small[d + 1] = image.pixels[s + 1]
                small[d + 2] = image.pixels[s + 2]
            }
        }
        return RGBImage(width: w, height: h, pixels: small).resized(width: image.width, height: image.height)
    }

    /// albumentations' `Sharpen` (OpenCV `filter2D`, borders reflected without repeating the edge).
    static func sharpened(_ image: RGBImage, alpha: Double, lightness: Double) -> RGBImage {
        let centre = Float(1 - alpha + alpha * (8 + lightness)), neighbour = Float(-alpha)
        let (w, h) = (image.width, image.height)
        @inline(__always) func reflect(_ i: Int, _ n: Int) -> Int { n == 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i }
        var out = image
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let ys = (reflect(y - 1, h), y, reflect(y + 1, h))
                    for x in 0..<w {
                        let xs = (reflect(x - 1, w), x, reflect(x + 1, w))
                        for c in 0..<3 {
                            @inline(__always) func at(_ x: Int, _ y: Int) -> Float { Float(src[(y * w + x) * 3 + c]) }
                            let ring = at(xs.0, ys.0) + at(xs.1, ys.0) + at(xs.2, ys.0) + at(xs.0, ys.1) + at(xs.2, ys.1)
                                + at(xs.0, ys.2) + at(xs.1, ys.2) + at(xs.2, ys.2)
                            let v = centre * at(x, y) + neighbour * ring
                            dst[(y * w + x) * 3 + c] = level(v)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// SBI's `randaffine` on the source: a small shift and scale, so the pasted face sits slightly
/// off its place, as a swapped face does. The mask moves with it (SBI transforms both together).
///
/// The shift is in face sizes (the bounds of the 68-point-like landmarks) and the scale is about
/// the face's centre. SBI's albumentations `Affine` shifts by up to 3% of its crop's width and
/// 1.5% of its height, which, its crop being twice the face's width and 2.4 times its height, is
/// up to 6% of the face's width and 3.6% of its height.
public struct FaceAffine: Sendable, Equatable, Codable {
    /// Shift in face widths (x) and face heights (y).
    public var translation: SIMD2<Double>
    public var scale: Double

    public init(translation: SIMD2<Double> = SIMD2(0, 0), scale: Double = 1) {
        precondition(scale > 0, "scale must be positive")
        self.translation = translation
        self.scale = scale
    }

    public static let identity = FaceAffine()

    public var isIdentity: Bool { translation == SIMD2(0, 0) && scale == 1 }

    /// Where a point goes, for a face centred at `centre` of `size` (width, height) pixels.
    func forward(centre: SIMD2<Double>, size: SIMD2<Double>) -> (SIMD2<Double>) -> SIMD2<Double> {
        let shift = translation * size, s = scale
        return { centre + s * ($0 - centre) + shift }
    }

    /// `image` moved by the transform inside `xs × ys` (bilinear, edge pixels repeated beyond the
    /// frame); pixels outside that rectangle are left as they are.
    func warped(_ image: RGBImage, centre: SIMD2<Double>, size: SIMD2<Double>, xs: Range<Int>, ys: Range<Int>) -> RGBImage {
        guard !isIdentity else { return image }
        let shift = translation * size
        var out = image
        let (w, h) = (image.width, image.height)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in ys {
                    for x in xs {
                        // The output pixel centre q comes from p = c + (q − c − t) / s.
                        let q = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                        let p = centre + (q - centre - shift) / scale - SIMD2(0.5, 0.5)
                        let fx = min(max(p.x, 0), Double(w - 1)), fy = min(max(p.y, 0), Double(h - 1))
                        let x0 = Int(fx), y0 = Int(fy), x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                        let u = Float(fx - Double(x0)), v = Float(fy - Double(y0))
                        for c in 0..<3 {
                            let a = Float(src[(y0 * w + x0) * 3 + c]), b = Float(src[(y0 * w + x1) * 3 + c])
                            let d = Float(src[(y1 * w + x0) * 3 + c]), e = Float(src[(y1 * w + x1) * 3 + c])
                            let value = (a + (b - a) * u) * (1 - v) + (d + (e - d) * u) * v
                            dst[(y * w + x) * 3 + c] = level(value)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A value clamped to 0…255 and rounded to the nearest level, halves up. (Adding ½ and truncating
/// stays inline in the pixel loops, where `rounded()` is a call to libm's `roundf`.)
@inline(__always)
func level(_ value: Float) -> UInt8 {
    UInt8(min(max(value, 0), 255) + 0.5)
}
