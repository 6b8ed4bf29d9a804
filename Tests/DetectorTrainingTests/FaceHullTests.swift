import Foundation
import Testing

@testable import DetectorTraining

@Suite("FaceHull")
struct FaceHullTests {
    @Test("the hull of a square's corners and inner points is the square; distances to its edges")
    func hullOfSquare() throws {
        let corners: [SIMD2<Double>] = [SIMD2(10, 10), SIMD2(30, 10), SIMD2(30, 30), SIMD2(10, 30)]
        let inner: [SIMD2<Double>] = [SIMD2(20, 20), SIMD2(15, 25), SIMD2(29, 11), SIMD2(20, 10)]
        let hull = try #require(FaceHull(points: inner + corners))
        #expect(Set(hull.vertices.map { [$0.x, $0.y] }) == Set(corners.map { [$0.x, $0.y] }))
        #expect(hull.signedDistance(SIMD2(20, 20)) == -10)
        #expect(hull.signedDistance(SIMD2(35, 20)) == 5)
        #expect(hull.signedDistance(SIMD2(10, 20)) == 0)
        #expect(FaceHull(points: [SIMD2(0, 0), SIMD2(1, 1), SIMD2(2, 2)]) == nil, "collinear points span no area")
    }

    @Test("raster: 0 beyond the grown polygon's rim, 1 inside it, and the area grows with the offset",
          arguments: [-6.0, 0, 4])
    func rasterMatchesPolygon(offset: Double) throws {
        let hull = try #require(FaceHull(.whole, landmarks: SyntheticFace.landmarks))
        let mask = hull.rasterized(width: SyntheticFace.width, height: SyntheticFace.height, offset: offset)
        var ones = 0, zeros = 0
        for y in 0..<mask.height {
            for x in 0..<mask.width {
                let d = hull.signedDistance(SIMD2(Double(x) + 0.5, Double(y) + 0.5)) - offset
                if d >= 0.5 { #expect(mask[x, y] == 0); zeros += 1 }
                if d <= -0.5 { #expect(mask[x, y] == 1); ones += 1 }
                #expect(mask[x, y] >= 0 && mask[x, y] <= 1)
            }
        }
        // The oval's ellipse has area π·70·95 ≈ 20,890 px; the hull of its 36 points a little less.
        let area = mask.values.reduce(0) { $0 + Double($1) }
        let expected = Double.pi * (70 + offset) * (95 + offset)
        #expect(abs(area - expected) / expected < 0.02, "area \(area), ellipse grown by \(offset): \(expected)")
        #expect(ones > 10_000 && zeros > 10_000)
    }

    @Test("variants: the whole hull reaches the forehead, the lower face stops at the eyebrows, the extended hull between; the inner face lies inside")
    func variantsNest() throws {
        let top = { (v: FaceHull.Variant) in try #require(FaceHull(v, landmarks: SyntheticFace.landmarks)).bounds.y }
        let whole = try top(.whole), lower = try top(.lowerFace), extended = try top(.extended)
        #expect(whole < 25, "the oval's top is at y = 20")
        #expect(lower > 75 && lower < 85, "the eyebrows' tops are at y ≈ 78–82, got \(lower)")
        #expect(extended < lower - 5 && extended > whole, "extended \(extended) between \(whole) and \(lower)")
        let wholeHull = try #require(FaceHull(.whole, landmarks: SyntheticFace.landmarks))
        let inner = try #require(FaceHull(.innerFace, landmarks: SyntheticFace.landmarks))
        #expect(inner.vertices.allSatisfy { wholeHull.signedDistance($0) <= 0 })
        #expect(inner.bounds.area < 0.5 * wholeHull.bounds.area)
        #expect(FaceHull(.whole, landmarks: Array(SyntheticFace.landmarks.prefix(100))) == nil, "468 landmarks are needed")
    }

    @Test("MediaPipe's region lists: the oval is one loop of 36 landmarks through the forehead top, the chin and both temples")
    func regionData() {
        let oval = FaceMeshRegions.faceOval
        #expect(oval.count == 36 && Set(oval).count == 36)
        #expect(oval.first == 10 && oval.contains(152) && oval.contains(356) && oval.contains(127))
        let all = oval + FaceMeshRegions.rightEyebrow + FaceMeshRegions.leftEyebrow + FaceMeshRegions.rightEye
            + FaceMeshRegions.leftEye + FaceMeshRegions.lips + FaceMeshRegions.nose
        #expect(all.allSatisfy { (0..<468).contains($0) })
        #expect(FaceHull.lowerOval.first == 356 && FaceHull.lowerOval.last == 127 && FaceHull.lowerOval.contains(152))
    }
}
