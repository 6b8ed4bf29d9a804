/// Where a face's parts are, in pixels of the upright frame: BlazeFace's six keypoints and
/// FaceMesh's 468 landmarks, with the scores behind them.
public struct FaceShape: Sendable, Equatable {
    /// The six keypoints, in BlazeFace's order: right eye, left eye, nose tip, mouth centre, right
    /// ear tragion, left ear tragion ("right" is the person's right, on the image's left). Taken
    /// from the landmarks (``keypoints(fromLandmarks:)``) whenever there are landmarks, so a track's
    /// keypoints do not jump between detection frames and tracking frames.
    public var keypoints: [SIMD2<Float>]
    /// FaceMesh's 468 landmarks, `x, y` in frame pixels and `z` in the same scale (smaller is
    /// nearer the camera); empty when landmarks were not computed.
    public var landmarks: [SIMD3<Float>]
    /// The face detector's score (sigmoid), or nil on frames where the face was followed from
    /// the previous frame's landmarks without the detector.
    public var detectionScore: Float?
    /// FaceMesh's face-presence probability, or nil without landmarks.
    public var presence: Float?

    public init(keypoints: [SIMD2<Float>], landmarks: [SIMD3<Float>] = [], detectionScore: Float? = nil, presence: Float? = nil) {
        self.keypoints = keypoints
        self.landmarks = landmarks
        self.detectionScore = detectionScore
        self.presence = presence
    }

    /// FaceMesh landmark indices whose means give BlazeFace's six keypoints: the eyes' contours,
    /// the nose tip, the inner lips, and the face oval's points beside the ears.
    public static let keypointLandmarks: [[Int]] = [
        [33, 133, 159, 145, 160, 144, 158, 153],   // right eye
        [263, 362, 386, 374, 387, 373, 385, 380],  // left eye
        [1],                                       // nose tip
        [13, 14, 78, 308],                         // mouth centre
        [234],                                     // right ear tragion (face oval)
        [454],                                     // left ear tragion (face oval)
    ]

    /// The six keypoints computed from 468 landmarks.
    public static func keypoints(fromLandmarks landmarks: [SIMD3<Float>]) -> [SIMD2<Float>] {
        keypointLandmarks.map { indices in
            var sum = SIMD2<Float>(0, 0)
            for i in indices { sum += SIMD2(landmarks[i].x, landmarks[i].y) }
            return sum / Float(indices.count)
        }
    }

    /// The shape moved by `(dx, dy)` and scaled by `factor` about the origin (maps shapes between
    /// a frame and a resized copy).
    public func scaled(by factor: Float) -> FaceShape {
        var out = self
        out.keypoints = keypoints.map { $0 * factor }
        out.landmarks = landmarks.map { $0 * factor }
        return out
    }

    /// The linear mix `self + (other − self)·u` of two shapes of the same kind (interpolation
    /// between two frames of a track); nil when their point counts differ.
    public func mixed(with other: FaceShape, _ u: Float) -> FaceShape? {
        guard keypoints.count == other.keypoints.count, landmarks.count == other.landmarks.count else { return nil }
        return FaceShape(
            keypoints: zip(keypoints, other.keypoints).map { $0 + ($1 - $0) * u },
            landmarks: zip(landmarks, other.landmarks).map { $0 + ($1 - $0) * u })
    }
}
