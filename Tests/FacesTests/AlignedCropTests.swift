import Foundation
import Media
import Testing
import TestSupport

@testable import Faces

/// The aligned crop convention: a similarity from eyes and mouth to UTKFace's chip framing.
struct AlignedCropTests {
    typealias Similarity = AlignedCropTemplate.Similarity

    @Test("a known similarity is recovered from three points")
    func recoversAKnownSimilarity() throws {
        let truth = Similarity(a: 1.3 * cos(0.4), b: 1.3 * sin(0.4), tx: 12, ty: -7)
        let source: [SIMD2<Double>] = [SIMD2(10, 20), SIMD2(50, 22), SIMD2(31, 70)]
        let fitted = try #require(Similarity.fit(from: source, to: source.map(truth.apply)))
        #expect(abs(fitted.a - truth.a) < 1e-9 && abs(fitted.b - truth.b) < 1e-9)
        #expect(abs(fitted.tx - truth.tx) < 1e-9 && abs(fitted.ty - truth.ty) < 1e-9)
        let back = try #require(fitted.inverse)
        for p in source { #expect(((back.apply(fitted.apply(p)) - p) * (back.apply(fitted.apply(p)) - p)).sum() < 1e-18) }
        #expect(Similarity.fit(from: [SIMD2(1, 1), SIMD2(1, 1)], to: [SIMD2(0, 0), SIMD2(5, 5)]) == nil)
    }

    /// A patterned image whose keypoints already sit on the template: the crop at the same size
    /// is the image; turned by 90° with its keypoints, the crop undoes the turn.
    @Test("identity and a quarter turn")
    func identityAndQuarterTurn() throws {
        let size = 48
        var image = RGBImage(width: size, height: size)
        for y in 0..<size { for x in 0..<size {
            image.pixels[(y * size + x) * 3] = UInt8((x * 5) % 256)
            image.pixels[(y * size + x) * 3 + 1] = UInt8((y * 7) % 256)
            image.pixels[(y * size + x) * 3 + 2] = UInt8(((x + y) * 3) % 256)
        } }
        let t = AlignedCropTemplate.alignedV1
        func keypoints(_ f: (SIMD2<Double>) -> SIMD2<Double>) -> [SIMD2<Float>] {
            let p = [t.rightEye, t.leftEye, SIMD2(0.5, 0.5), t.mouth, SIMD2(0.1, 0.5), SIMD2(0.9, 0.5)].map { f($0 * Double(size)) }
            return p.map { SIMD2(Float($0.x), Float($0.y)) }
        }
        let same = try #require(t.crop(image, keypoints: keypoints { $0 }, size: size))
        #expect(same == image)
        // Turn the image a quarter clockwise: (x, y) -> (size - y, x) in continuous coordinates.
        var turned = RGBImage(width: size, height: size)
        for y in 0..<size { for x in 0..<size { for c in 0..<3 {
            turned.pixels[(x * size + (size - 1 - y)) * 3 + c] = image.pixels[(y * size + x) * 3 + c]
        } } }
        let undone = try #require(t.crop(turned, keypoints: keypoints { SIMD2(Double(size) - $0.y, $0.x) }, size: size))
        #expect(undone == image)
        #expect(t.crop(image, keypoints: [], size: size) == nil)
    }

    static func meanDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        var total = 0.0
        for (x, y) in zip(a.pixels, b.pixels) { total += abs(Double(x) - Double(y)) }
        return total / Double(max(a.pixels.count, 1))
    }

    @Test("an upscaled, padded UTKFace chip comes back as the chip",
          .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)),
          .enabled(if: FileManager.default.fileExists(atPath: TestPaths.sharedData.appendingPathComponent("utkface/faces64").path), "../shared/data is absent"))
    func chipRoundTrip() throws {
        let folder = TestPaths.sharedData.appendingPathComponent("utkface/faces64")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().prefix(12)
        let detector = try MeshFaceDetector(files: FaceModelFiles(directory: MediaPipeModels.directory.path))
        var errors: [Double] = [], baseline: [Double] = []
        let t = AlignedCropTemplate.alignedV1
        let unit: [SIMD2<Double>] = [t.rightEye, t.leftEye, SIMD2(0.5, 0.5), t.mouth]
        let ideal: [SIMD2<Float>] = unit.map { p in SIMD2<Float>(Float(p.x * 192 + 96), Float(p.y * 192 + 96)) }
        for name in names {
            let chip = try ImageFile.read(folder.appendingPathComponent(name).path)
            let frame = chip.resized(width: 192, height: 192).cropped(x: -96, y: -96, width: 384, height: 384)
            guard let keypoints = detector.detect(in: frame).first?.shape?.keypoints,
                  let aligned = AlignedCropTemplate.alignedV1.crop(frame, keypoints: keypoints, size: 64) else { continue }
            errors.append(Self.meanDifference(aligned, chip))
            // The same resampling with the template's own points: what the round trip through a
            // 3× upscale costs with perfect keypoints.
            let exact = try #require(t.crop(frame, keypoints: ideal, size: 64))
            baseline.append(Self.meanDifference(exact, chip))
        }
        #expect(errors.count >= 11)
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        print("aligned crop vs chip, mean absolute difference: median \(median(errors)) (exact points: \(median(baseline)))")
        #expect(median(baseline) < 6, "resampling alone: \(baseline)")
        #expect(median(errors) < median(baseline) + 12, "mean absolute difference per chip: \(errors)")
    }
}
