import Foundation

/// MediaPipe's `RectTransformationCalculator` on a rectangle in pixels: shift along the
/// rectangle's own axes, optionally square it, then scale.
///
/// MediaPipe transforms normalised rectangles with the image size; in pixels its formulas reduce
/// to these (`square_long` takes the longer side in pixels), so results agree to float rounding.
/// Its `rotation` option is left out: the calculator computes the new angle but never stores it.
public struct RectTransformation: Sendable, Equatable {
    /// Whether and how the rectangle is squared before scaling.
    public enum Square: Sendable, Equatable {
        /// Keep the aspect ratio.
        case none
        /// Both sides become the longer one (`square_long`).
        case long
        /// Both sides become the shorter one (`square_short`).
        case short
    }

    /// Width multiplier.
    public var scaleX: Float
    /// Height multiplier.
    public var scaleY: Float
    /// Shift along the rectangle's x axis, as a fraction of its width.
    public var shiftX: Float
    /// Shift along the rectangle's y axis, as a fraction of its height.
    public var shiftY: Float
    /// Squaring.
    public var square: Square

    /// Creates a transformation; the defaults leave a rectangle unchanged.
    public init(scaleX: Float = 1, scaleY: Float = 1, shiftX: Float = 0, shiftY: Float = 0, square: Square = .none) {
        self.scaleX = scaleX
        self.scaleY = scaleY
        self.shiftX = shiftX
        self.shiftY = shiftY
        self.square = square
    }

    /// FaceMesh's ROI rule (`face_detection_front_detection_to_roi.pbtxt` and
    /// `face_landmark_landmarks_to_roi.pbtxt`): square on the long side, then ×1.5.
    public static let faceMesh = RectTransformation(scaleX: 1.5, scaleY: 1.5, square: .long)

    /// The transformed rectangle (the rotation is kept).
    public func apply(_ rect: RotatedRect) -> RotatedRect {
        var out = rect
        var width = rect.width, height = rect.height
        if rect.rotation == 0 {
            out.centerX += width * shiftX
            out.centerY += height * shiftY
        } else {
            let c = cosf(rect.rotation), s = sinf(rect.rotation)
            out.centerX += width * shiftX * c - height * shiftY * s
            out.centerY += width * shiftX * s + height * shiftY * c
        }
        switch square {
        case .none: break
        case .long: (width, height) = (max(width, height), max(width, height))
        case .short: (width, height) = (min(width, height), min(width, height))
        }
        out.width = width * scaleX
        out.height = height * scaleY
        return out
    }
}

/// The geometry around MediaPipe 0.10.14's FaceMesh (`face_landmark_front_cpu`): the landmark
/// model's ROI from a face detection or from the previous frame's landmarks, and the projection
/// of the model's output back into the frame. All coordinates are frame pixels.
///
/// The landmark model (`face_landmark.tflite`) takes `ImageToTensor.faceMesh` of the ROI and gives
/// 1404 floats, 468 × `(x, y, z)` in input pixels, and a face-presence logit.
public enum FaceMeshGeometry {
    /// Landmarks of FaceMesh's model.
    public static let landmarkCount = 468
    /// Landmark at the outer corner of the subject's right eye (start of the tracking ROI's
    /// rotation vector).
    public static let rightEyeOuterCorner = 33
    /// Landmark at the outer corner of the subject's left eye (its end).
    public static let leftEyeOuterCorner = 263
    /// Presence scores above this mean a face (`ThresholdingCalculator`, strict `>`).
    public static let presenceThreshold: Float = 0.5

    /// MediaPipe's `NormalizeRadians`: the angle wrapped into `[-π, π)`, in double as the C++.
    public static func normalizeRadians(_ angle: Float) -> Float {
        let a = Double(angle)
        return Float(a - 2 * Double.pi * ((a + Double.pi) / (2 * Double.pi)).rounded(.down))
    }

    /// The rotation `DetectionsToRectsCalculator` gives the vector from `start` to `end` (pixels):
    /// `normalize(targetAngle - atan2(-(end.y - start.y), end.x - start.x))`. Level eyes give 0;
    /// eyes whose line falls to the right on screen (the head turned clockwise) give a positive
    /// angle, the turn `RotatedRect` undoes when sampling.
    public static func rotation(from start: SIMD2<Float>, to end: SIMD2<Float>, targetAngle: Float = 0) -> Float {
        normalizeRadians(targetAngle - atan2f(-(end.y - start.y), end.x - start.x))
    }

    /// The landmark model's ROI for a detection normalised to the frame (after
    /// `ImageTensor.toImage(_:)`): `DetectionsToRectsCalculator` (box centre and size, rotation
    /// from keypoint 0, the right eye, to keypoint 1, the left eye, measured in pixels), then
    /// `RectTransformation.faceMesh`. Nil when the detection gives no usable rectangle
    /// (non-finite values, an empty box, fewer than two keypoints).
    public static func roi(detection: FaceDetection, frameWidth: Int, frameHeight: Int) -> RotatedRect? {
        guard detection.keypoints.count >= 2 else { return nil }
        let w = Float(frameWidth), h = Float(frameHeight)
        let box = detection.box
        let start = SIMD2(detection.keypoints[0].x * w, detection.keypoints[0].y * h)
        let end = SIMD2(detection.keypoints[1].x * w, detection.keypoints[1].y * h)
        let rect = RotatedRect(
            centerX: (box.xmin + box.width / 2) * w, centerY: (box.ymin + box.height / 2) * h,
            width: box.width * w, height: box.height * h, rotation: rotation(from: start, to: end))
        let out = RectTransformation.faceMesh.apply(rect)
        return out.isValid ? out : nil
    }

