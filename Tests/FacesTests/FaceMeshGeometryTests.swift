import Foundation
import Testing
@testable import Faces

private func close(_ a: Float, _ b: Float, _ tolerance: Float) -> Bool { abs(a - b) <= tolerance }

@Suite struct FaceMeshGeometryTests {
    @Test func levelEyesGiveNoRotation() {
        #expect(FaceMeshGeometry.rotation(from: SIMD2(100, 50), to: SIMD2(140, 50)) == 0)
    }

    @Test func eyesOnADiagonalGiveAQuarterPiWithMediaPipesSign() {
        // The left eye lower on screen (y grows down): the head is turned clockwise, rotation +π/4.
        #expect(close(FaceMeshGeometry.rotation(from: SIMD2(0, 0), to: SIMD2(10, 10)), .pi / 4, 1e-6))
        // The left eye higher: −π/4.
        #expect(close(FaceMeshGeometry.rotation(from: SIMD2(0, 0), to: SIMD2(10, -10)), -.pi / 4, 1e-6))
        // Eyes swapped (upside down): π wraps to −π, since MediaPipe normalises into [−π, π).
        #expect(close(FaceMeshGeometry.rotation(from: SIMD2(10, 0), to: SIMD2(0, 0)), -.pi, 1e-6))
        #expect(close(FaceMeshGeometry.normalizeRadians(3 * .pi / 2), -.pi / 2, 1e-6))
    }

    @Test func rectTransformationSquaresScalesAndShiftsAlongTheTurnedAxes() {
        let rect = RotatedRect(centerX: 100, centerY: 50, width: 40, height: 20, rotation: 0)
        #expect(RectTransformation.faceMesh.apply(rect) == RotatedRect(centerX: 100, centerY: 50, width: 60, height: 60))
        let shift = RectTransformation(shiftY: -0.5)
        #expect(shift.apply(rect).centerY == 40)
        // Turned a quarter: the rectangle's y axis points to the image's −x.
        let turned = shift.apply(RotatedRect(centerX: 100, centerY: 50, width: 40, height: 20, rotation: .pi / 2))
        #expect(close(turned.centerX, 110, 1e-4) && close(turned.centerY, 50, 1e-4))
        #expect(RectTransformation(square: .short).apply(rect).width == 20)
    }

