import Foundation
import Testing
@testable import Faces

/// Whether two detections agree within `tolerance` in every coordinate and the score.
func nearlyEqual(_ a: FaceDetection, _ b: FaceDetection, tolerance: Float) -> Bool {
    let boxes = [a.box.xmin - b.box.xmin, a.box.ymin - b.box.ymin, a.box.width - b.box.width, a.box.height - b.box.height]
    guard a.keypoints.count == b.keypoints.count, abs(a.score - b.score) <= tolerance else { return false }
    let points = zip(a.keypoints, b.keypoints).flatMap { [$0.x - $1.x, $0.y - $1.y] }
    return (boxes + points).allSatisfy { abs($0) <= tolerance }
}

/// A full-range regressor buffer with one row set and every score a very negative logit.
private func buffers(row: Int, values: [Float], logit: Float) -> (regressors: [Float], scores: [Float]) {
    var regressors = [Float](repeating: 0, count: 2304 * 16)
    var scores = [Float](repeating: -100, count: 2304)
    for (k, v) in values.enumerated() { regressors[row * 16 + k] = v }
    scores[row] = logit
    return (regressors, scores)
}

@Suite struct BlazeFaceDecoderTests {
    @Test func decodingAHandBuiltRowGivesItsBoxAndKeypoints() throws {
        let decoder = BlazeFaceDecoder.fullRange
        // Anchor 500 is row 10, column 20 of the 48×48 map: centre (20.5 / 48, 10.5 / 48).
        let row = 10 * 48 + 20
        // x, y, w, h in input pixels (÷192 → 0.1, -0.05, 0.2, 0.3), then keypoints (k·9.6, -k·4.8).
        var values: [Float] = [19.2, -9.6, 38.4, 57.6]
        for k in 0..<6 { values += [Float(k) * 9.6, -Float(k) * 4.8] }
        let (regressors, scores) = buffers(row: row, values: values, logit: 2)
        let detections = decoder.decode(regressors: regressors, scores: scores, anchors: decoder.anchors)
        let detection = try #require(detections.count == 1 ? detections[0] : nil)
        let cx: Float = 20.5 / 48 + 0.1, cy: Float = 10.5 / 48 - 0.05
        let expected = FaceDetection(
            box: NormalizedBox(xmin: cx - 0.1, ymin: cy - 0.15, width: 0.2, height: 0.3),
            keypoints: (0..<6).map { SIMD2(20.5 / 48 + Float($0) * 0.05, 10.5 / 48 - Float($0) * 0.025) },
            score: 1 / (1 + exp(-2)))
        #expect(nearlyEqual(detection, expected, tolerance: 1e-6))
    }

    @Test func scoresAreClippedSigmoidsAndThresholded() {
        let decoder = BlazeFaceDecoder.fullRange
        #expect(decoder.score(logit: 2) == 1 / (1 + expf(-2)))
        // Clipped to ±100 before the sigmoid: exactly MediaPipe's value for 100.
        #expect(decoder.score(logit: 1000) == 1 / (1 + expf(-100)))
        #expect(decoder.score(logit: .infinity) == 1 / (1 + expf(-100)))
        // sigmoid(0) = 0.5 is below the full-range threshold 0.6; NaN never scores.
        #expect(decoder.score(logit: 0) == nil)
        #expect(decoder.score(logit: -1000) == nil)
        #expect(decoder.score(logit: .nan) == nil)
        #expect(decoder.score(logit: 0.41) == 1 / (1 + expf(-0.41)))  // 0.601 passes
    }

    @Test func nonFiniteAndInvertedBoxesAreDropped() {
        let decoder = BlazeFaceDecoder.fullRange
        var values: [Float] = [0, 0, 20, 20] + [Float](repeating: 0, count: 12)
        values[7] = .infinity  // a keypoint's y
        var (regressors, scores) = buffers(row: 7, values: values, logit: 5)
        #expect(decoder.decode(regressors: regressors, scores: scores, anchors: decoder.anchors).isEmpty)
        values[7] = 0
        values[2] = -20  // negative width, which MediaPipe itself filters
        (regressors, scores) = buffers(row: 7, values: values, logit: 5)
        #expect(decoder.decode(regressors: regressors, scores: scores, anchors: decoder.anchors).isEmpty)
        values[2] = .nan
        (regressors, scores) = buffers(row: 7, values: values, logit: 5)
        #expect(decoder.decode(regressors: regressors, scores: scores, anchors: decoder.anchors).isEmpty)
    }