    /// The tracking ROI from one frame's landmarks (pixels), for the next frame:
    /// `LandmarksToDetectionCalculator` (the bounds of all landmarks), `DetectionsToRects` with the
    /// rotation from landmark 33 to landmark 263, then `RectTransformation.faceMesh`. Nil when the
    /// landmarks give no usable rectangle.
    /// - Precondition: at least 264 landmarks (the eye corners' indices).
    public static func roi(landmarks: [SIMD3<Float>]) -> RotatedRect? {
        precondition(
            landmarks.count > leftEyeOuterCorner,
            "the tracking ROI needs FaceMesh's \(landmarkCount) landmarks, got \(landmarks.count)")
        // MediaPipe starts its maxima at FLT_MIN (the smallest positive float), which only matters
        // when every landmark lies left of or above the frame; the plain bounds are used here.
        var low = SIMD2<Float>(repeating: .greatestFiniteMagnitude)
        var high = SIMD2<Float>(repeating: -.greatestFiniteMagnitude)
        for p in landmarks {
            low = pointwiseMin(low, SIMD2(p.x, p.y))
            high = pointwiseMax(high, SIMD2(p.x, p.y))
        }
        let size = high - low
        let start = landmarks[rightEyeOuterCorner], end = landmarks[leftEyeOuterCorner]
        let rect = RotatedRect(
            centerX: low.x + size.x / 2, centerY: low.y + size.y / 2, width: size.x, height: size.y,
            rotation: rotation(from: SIMD2(start.x, start.y), to: SIMD2(end.x, end.y)))
        let out = RectTransformation.faceMesh.apply(rect)
        return out.isValid ? out : nil
    }

    /// The landmark model's output mapped into the frame: `TensorsToLandmarksCalculator`
    /// (divide by the input size) then `LandmarkProjectionCalculator` with the ROI (0.10.14's
    /// `NORM_RECT` form: turn the offset from the tensor's centre by the ROI's rotation, scale x by
    /// the ROI's width and y by its height, add the centre; exact for the square ROIs FaceMesh
    /// uses).
    ///
    /// z is scaled like x: `z / inputWidth * roi.width`, in frame pixels, with the same sign as the
    /// model's (smaller is nearer the camera; 0 is about the head's centre). MediaPipe's
    /// normalised landmark z is this value divided by the frame width.
    /// - Parameters:
    ///   - output: `landmarkCount × d` values (`d ≥ 3`; the first three of each are x, y, z in
    ///     input pixels): the model's 1404 floats for FaceMesh.
    ///   - roi: the rectangle the input tensor was cut from.
    /// - Precondition: `output.count` is a positive multiple of `landmarkCount` with `d ≥ 3`.
    public static func projectLandmarks(
        _ output: [Float], roi: RotatedRect, inputWidth: Int = 192, inputHeight: Int = 192,
        landmarkCount: Int = FaceMeshGeometry.landmarkCount
    ) -> [SIMD3<Float>] {
        precondition(
            landmarkCount > 0 && output.count % landmarkCount == 0 && output.count / landmarkCount >= 3,
            "landmark output needs \(landmarkCount) × (x, y, z, ...) values, got \(output.count)")
        let dims = output.count / landmarkCount
        let c = cosf(roi.rotation), s = sinf(roi.rotation)
        let iw = Float(inputWidth), ih = Float(inputHeight)
        var points: [SIMD3<Float>] = []
        points.reserveCapacity(landmarkCount)
        for i in 0..<landmarkCount {
            let x = output[i * dims] / iw - 0.5, y = output[i * dims + 1] / ih - 0.5
            let z = output[i * dims + 2] / iw
            points.append(
                SIMD3(
                    (c * x - s * y) * roi.width + roi.centerX, (s * x + c * y) * roi.height + roi.centerY,
                    z * roi.width))
        }
        return points
    }

    /// The inverse of `projectLandmarks` for one point: frame pixels to the model input's pixels.
    public static func unproject(
        _ point: SIMD2<Float>, roi: RotatedRect, inputWidth: Int = 192, inputHeight: Int = 192
    ) -> SIMD2<Float> {
        let c = cosf(roi.rotation), s = sinf(roi.rotation)
        let dx = (point.x - roi.centerX) / roi.width, dy = (point.y - roi.centerY) / roi.height
        return SIMD2((c * dx + s * dy + 0.5) * Float(inputWidth), (-s * dx + c * dy + 0.5) * Float(inputHeight))
    }

    /// The face-presence probability from the landmark model's logit
    /// (`TensorsToFloatsCalculator`, sigmoid).
    public static func presence(logit: Float) -> Float { 1 / (1 + expf(-logit)) }

    /// Whether the landmark model sees a face: presence above `presenceThreshold`. Landmarks of
    /// an absent face are discarded in MediaPipe's graph.
    public static func isFacePresent(logit: Float) -> Bool { presence(logit: logit) > presenceThreshold }
}
