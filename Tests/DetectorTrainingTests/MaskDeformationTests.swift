import Foundation
import NN
import Testing

@testable import DetectorTraining

@Suite("Mask deformation")
struct MaskDeformationTests {
    @Test("the elastic field is smooth: its displacements reach pixels with the spread asked for, yet change by far less than a pixel between neighbours")
    func elasticFieldIsSmooth() {
        // SBI's own field: sigma 7 px, and alpha 50, which is a spread of about 1.16 px.
        let field = ElasticField(width: 256, height: 256, sigma: 7, spread: 1.16, seed: 7)
        let n = Float(field.dx.count)
        let spread = ((field.dx + field.dy).map { $0 * $0 }.reduce(0, +) / (2 * n)).squareRoot()
        #expect(abs(spread - 1.16) < 0.2, "measured spread \(spread) px")
        #expect(field.maximumDisplacement > 2, "the field moves the mask: \(field.maximumDisplacement) px")
        #expect(field.maximumDisplacement <= Float(ElasticField.reach(spread: 1.16)))
        // Below 1 px per px the warp is one-to-one: the rim wobbles but never folds over itself.
        #expect(field.maximumGradient < 0.5, "gradient \(field.maximumGradient) px/px")
        // Unblurred noise of the same spread changes by pixels between neighbours.
        let rough = ElasticField(width: 256, height: 256, sigma: 0, spread: 1.16, seed: 7)
        #expect(rough.maximumGradient > 2)
        #expect(ElasticField(width: 64, height: 64, sigma: 3, spread: 1, seed: 1) == ElasticField(width: 64, height: 64, sigma: 3, spread: 1, seed: 1))
        #expect(ElasticField(width: 64, height: 64, sigma: 3, spread: 1, seed: 1) != ElasticField(width: 64, height: 64, sigma: 3, spread: 1, seed: 2))
    }

    @Test("warping a mask moves its rim by at most the field's reach and leaves it in [0, 1]")
    func warpMovesRim() throws {
        let hull = try #require(FaceHull(.whole, landmarks: SyntheticFace.landmarks))
        let mask = hull.rasterized(width: SyntheticFace.width, height: SyntheticFace.height)
        let field = ElasticField(width: SyntheticFace.width, height: SyntheticFace.height, sigma: 3.5, spread: 1.5, seed: 3)
        let warped = field.warp(mask)
        #expect(warped != mask)
        #expect(warped.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        let reach = Double(field.maximumDisplacement) + 1
        for y in 0..<mask.height {
            for x in 0..<mask.width {
                let d = hull.signedDistance(SIMD2(Double(x) + 0.5, Double(y) + 0.5))
                if d > reach { #expect(warped[x, y] == 0) }
                if d < -reach { #expect(warped[x, y] == 1) }
            }
        }
    }

    @Test("Gaussian kernels sum to one; OpenCV's default sigma for a size; a blur keeps a constant and spreads a point")
    func kernels() {
        let k = GaussianKernel(openCVSize: 25, sigma: 0)
        #expect(k.radius == 12 && abs(k.weights.reduce(0, +) - 1) < 1e-6)
        // OpenCV's σ for size 25 is 0.3 · (12 − 1) + 0.8 = 4.1: the end tap is exp(−144 / 33.62) of the centre.
        #expect(abs(k.weights[0] / k.weights[12] - Float(exp(-144 / (2 * 4.1 * 4.1)))) < 1e-6)
        #expect(GaussianKernel(openCVSize: 1, sigma: 0).radius == 0, "size 1 is the identity")
        #expect(GaussianKernel(openCVSize: 9, sigma: 30).weights.allSatisfy { abs($0 - 1 / 9) < 0.002 }, "a wide σ is nearly a box")
    }

    @Test("the blur spreads a single weight into its kernel's outer product and keeps a constant plane constant")
    func blur() {
        var point = SoftMask(width: 21, height: 15)
        point.values[7 * 21 + 10] = 1
        let kx = GaussianKernel(openCVSize: 5, sigma: 0), ky = GaussianKernel(openCVSize: 3, sigma: 0)
        let spread = point.blurred(x: kx, y: ky)
        for y in 0..<15 {
            for x in 0..<21 {
                let expected: Float = abs(x - 10) <= 2 && abs(y - 7) <= 1 ? kx.weights[x - 8] * ky.weights[y - 6] : 0
                #expect(abs(spread[x, y] - expected) < 1e-7)
            }
        }
        let flat = SoftMask(width: 9, height: 7, values: [Float](repeating: 0.5, count: 63)).blurred(x: kx, y: kx)
        #expect(flat.values.allSatisfy { abs($0 - 0.5) < 1e-6 }, "edges are replicated")
    }

    @Test("SBI's blend mask: weights in [0, ratio], the ratio reached inside the face, none far outside",
          arguments: [Float(0.25), 0.5, 0.75, 1])
    func blendMaskRange(ratio: Float) throws {
        let hull = try #require(FaceHull(.whole, landmarks: SyntheticFace.landmarks))
        let mask = hull.rasterized(width: SyntheticFace.width, height: SyntheticFace.height)
        for (k1, k2, sigma, side) in [(5, 5, 5.0, 192), (25, 25, 45.0, 256), (25, 5, 20.0, 200), (5, 25, 5.0, 224)] {
            let steps = BlendMaskSteps(maskWidth: side, maskHeight: 448 - side, firstKernel: k1, secondKernel: k2, secondSigma: sigma, ratio: ratio)
            let out = steps.apply(to: mask)
            #expect(out.values.allSatisfy { $0 >= 0 && $0 <= ratio })
            #expect(out.maximum == ratio)
            #expect(out[100, 115] >= ratio * 0.9999, "the face's centre is taken whole")
            #expect(out[2, 2] == 0 && out[197, 237] == 0)
            #expect(out.boundary.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}
