import Faces
import Foundation
import Media
import NN

/// One self-blended image and what it was made of.
public struct SelfBlend: Sendable, Equatable {
    /// The real of the pair: the target, which is the input image, or the input with the
    /// colour/quality change when the target drew it (SBI keeps it so; otherwise the detector
    /// could tell real from fake by the change alone, outside the face).
    public var real: RGBImage
    /// `mask · source + (1 − mask) · target`: the face from the changed, shifted copy inside the
    /// mask, the real outside it, pixel for pixel.
    public var fake: RGBImage
    /// The blending weights (Face X-ray's boundary is ``SoftMask/boundary``).
    public var mask: SoftMask
}

/// Makes self-blended images (SBI: Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended
/// Images", CVPR 2022; their code, github.com/mapooon/SelfBlendedImages, `src/utils/sbi.py` and
/// `blend.py`): a real face is blended with a slightly changed copy of itself, so a detector
/// trained on the pairs learns the traces any face swap leaves (a blending boundary, a colour and
/// detail mismatch, a small misalignment) rather than one generator's fingerprints.
///
/// Recipe, as in SBI's `self_blending`: a hull of the landmarks (``FaceHull``) is the mask; one
/// copy of the image, the source or the target at even odds, gets the ``SourceChange``; the source
/// and its mask get the ``FaceAffine``; the mask is deformed by an ``ElasticField`` and shaped by
/// ``BlendMaskSteps`` (two blurs, a ratio); then `fake = mask · source + (1 − mask) · target`.
///
/// As with ``CropAugmentation``, the random choices are drawn first as a ``Plan`` that sees
/// neither the image nor the landmarks and always takes the same number of draws, and every
/// length is in units of the face, so a plan means the same at any crop size. The blender's own
/// properties are the ranges the plans are drawn from.
public struct SelfBlender: Codable, Equatable, Sendable {
    // MARK: Mask shape
    /// Relative odds of the hull variants (SBI uses the 68 landmarks without the forehead one
    /// time in four; the Face X-ray generator it can load picks among its masks evenly).
    public var hullWeights: [FaceHull.Variant: Double]
    /// Chance that the hull is eroded or dilated (even odds which) before it is deformed, as Face
    /// X-ray's generator does, by up to `erosion` or `dilation` face widths.
    public var erodeDilateProbability: Double
    public var erosion: Double
    public var dilation: Double
    /// The elastic field's spread (standard deviation of a displacement) and smoothness (its
    /// Gaussian's σ), in face widths. SBI's `ElasticTransform(alpha 50, sigma 7)` moves its masks by
    /// about 1.2 pixels with a σ of 7 pixels; taking its faces (FaceForensics++ frames) to be about
    /// 200 pixels wide, that is 0.6% and 3.5% of the face.
    public var elasticSpread: Double
    public var elasticSigma: Double
    /// SBI's `get_blend_mask` ranges (see ``BlendMaskSteps``).
    public var maskSide: ClosedRange<Int>
    public var firstKernel: ClosedRange<Int>
    public var secondKernel: ClosedRange<Int>
    public var secondSigma: ClosedRange<Int>
    /// The blend ratios, drawn evenly (a value listed twice is twice as likely).
    public var ratios: [Float]

    // MARK: Source and target
    /// Chance that the source gets the change (otherwise the target does).
    public var sourceChangeProbability: Double
    /// RGB shift: chance, and the largest shift per channel in levels.
    public var rgbShiftProbability: Double
    public var rgbShift: Double
    /// HSV shift bounds: hue in degrees, saturation and value in fractions of full scale.
    public var hueShift: Double
    public var saturationShift: Double
    public var valueShift: Double
    /// Brightness (fraction of 255 added) and contrast (factor 1 ± this) bounds.
    public var brightness: Double
    public var contrast: Double
    /// Chance of a down-and-up resample rather than a sharpening, and their parameters.
    public var downscaleProbability: Double
    public var downscaleFactors: [Int]
    public var sharpenAlpha: ClosedRange<Double>
    public var sharpenLightness: ClosedRange<Double>
    /// The source's shift bounds in face widths (x) and heights (y), and its scale range.
    public var translationX: Double
    public var translationY: Double
    public var scale: ClosedRange<Double>