    @Test func weightedSuppressionMergesByScoreKeepsFarBoxesAndOrdersByScore() throws {
        let decoder = BlazeFaceDecoder.fullRange
        func face(_ x: Float, _ y: Float, _ w: Float, _ score: Float) -> FaceDetection {
            FaceDetection(
                box: NormalizedBox(xmin: x, ymin: y, width: w, height: w),
                keypoints: [SIMD2(x, y), SIMD2(x + w, y + w)], score: score)
        }
        let weak = face(0.12, 0.10, 0.2, 0.6)  // IoU with `strong` = 0.036 / 0.044 ≈ 0.82
        let strong = face(0.10, 0.10, 0.2, 0.9)
        let far = face(0.60, 0.60, 0.1, 0.7)
        let out = decoder.weightedNonMaxSuppression([weak, far, strong])
        #expect(out.count == 2)
        let merged = try #require(out.first)
        // The cluster's best score; corners and keypoints weighted 0.9 : 0.6.
        #expect(merged.score == 0.9)
        let left: Float = (0.10 * 0.9 + 0.12 * 0.6) / 1.5
        let expected = FaceDetection(
            box: NormalizedBox(xmin: left, ymin: 0.10, width: 0.2, height: 0.2),
            keypoints: [SIMD2(left, 0.10), SIMD2(left + 0.2, 0.30)], score: 0.9)
        #expect(nearlyEqual(merged, expected, tolerance: 1e-6))
        // A lone detection is its own cluster: its corners are re-averaged, as in MediaPipe.
        #expect(nearlyEqual(try #require(out.last), far, tolerance: 1e-7))
    }

    @Test func suppressionStopsAfterAZeroAreaSeedAsMediaPipeDoes() {
        let decoder = BlazeFaceDecoder.fullRange
        let flat = FaceDetection(box: NormalizedBox(xmin: 0.2, ymin: 0.2, width: 0, height: 0.1), keypoints: [], score: 0.9)
        let other = FaceDetection(box: NormalizedBox(xmin: 0.6, ymin: 0.6, width: 0.1, height: 0.1), keypoints: [], score: 0.8)
        // The flat box's IoU with itself is 0, so its round removes nothing and the loop ends.
        #expect(decoder.weightedNonMaxSuppression([other, flat]) == [flat])
    }

    @Test func iouFollowsMediaPipeRectangles() {
        let a = NormalizedBox(xmin: 0, ymin: 0, width: 0.5, height: 0.5)
        #expect(a.iou(a) == 1)
        #expect(a.iou(NormalizedBox(xmin: 0.25, ymin: 0, width: 0.5, height: 0.5)) == Float(0.125) / Float(0.375))
        #expect(a.iou(NormalizedBox(xmin: 0.5, ymin: 0, width: 0.5, height: 0.5)) == 0)  // touching
        #expect(a.iou(NormalizedBox(xmin: 0.1, ymin: 0.1, width: -0.1, height: 0.2)) == 0)  // inverted
    }

    /// MediaPipe's short-range model on a synthetic picture: its raw outputs (anchors scoring ≥ 0.04;
    /// the rest get logit -100), and what TensorsToDetections (threshold 0.05), weighted NMS and
    /// DetectionProjection made of them.
    @Test func decodingSuppressionAndProjectionMatchMediaPipe() throws {
        let fixture = try MediaPipeFixture.load().detection
        var options = BlazeFaceDecoder.Options.blazeFaceShortRange
        options.minScoreThreshold = fixture.minScoreThreshold
        let decoder = BlazeFaceDecoder(options: options, anchors: SSDAnchor.generate(.blazeFaceShortRange))
        var regressors = [Float](repeating: 0, count: 896 * 16)
        var scores = [Float](repeating: -100, count: 896)
        let rows = MediaPipeFixture.floats(fixture.regressors), logits = MediaPipeFixture.floats(fixture.logits)
        for (k, anchor) in fixture.anchorIndices.enumerated() {
            regressors.replaceSubrange(anchor * 16..<(anchor + 1) * 16, with: rows[k * 16..<(k + 1) * 16])
            scores[anchor] = logits[k]
        }

        let decoded = decoder.decode(regressors: regressors, scores: scores, anchors: decoder.anchors)
        let expectedDecoded = MediaPipeFixture.detections(fixture.decoded)
        #expect(decoded.count == expectedDecoded.count)
        for (got, want) in zip(decoded, expectedDecoded) {
            #expect(got == want)
        }

        let suppressed = decoder.weightedNonMaxSuppression(decoded)
        let expectedSuppressed = MediaPipeFixture.detections(fixture.suppressed)
        #expect(suppressed.count == expectedSuppressed.count)
        for (got, want) in zip(suppressed, expectedSuppressed) {
            #expect(got == want)
        }

        let tensor = ImageToTensor.blazeFaceShortRange.convert(SyntheticImages.named(fixture.image))
        let projected = suppressed.map { tensor.toImage($0) }
        let expectedProjected = MediaPipeFixture.detections(fixture.projected)
        #expect(projected.count == expectedProjected.count)
        for (i, want) in expectedProjected.enumerated() where i < projected.count {
            #expect(projected[i] == want)
            // Whole frame, unrotated: removing the letterbox gives the same frame coordinates.
            #expect(nearlyEqual(tensor.padding.removed(from: suppressed[i]), want, tolerance: 1e-5))
        }
    }
}
