import Media

/// What the per-video pipeline (``VideoFaceFinder``) needs of a face detector: a whole-frame scan,
/// and a cheaper look near the faces it already follows.
///
/// Two detectors conform: ``MeshFaceDetector`` (MediaPipe's BlazeFace and FaceMesh, the default)
/// and the cascade ``FaceDetector`` (`--detector haar`). A detector may keep buffers between calls,
/// so one instance serves one thread at a time.
public protocol FrameFaceDetector {
    /// Finds every face in a frame; boxes in the frame's pixels.
    func detect(in image: RGBImage) -> [Detection]

    /// Looks for the followed faces near where they were. `tracked` holds one detection per open
    /// track: its smoothed box, and the shape (landmarks) last found for it.
    func detect(in image: RGBImage, near tracked: [Detection]) -> [Detection]

    /// The settings a report records (name, thresholds, sizes).
    var reportSettings: [String: String] { get }

    /// Whether ``detect(in:near:)`` follows each face from its last landmarks rather than
    /// scanning around its box (then only tracks that missed at most one attempt are followed:
    /// see ``FaceTracker/openTracks(missedAtMost:)``).
    var followsLandmarks: Bool { get }
}

extension FaceDetector: FrameFaceDetector {
    public var followsLandmarks: Bool { false }

    public func detect(in image: RGBImage, near tracked: [Detection]) -> [Detection] {
        detect(in: GrayImage(image), near: tracked.map(\.box))
    }

    public var reportSettings: [String: String] {
        [
            "detector": "haar",
            "scaleFactor": String(settings.scaleFactor),
            "minNeighbors": String(settings.minNeighbors),
            "minFace": String(settings.minSize),
            "detectSide": detectSide.map(String.init) ?? "full",
        ]
    }
}