    public init(
        hullWeights: [FaceHull.Variant: Double] = [.whole: 0.45, .lowerFace: 0.25, .extended: 0.15, .innerFace: 0.15],
        erodeDilateProbability: Double = 0.5, erosion: Double = 0.04, dilation: Double = 0.02,
        elasticSpread: Double = 0.006, elasticSigma: Double = 0.035,
        maskSide: ClosedRange<Int> = 192...256, firstKernel: ClosedRange<Int> = 5...25, secondKernel: ClosedRange<Int> = 5...25,
        secondSigma: ClosedRange<Int> = 5...45, ratios: [Float] = [0.25, 0.5, 0.75, 1, 1, 1],
        sourceChangeProbability: Double = 0.5, rgbShiftProbability: Double = 0.3, rgbShift: Double = 20,
        hueShift: Double = 3, saturationShift: Double = 0.03, valueShift: Double = 0.03,
        brightness: Double = 0.1, contrast: Double = 0.1,
        downscaleProbability: Double = 0.5, downscaleFactors: [Int] = [2, 4],
        sharpenAlpha: ClosedRange<Double> = 0.2...0.5, sharpenLightness: ClosedRange<Double> = 0.5...1.0,
        translationX: Double = 0.06, translationY: Double = 0.036, scale: ClosedRange<Double> = 0.95...(1 / 0.95)
    ) {
        precondition(hullWeights.values.contains { $0 > 0 } && hullWeights.values.allSatisfy { $0 >= 0 }, "hull weights need a positive one")
        precondition(!ratios.isEmpty && ratios.allSatisfy { $0 > 0 && $0 <= 1 }, "ratios are in (0, 1]")
        precondition(!downscaleFactors.isEmpty && downscaleFactors.allSatisfy { $0 >= 1 }, "downscale factors are whole and positive")
        precondition(firstKernel.lowerBound >= 1 && secondKernel.lowerBound >= 1, "kernel sizes are positive")
        self.hullWeights = hullWeights
        self.erodeDilateProbability = erodeDilateProbability
        self.erosion = erosion
        self.dilation = dilation
        self.elasticSpread = elasticSpread
        self.elasticSigma = elasticSigma
        self.maskSide = maskSide
        self.firstKernel = firstKernel
        self.secondKernel = secondKernel
        self.secondSigma = secondSigma
        self.ratios = ratios
        self.sourceChangeProbability = sourceChangeProbability
        self.rgbShiftProbability = rgbShiftProbability
        self.rgbShift = rgbShift
        self.hueShift = hueShift
        self.saturationShift = saturationShift
        self.valueShift = valueShift
        self.brightness = brightness
        self.contrast = contrast
        self.downscaleProbability = downscaleProbability
        self.downscaleFactors = downscaleFactors
        self.sharpenAlpha = sharpenAlpha
        self.sharpenLightness = sharpenLightness
        self.translationX = translationX
        self.translationY = translationY
        self.scale = scale
    }

    /// SBI's recipe with the choices above.
    public static let standard = SelfBlender()

    /// What to do for one image.
    public struct Plan: Equatable, Sendable {
        public var hull: FaceHull.Variant = .whole
        /// Growth of the hull in face widths (negative: erosion).
        public var hullOffset: Double = 0
        /// Whether the source gets ``change`` (otherwise the target does).
        public var changeSource = true
        public var change = SourceChange.none
        public var affine = FaceAffine.identity
        public var elasticSeed: UInt64 = 0
        public var steps = BlendMaskSteps()

        /// A plan that changes nothing: whole hull, no change, identity affine, ratio 1 (its
        /// fake equals its real, pixel for pixel).
        public init() {}
    }

    /// Draws one image's plan: exactly 27 uniform values and one seed from `random`, whatever is
    /// chosen, so the plan of the k-th image depends only on where the stream stands.
    public func plan(using random: inout SeededGenerator) -> Plan {
        let u = (0..<27).map { _ in random.nextUniform() }
        let elasticSeed = random.next()
        func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double { a + t * (b - a) }
        func symmetric(_ bound: Double, _ t: Double) -> Double { lerp(-bound, bound, t) }
        func pick<T>(_ values: [T], _ t: Double) -> T { values[min(values.count - 1, Int(t * Double(values.count)))] }
        func whole(_ range: ClosedRange<Int>, _ t: Double) -> Int {
            min(range.upperBound, range.lowerBound + Int(t * Double(range.upperBound - range.lowerBound + 1)))
        }
        /// An odd value of the range, evenly (Python's `random.randrange(lo, hi + 1, 2)`).
        func odd(_ range: ClosedRange<Int>, _ t: Double) -> Int {
            let lo = range.lowerBound | 1, count = max(1, (range.upperBound - lo) / 2 + 1)
            return lo + 2 * min(count - 1, Int(t * Double(count)))
        }

        var plan = Plan()
        // Hull variant by cumulative weight, in the variants' declared order.
        let variants = FaceHull.Variant.allCases
        let total = variants.reduce(0) { $0 + (hullWeights[$1] ?? 0) }
        var mark = u[0] * total
        plan.hull = variants.last { (hullWeights[$0] ?? 0) > 0 }!
        for v in variants where (hullWeights[v] ?? 0) > 0 {
            if mark < hullWeights[v]! { plan.hull = v; break }
            mark -= hullWeights[v]!
        }
        if u[1] < erodeDilateProbability { plan.hullOffset = u[2] < 0.5 ? -erosion * u[3] : dilation * u[3] }

        plan.changeSource = u[4] < sourceChangeProbability
        var change = SourceChange()
        if u[5] < rgbShiftProbability {
            change.rgbShift = SIMD3(symmetric(rgbShift, u[6]), symmetric(rgbShift, u[7]), symmetric(rgbShift, u[8]))
        }
        change.hueShift = symmetric(hueShift, u[9])
        change.saturationShift = symmetric(saturationShift, u[10])
        change.valueShift = symmetric(valueShift, u[11])
        change.brightness = symmetric(brightness, u[12])
        change.contrast = 1 + symmetric(contrast, u[13])
        change.quality = u[14] < downscaleProbability
            ? .downscale(factor: pick(downscaleFactors, u[15]))
            : .sharpen(alpha: lerp(sharpenAlpha.lowerBound, sharpenAlpha.upperBound, u[16]),
                       lightness: lerp(sharpenLightness.lowerBound, sharpenLightness.upperBound, u[17]))
        plan.change = change
        plan.affine = FaceAffine(translation: SIMD2(symmetric(translationX, u[18]), symmetric(translationY, u[19])),
                                 scale: lerp(scale.lowerBound, scale.upperBound, u[20]))
        plan.elasticSeed = elasticSeed
        plan.steps = BlendMaskSteps(
            maskWidth: whole(maskSide, u[21]), maskHeight: whole(maskSide, u[22]), firstKernel: odd(firstKernel, u[23]),
            secondKernel: odd(secondKernel, u[24]), secondSigma: Double(whole(secondSigma, u[25])), ratio: pick(ratios, u[26]))
        return plan
    }

