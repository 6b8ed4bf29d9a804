import Foundation

/// Which face detector a command uses, with its settings: what `--detector`, `--min-face` and the
/// detector-specific options choose. ``make()`` builds it.
public struct FaceDetectorConfiguration: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// MediaPipe's BlazeFace full range and short range with FaceMesh (the default): faces up
        /// to about 5 m away (full range) and close-ups (short range).
        case mediapipe
        /// BlazeFace full range only with FaceMesh: misses some close-up faces.
        case mediapipeFull = "mediapipe-full"
        /// BlazeFace short range only with FaceMesh: faster, faces within about 2 m.
        case mediapipeShort = "mediapipe-short"
        /// OpenCV's Haar cascade evaluated in Swift (the first detector; no landmarks).
        case haar
    }

    public var kind: Kind
    /// Smallest face side in frame pixels.
    public var minFace: Int
    /// Smallest FaceMesh face-presence probability (MediaPipe kinds).
    public var minPresence: Float
    /// Cascade name or path (haar).
    public var cascade: String
    /// Also run the profile cascade both ways (haar).
    public var profile: Bool
    /// Scan a copy whose longer side is at most this many pixels (haar; nil: full size).
    public var detectSide: Int?
    /// MediaPipe kinds: take each face's box from the cascade where it finds the face near the
    /// landmark box (``MeshFaceDetector/cascadeBoxes``), for detectors trained on cascade crops.
    public var cascadeBoxes: Bool
    /// Models folders below which `third-party/mediapipe` holds MediaPipe's files
    /// (`$DEEPFAKE_FACE_MODELS` overrides them).
    public var modelsFolders: [String]

    public init(kind: Kind = .mediapipe, minFace: Int = 40, minPresence: Float = 0.5, cascade: String = CascadeLocator.defaultName,
                profile: Bool = false, detectSide: Int? = nil, cascadeBoxes: Bool = false, modelsFolders: [String] = []) {
        self.cascadeBoxes = cascadeBoxes
        self.kind = kind
        self.minFace = minFace
        self.minPresence = minPresence
        self.cascade = cascade
        self.profile = profile
        self.detectSide = detectSide
        self.modelsFolders = modelsFolders
    }

    /// The model files ``make()`` would load, as far as they can be found (missing ones are left
    /// for ``make()`` to report): commands protect them from being overwritten by an output.
    public var modelFiles: [String] {
        var files: [String] = []
        if kind != .haar, let found = try? FaceModelFiles.locate(modelsFolders: modelsFolders) {
            files += FaceModel.allCases.map { found.path($0) }
        }
        if kind == .haar || cascadeBoxes, let path = try? CascadeLocator.resolve(cascade) { files.append(path) }
        if kind == .haar && profile, let path = try? CascadeLocator.resolve(CascadeLocator.profileName) { files.append(path) }
        return files
    }

    /// Loads the detector.
    /// - Throws: `FacesError` for a missing or damaged cascade or model file.
    public func make() throws(FacesError) -> any FrameFaceDetector {
        switch kind {
        case .mediapipe, .mediapipeFull, .mediapipeShort:
            let models: [FaceModel] = kind == .mediapipe ? [.fullRange, .shortRange] : kind == .mediapipeFull ? [.fullRange] : [.shortRange]
            return try MeshFaceDetector(
                files: try FaceModelFiles.locate(modelsFolders: modelsFolders),
                settings: .init(models: models, minPresence: minPresence, minSize: Double(minFace)),
                cascadeBoxes: cascadeBoxes ? FaceDetector(frontal: try Cascade.named(cascade), settings: DetectionSettings(minSize: 8)) : nil)
        case .haar:
            return FaceDetector(
                frontal: try Cascade.named(cascade), profile: profile ? try Cascade.named(CascadeLocator.profileName) : nil,
                settings: DetectionSettings(minSize: minFace), detectSide: detectSide)
        }
    }
}