    /// DetectionsToRects (keypoints 0 → 1, in pixels) then RectTransformation (1.5, square long) as
    /// MediaPipe ran them on a 1280×720 frame.
    @Test func roiFromDetectionMatchesMediaPipe() throws {
        let fixture = try MediaPipeFixture.load().roi
        let (w, h) = (Float(fixture.frameWidth), Float(fixture.frameHeight))
        for c in fixture.fromDetection {
            let detection = FaceDetection(
                box: NormalizedBox(xmin: c.box[0], ymin: c.box[1], width: c.box[2], height: c.box[3]),
                keypoints: c.keypoints.map { SIMD2($0[0], $0[1]) }, score: 1)
            let roi = try #require(
                FaceMeshGeometry.roi(detection: detection, frameWidth: fixture.frameWidth, frameHeight: fixture.frameHeight))
            #expect(close(roi.centerX, c.roi[0] * w, 2e-3) && close(roi.centerY, c.roi[1] * h, 2e-3), "\(roi) vs \(c.roi)")
            #expect(close(roi.width, c.roi[2] * w, 2e-3) && close(roi.height, c.roi[3] * h, 2e-3), "\(roi) vs \(c.roi)")
            #expect(roi.rotation == c.roi[4], "\(roi) vs \(c.roi)")
        }
    }

    /// LandmarksToDetection, DetectionsToRects (landmarks 33 → 263) and RectTransformation.
    @Test func roiFromLandmarksMatchesMediaPipe() throws {
        let fixture = try MediaPipeFixture.load().roi
        let (w, h) = (Float(fixture.frameWidth), Float(fixture.frameHeight))
        for c in fixture.fromLandmarks {
            let values = MediaPipeFixture.floats(c.landmarks)
            let landmarks = stride(from: 0, to: values.count, by: 2).map { SIMD3(values[$0] * w, values[$0 + 1] * h, 0) }
            let roi = try #require(FaceMeshGeometry.roi(landmarks: landmarks))
            #expect(close(roi.centerX, c.roi[0] * w, 2e-3) && close(roi.centerY, c.roi[1] * h, 2e-3), "\(roi) vs \(c.roi)")
            #expect(close(roi.width, c.roi[2] * w, 2e-3) && close(roi.height, c.roi[3] * h, 2e-3), "\(roi) vs \(c.roi)")
            #expect(close(roi.rotation, c.roi[4], 1e-6), "\(roi) vs \(c.roi)")
        }
    }

    /// TensorsToLandmarks (÷192) then LandmarkProjection with a turned, non-square NORM_RECT.
    @Test func landmarkProjectionMatchesMediaPipe() throws {
        let fixture = try MediaPipeFixture.load().landmarkProjection
        let (w, h) = (Float(fixture.frameWidth), Float(fixture.frameHeight))
        let r = fixture.rect
        let roi = RotatedRect(centerX: r[0] * w, centerY: r[1] * h, width: r[2] * w, height: r[3] * h, rotation: r[4])
        let output = MediaPipeFixture.floats(fixture.output)
        let expected = MediaPipeFixture.floats(fixture.projected)
        let points = FaceMeshGeometry.projectLandmarks(output, roi: roi, landmarkCount: output.count / 3)
        #expect(points.count * 3 == expected.count)
        for (i, p) in points.enumerated() {
            let want = SIMD3(expected[3 * i] * w, expected[3 * i + 1] * h, expected[3 * i + 2] * w)
            #expect(close(p.x, want.x, 2e-3) && close(p.y, want.y, 2e-3) && close(p.z, want.z, 1e-3), "\(i): \(p) vs \(want)")
        }
    }

    @Test func landmarkProjectionRoundTrips() {
        let roi = RotatedRect(centerX: 612.5, centerY: 301.25, width: 240, height: 180, rotation: -0.8)
        for q in [SIMD2<Float>(0, 0), SIMD2(96, 96), SIMD2(191.5, 12.25), SIMD2(40, 170)] {
            let p = FaceMeshGeometry.projectLandmarks([q.x, q.y, 9.6], roi: roi, landmarkCount: 1)[0]
            let back = FaceMeshGeometry.unproject(SIMD2(p.x, p.y), roi: roi)
            #expect(close(back.x, q.x, 1e-3) && close(back.y, q.y, 1e-3), "\(q) → \(p) → \(back)")
            // z is scaled like x: 9.6 / 192 of the ROI's width.
            #expect(close(p.z, 12, 1e-4))
        }
        // The tensor's centre lands on the ROI's centre.
        let centre = FaceMeshGeometry.projectLandmarks([96, 96, 0], roi: roi, landmarkCount: 1)[0]
        #expect(close(centre.x, 612.5, 1e-4) && close(centre.y, 301.25, 1e-4))
    }

    @Test func degenerateInputsGiveNoROI() {
        let detection = FaceDetection(
            box: NormalizedBox(xmin: .nan, ymin: 0.2, width: 0.1, height: 0.1),
            keypoints: [SIMD2(0.1, 0.1), SIMD2(0.2, 0.1)], score: 1)
        #expect(FaceMeshGeometry.roi(detection: detection, frameWidth: 640, frameHeight: 480) == nil)
        let flat = [SIMD3<Float>](repeating: SIMD3(5, 5, 0), count: 468)
        #expect(FaceMeshGeometry.roi(landmarks: flat) == nil)
    }

    @Test func presenceIsASigmoidAboveOneHalf() {
        #expect(FaceMeshGeometry.presence(logit: 0) == 0.5)
        #expect(!FaceMeshGeometry.isFacePresent(logit: 0))
        #expect(FaceMeshGeometry.isFacePresent(logit: 0.01))
        #expect(!FaceMeshGeometry.isFacePresent(logit: -3))
    }
}