    /// Draws a plan from `random` and blends: see ``blend(image:landmarks:plan:)``.
    public func blend(image: RGBImage, landmarks: [SIMD3<Float>], using random: inout SeededGenerator) -> SelfBlend? {
        blend(image: image, landmarks: landmarks, plan: plan(using: &random))
    }

    /// The self-blend of one face: `landmarks` are FaceMesh's 468 in the image's pixels. Nil when
    /// they are fewer or span no area.
    ///
    /// The mask is made where SBI makes it: on its crop around the face (twice the 68-point face's
    /// width, 2.4 times its height, from half a width left and one height above it) resized to
    /// the plan's `maskWidth × maskHeight`, then carried back onto the image bilinearly. So its
    /// cost does not depend on the image's size; only the change runs over the whole image.
    public func blend(image: RGBImage, landmarks: [SIMD3<Float>], plan: Plan) -> SelfBlend? {
        guard landmarks.count >= FaceMeshGeometry.landmarkCount else { return nil }
        let points = landmarks.map { SIMD2(Double($0.x), Double($0.y)) }
        // The face's size as SBI measures it: the bounds of dlib's 68 points (no forehead).
        guard let face = FaceHull(points: FaceHull.points(.lowerFace, landmarks: points)), face.bounds.area > 0,
              let hull = FaceHull(points: FaceHull.points(plan.hull, landmarks: points))
        else { return nil }
        let box = face.bounds
        let centre = SIMD2(box.centerX, box.centerY), size = SIMD2(box.width, box.height)

        // The mask on SBI's resized crop: the hull moved with the source, grown or shrunk,
        // deformed, blurred.
        let steps = plan.steps
        let origin = SIMD2(box.x - box.width / 2, box.y - box.height)
        let scale = SIMD2(Double(steps.maskWidth) / (2 * box.width), Double(steps.maskHeight) / (2.4 * box.height))
        let moved = plan.affine.forward(centre: centre, size: size)
        guard let placed = hull.mapped({ (moved($0) - origin) * scale }) else { return nil }
        let faceWidth = Double(steps.maskWidth) / 2
        var mask = placed.rasterized(width: steps.maskWidth, height: steps.maskHeight, offset: plan.hullOffset * faceWidth)
        if let support = mask.support, elasticSpread > 0 {
            let spread = elasticSpread * faceWidth, reach = ElasticField.reach(spread: spread)
            let x0 = max(0, support.x.lowerBound - reach), y0 = max(0, support.y.lowerBound - reach)
            let x1 = min(mask.width, support.x.upperBound + reach), y1 = min(mask.height, support.y.upperBound + reach)
            let field = ElasticField(width: x1 - x0, height: y1 - y0, sigma: elasticSigma * faceWidth, spread: spread, seed: plan.elasticSeed)
            mask = field.warp(mask, originX: x0, originY: y0)
        }
        mask = steps.apply(to: mask).placed(width: image.width, height: image.height, origin: origin, scale: scale)

        // Source and target.
        let changed = plan.change.isIdentity ? image : plan.change.apply(to: image)
        let target = plan.changeSource ? image : changed
        var fake = target
        guard let support = mask.support else { return SelfBlend(real: target, fake: fake, mask: mask) }
        let source = plan.affine.warped(plan.changeSource ? changed : image, centre: centre, size: size, xs: support.x, ys: support.y)

        let w = image.width
        source.pixels.withUnsafeBufferPointer { s in
            mask.values.withUnsafeBufferPointer { m in
                fake.pixels.withUnsafeMutableBufferPointer { f in
                    for y in support.y {
                        for x in support.x {
                            let weight = m[y * w + x]
                            guard weight > 0 else { continue }
                            let i = (y * w + x) * 3
                            for c in i..<(i + 3) {
                                let t = Float(f[c])
                                f[c] = level(t + weight * (Float(s[c]) - t))
                            }
                        }
                    }
                }
            }
        }
        return SelfBlend(real: target, fake: fake, mask: mask)
    }
}
