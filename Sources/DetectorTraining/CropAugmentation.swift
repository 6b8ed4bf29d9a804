import Detection
import Foundation
import Media
import NN

/// The seeded augmentation the detector builder applies to every training crop, real and fake
/// alike: down-and-up resizing, Gaussian blur, Gaussian noise, a JPEG round trip at a random
/// quality, conversion to grey, and a horizontal flip, each with its own probability.
///
/// Real and fake crops must get the same treatment, or the detector learns the treatment (say,
/// "JPEG blocks mean real") instead of the manipulation. So the random choices are drawn as a
/// ``Plan`` *before* the crop is seen, from a stream that does not depend on the label: `plan(using:)`
/// takes no image and no label, and always consumes the same number of draws, so the plan of the
/// k-th crop of a batch depends only on the seed and k.
///
/// The operations run in a fixed order: grey, resize, blur, noise, JPEG, flip (compression last, as
/// when a processed picture is saved).
public struct CropAugmentation: Codable, Equatable, Sendable {
    public var flipProbability: Double
    /// Shrink to `scale · side` (area averaging), then enlarge back (bilinear).
    public var resizeProbability: Double
    public var resizeScale: ClosedRange<Double>
    /// Separable Gaussian blur with σ in pixels, edges replicated.
    public var blurProbability: Double
    public var blurSigma: ClosedRange<Double>
    /// Additive Gaussian noise with σ in 8-bit levels, per pixel and channel.
    public var noiseProbability: Double
    public var noiseSigma: ClosedRange<Double>
    /// JPEG round trip through libavcodec's mjpeg at a quality of 1…100 (see `JPEGCodec`).
    public var jpegProbability: Double
    public var jpegQuality: ClosedRange<Int>
    /// Replace each pixel by its BT.601 luma in all three channels (grey photos, replicated to RGB).
    public var grayProbability: Double

    public init(
        flipProbability: Double = 0.5, resizeProbability: Double = 0.3, resizeScale: ClosedRange<Double> = 0.5...0.9,
        blurProbability: Double = 0.2, blurSigma: ClosedRange<Double> = 0.4...1.2,
        noiseProbability: Double = 0.2, noiseSigma: ClosedRange<Double> = 1...6,
        jpegProbability: Double = 0.5, jpegQuality: ClosedRange<Int> = 30...95, grayProbability: Double = 0
    ) {
        precondition(jpegQuality.lowerBound >= 1 && jpegQuality.upperBound <= 100, "JPEG quality is 1...100")
        precondition(resizeScale.lowerBound > 0 && resizeScale.upperBound <= 1, "resize scale is in (0, 1]")
        self.flipProbability = flipProbability
        self.resizeProbability = resizeProbability
        self.resizeScale = resizeScale
        self.blurProbability = blurProbability
        self.blurSigma = blurSigma
        self.noiseProbability = noiseProbability
        self.noiseSigma = noiseSigma
        self.jpegProbability = jpegProbability
        self.jpegQuality = jpegQuality
        self.grayProbability = grayProbability
    }

    /// The builder's default (no grey: `deepfake detector build --gray P` turns it on).
    public static let standard = CropAugmentation()
    /// No augmentation at all.
    public static let none = CropAugmentation(
        flipProbability: 0, resizeProbability: 0, blurProbability: 0, noiseProbability: 0, jpegProbability: 0,
        grayProbability: 0)

    /// What to do to one crop.
    public struct Plan: Equatable, Sendable {
        public var flip = false
        /// The side fraction to shrink to, or nil.
        public var resizeScale: Double?
        public var blurSigma: Double?
        public var noiseSigma: Double?
        /// Seed of the per-pixel noise.
        public var noiseSeed: UInt64 = 0
        public var jpegQuality: Int?
        public var gray = false

        public init() {}

        /// Whether the plan changes the crop at all.
        public var isIdentity: Bool {
            !flip && resizeScale == nil && blurSigma == nil && noiseSigma == nil && jpegQuality == nil && !gray
        }
    }

