import Foundation
import Media
import NN
import Testing

@testable import DetectorTraining

@Suite("SelfBlender")
struct SelfBlenderTests {
    let image = SyntheticFace.image
    let landmarks = SyntheticFace.landmarks
    let blender = SelfBlender.standard

    @Test("a self-blend with nothing changed is the identity, whatever the mask", arguments: [Float(1), 0.5])
    func identity(ratio: Float) throws {
        var plan = SelfBlender.Plan()
        plan.steps.ratio = ratio
        plan.steps.secondKernel = 25
        let blend = try #require(blender.blend(image: image, landmarks: landmarks, plan: plan))
        #expect(blend.real == image)
        #expect(blend.fake == image)
        #expect(blend.mask.maximum == ratio)
    }

    @Test("with a colour change on the source: outside the mask the fake is the real bit for bit, inside it differs")
    func changeStaysInsideMask() throws {
        var plan = SelfBlender.Plan()
        plan.change = SourceChange(rgbShift: SIMD3(15, -10, 8), brightness: 0.05)
        plan.affine = FaceAffine(translation: SIMD2(0.03, -0.02), scale: 1.03)
        plan.steps = BlendMaskSteps(maskWidth: 200, maskHeight: 240, firstKernel: 11, secondKernel: 15, secondSigma: 20, ratio: 1)
        let blend = try #require(blender.blend(image: image, landmarks: landmarks, plan: plan))
        #expect(blend.real == image, "the target is untouched when the source gets the change")
        var outside = 0, inside = 0, insideChanged = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let m = blend.mask[x, y]
                let (f, r) = (blend.fake[x, y], blend.real[x, y])
                if m == 0 {
                    #expect(f == r, "pixel \(x), \(y) outside the mask changed")
                    outside += 1
                } else if m > 0.5 {
                    inside += 1
                    if f != r { insideChanged += 1 }
                }
            }
        }
        #expect(outside > 10_000 && inside > 10_000)
        #expect(Double(insideChanged) > 0.95 * Double(inside), "\(insideChanged) of \(inside) pixels inside changed")
    }

    @Test("with the change on the target, the real of the pair is the changed image and still equals the fake outside the mask")
    func changeOnTarget() throws {
        var plan = SelfBlender.Plan()
        plan.changeSource = false
        plan.change = SourceChange(hueShift: 3, contrast: 1.1, quality: .sharpen(alpha: 0.3, lightness: 0.9))
        let blend = try #require(blender.blend(image: image, landmarks: landmarks, plan: plan))
        #expect(blend.real == plan.change.apply(to: image))
        var insideChanged = 0
        for (i, m) in blend.mask.values.enumerated() {
            let same = (0..<3).allSatisfy { blend.fake.pixels[3 * i + $0] == blend.real.pixels[3 * i + $0] }
            if m == 0 { #expect(same) }
            if m == 1 && !same { insideChanged += 1 }
        }
        #expect(insideChanged > 5_000)
    }

    @Test("a plan takes 28 draws whatever it chooses; same seed, same blend; another seed, another")
    func determinism() throws {
        for settings in [SelfBlender.standard, SelfBlender(erodeDilateProbability: 1, rgbShiftProbability: 1, downscaleProbability: 0)] {
            var random = SeededGenerator(seed: 11), reference = SeededGenerator(seed: 11)
            _ = settings.plan(using: &random)
            for _ in 0..<28 { _ = reference.next() }
            #expect(random == reference)
        }
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5), c = SeededGenerator(seed: 6)
        let first = try #require(blender.blend(image: image, landmarks: landmarks, using: &a))
        let again = try #require(blender.blend(image: image, landmarks: landmarks, using: &b))
        let other = try #require(blender.blend(image: image, landmarks: landmarks, using: &c))
        #expect(first == again)
        #expect(first.fake != other.fake && first.mask != other.mask)
    }

    @Test("drawn plans keep every mask in [0, 1] with its maximum at a listed ratio, and the fake equal to the real outside it")
    func drawnPlans() throws {
        var random = SeededGenerator(seed: 99)
        var variants = Set<FaceHull.Variant>(), ratios = Set<Float>()
        for _ in 0..<40 {
            let plan = blender.plan(using: &random)
            variants.insert(plan.hull)
            ratios.insert(plan.steps.ratio)
            #expect(plan.steps.firstKernel % 2 == 1 && (5...25).contains(plan.steps.firstKernel))
            #expect(abs(plan.affine.translation.x) <= 0.06 && abs(plan.affine.translation.y) <= 0.036)
            #expect(plan.affine.scale >= 0.95 && plan.affine.scale <= 1 / 0.95)
            let blend = try #require(blender.blend(image: image, landmarks: landmarks, plan: plan))
            #expect(blend.mask.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(blend.mask.maximum == plan.steps.ratio)
            for (i, m) in blend.mask.values.enumerated() where m == 0 {
                #expect(blend.fake.pixels[3 * i] == blend.real.pixels[3 * i])
            }
        }
        #expect(variants.count == 4 && ratios == [0.25, 0.5, 0.75, 1])
    }

    @Test("the whole-hull mask: 0 beyond the hull grown by the blurs' and the field's reach, the full ratio well inside")
    func maskFollowsHull() throws {
        var plan = SelfBlender.Plan()
        plan.elasticSeed = 4
        plan.steps = BlendMaskSteps(maskWidth: 192, maskHeight: 192, firstKernel: 15, secondKernel: 21, secondSigma: 30, ratio: 1)
        let blend = try #require(blender.blend(image: image, landmarks: landmarks, plan: plan))
        let hull = try #require(FaceHull(.whole, landmarks: landmarks))
        // The mask is made on SBI's crop resized to 192 × 192: a pixel there is `unit` of ours at
        // most. The first kernel erodes 7 of its pixels, the second spreads 10, the field moves
        // at most `elastic`; a rounded rim, a bilinear warp and the bilinear placing add a few.
        let face = try #require(FaceHull(points: FaceHull.points(.lowerFace, landmarks: landmarks.map { SIMD2(Double($0.x), Double($0.y)) })))
        let unit = max(face.bounds.width * 2 / 192, face.bounds.height * 2.4 / 192)
        let elastic = Double(ElasticField.reach(spread: 0.006 * 96))
        let outerReach = (10 + elastic + 2) * unit + 1, innerReach = (7 + 10 + elastic + 3) * unit + 1
        var checkedOutside = 0, checkedInside = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let d = hull.signedDistance(SIMD2(Double(x) + 0.5, Double(y) + 0.5))
                if d > outerReach { #expect(blend.mask[x, y] == 0); checkedOutside += 1 }
                if d < -innerReach { #expect(blend.mask[x, y] >= 0.9999); checkedInside += 1 }
            }
        }
        #expect(checkedOutside > 5_000 && checkedInside > 2_000, "\(checkedOutside) pixels checked outside, \(checkedInside) inside")
    }
}