    /// Draws one crop's plan: exactly 11 values from `random`, whatever is chosen.
    public func plan(using random: inout SeededGenerator) -> Plan {
        func lerp(_ range: ClosedRange<Double>, _ u: Double) -> Double {
            range.lowerBound + u * (range.upperBound - range.lowerBound)
        }
        let u = (0..<10).map { _ in random.nextUniform() }
        let noiseSeed = random.next()
        var plan = Plan()
        plan.flip = u[0] < flipProbability
        if u[1] < resizeProbability { plan.resizeScale = lerp(resizeScale, u[2]) }
        if u[3] < blurProbability { plan.blurSigma = lerp(blurSigma, u[4]) }
        if u[5] < noiseProbability {
            plan.noiseSigma = lerp(noiseSigma, u[6])
            plan.noiseSeed = noiseSeed
        }
        if u[7] < jpegProbability {
            let span = Double(jpegQuality.upperBound - jpegQuality.lowerBound + 1)
            plan.jpegQuality = min(jpegQuality.upperBound, jpegQuality.lowerBound + Int(u[8] * span))
        }
        plan.gray = u[9] < grayProbability  // the tenth value was kept in reserve for an operation like this
        return plan
    }

    /// Applies a plan to a square crop; the result has the crop's size.
    /// - Parameter codec: a JPEG codec owned by the calling thread.
    /// - Throws: `MediaError` if the JPEG round trip fails.
    public static func apply(_ plan: Plan, to image: RGBImage, codec: JPEGCodec) throws(MediaError) -> RGBImage {
        var out = image
        let (width, height) = (image.width, image.height)
        if plan.gray { out = grayed(out) }
        if let scale = plan.resizeScale {
            let w = max(2, Int((Double(width) * scale).rounded())), h = max(2, Int((Double(height) * scale).rounded()))
            out = out.resized(width: w, height: h).resized(width: width, height: height)
        }
        if let sigma = plan.blurSigma { out = gaussianBlur(out, sigma: sigma) }
        if let sigma = plan.noiseSigma {
            var random = SeededGenerator(seed: plan.noiseSeed)
            for i in out.pixels.indices {
                let value = Double(out.pixels[i]) + sigma * random.nextNormal()
                out.pixels[i] = UInt8(min(max(value.rounded(), 0), 255))
            }
        }
        if let quality = plan.jpegQuality { out = try codec.roundTrip(out, quality: quality) }
        if plan.flip { out = flipped(out) }
        return out
    }

    /// A one-line description for model metadata.
    public var summary: String {
        func r(_ range: ClosedRange<Double>) -> String { "\(range.lowerBound)-\(range.upperBound)" }
        return "same for real and fake, plan drawn before the label is seen; in order: "
            + "resize down-up p=\(resizeProbability) scale \(r(resizeScale)), "
            + "gaussian blur p=\(blurProbability) sigma \(r(blurSigma)) px, "
            + "gaussian noise p=\(noiseProbability) sigma \(r(noiseSigma)) levels, "
            + "JPEG round trip (libavcodec mjpeg) p=\(jpegProbability) quality \(jpegQuality.lowerBound)-\(jpegQuality.upperBound), "
            + "horizontal flip p=\(flipProbability)"
            + (grayProbability > 0 ? ", first grey (BT.601 luma) p=\(grayProbability)" : "")
    }

    // MARK: - Operations

    /// BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded) in all three channels.
    static func grayed(_ image: RGBImage) -> RGBImage {
        var out = image
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let y = (299 * Int(image.pixels[i]) + 587 * Int(image.pixels[i + 1]) + 114 * Int(image.pixels[i + 2]) + 500) / 1000
            out.pixels[i] = UInt8(y)
            out.pixels[i + 1] = UInt8(y)
            out.pixels[i + 2] = UInt8(y)
        }
        return out
    }

    static func flipped(_ image: RGBImage) -> RGBImage {
        var out = image
        let w = image.width
        for y in 0..<image.height {
            for x in 0..<w {
                let (s, d) = ((y * w + x) * 3, (y * w + (w - 1 - x)) * 3)
                out.pixels[d] = image.pixels[s]
                out.pixels[d + 1] = image.pixels[s + 1]
                out.pixels[d + 2] = image.pixels[s + 2]
            }
        }
        return out
    }

    /// Separable Gaussian blur, radius ⌈3σ⌉, edge pixels replicated.
    static func gaussianBlur(_ image: RGBImage, sigma: Double) -> RGBImage {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let (w, h) = (image.width, image.height)
        var horizontal = [Double](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0.0
                    for k in -radius...radius {
                        let sx = min(max(x + k, 0), w - 1)
                        sum += kernel[k + radius] * Double(image.pixels[(y * w + sx) * 3 + c])
                    }
                    horizontal[(y * w + x) * 3 + c] = sum
                }
            }
        }
        var out = image
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0.0
                    for k in -radius...radius {
                        let sy = min(max(y + k, 0), h - 1)
                        sum += kernel[k + radius] * horizontal[(sy * w + x) * 3 + c]
                    }
                    out.pixels[(y * w + x) * 3 + c] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        return out
    }
}
