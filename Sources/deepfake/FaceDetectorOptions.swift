import ArgumentParser
import Faces
import Media

extension FaceDetectorConfiguration.Kind: ExpressibleByArgument {}

/// Where a MediaPipe face's box comes from.
enum FaceBoxSource: String, ExpressibleByArgument, CaseIterable {
    /// From the model's metadata (`face_boxes`) when scoring; models without it were trained on
    /// cascade crops and get `cascade`. Elsewhere `landmarks`.
    case auto
    /// The box fitted to the landmarks (`cascade-equivalent-v1`).
    case landmarks
    /// The cascade's box found near each landmark box (the landmark box where it finds none).
    case cascade
}

/// The face-detector options shared by `faces`, `score`, `alter`, `evaluate detector` and
/// `detector build`.
struct FaceDetectorOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Face detector: mediapipe (BlazeFace full and short range with FaceMesh landmarks: faces up to about 5 m away "
            + "and close-ups), mediapipe-full (full range only), mediapipe-short (short range only: faces within about 2 m) "
            + "or haar (OpenCV's frontal cascade; no landmarks).",
        valueName: "name"))
    var detector: FaceDetectorConfiguration.Kind = .mediapipe

    static let minFaces = 8...4096
    static let detectSides = 64...16_384

    @Option(name: .customLong("min-face"), parsing: .unconditional,
            help: ArgumentHelp("Smallest face side in pixels of the frame (\(minFaces.text)).", valueName: "px"))
    var minFace = 40

    @Option(name: .customLong("min-presence"), parsing: .unconditional, help: ArgumentHelp(
        "mediapipe: smallest FaceMesh face-presence probability for a face to count (0...1; MediaPipe's own is 0.5).", valueName: "p"))
    var minPresence: Float = 0.5

    @Option(help: "haar: cascade name (e.g. haarcascade_frontalface_alt2, lbpcascade_frontalface_improved) or XML path.")
    var cascade = CascadeLocator.defaultName

    @Flag(help: "haar: also look for profile faces (both directions, with haarcascade_profileface).")
    var profile = false

    @Option(name: .customLong("detect-side"), parsing: .unconditional, help: ArgumentHelp(
        "haar: scan a copy whose longer side is at most PX pixels (0: full size; else \(detectSides.text)).", valueName: "px"))
    var detectSide = 0

    @Option(name: .customLong("face-boxes"), help: ArgumentHelp(
        "mediapipe: where each face's box comes from: landmarks (fitted to where the cascade's box falls), cascade (the "
            + "cascade's own box found near each face, the landmark box where it finds none: crops exactly as a detector "
            + "trained on cascade crops saw them) or auto (score and evaluate: the detector model's face_boxes metadata, and "
            + "cascade for models built before it was recorded, such as the shipped one; elsewhere landmarks).",
        valueName: "source"))
    var faceBoxes: FaceBoxSource = .auto

    func validate() throws {
        if detector == .haar && faceBoxes == .landmarks {
            throw ValidationError("--face-boxes landmarks needs a MediaPipe detector; --detector haar has no landmarks.")
        }
        try Limits.check(minFace, "--min-face", in: Self.minFaces)
        try Limits.check(Double(minPresence), "--min-presence", in: Limits.probability)
        if detectSide != 0 && !Self.detectSides.contains(detectSide) {
            throw ValidationError("--detect-side must be 0 or \(Self.detectSides.text), got \(detectSide).")
        }
        if detector != .haar && (profile || detectSide != 0 || cascade != CascadeLocator.defaultName) {
            throw ValidationError("--cascade, --profile and --detect-side apply to --detector haar only.")
        }
    }

    /// Registers the face models the detector would load (`configuration`, or the default one) as
    /// inputs no output may replace.
    func protectModels(of configuration: FaceDetectorConfiguration? = nil, in outputs: inout OutputGuard) throws {
        try outputs.addInputs((configuration ?? self.configuration).modelFiles, as: "the face model")
    }

    /// The configuration, with the models folders the executable finds (for MediaPipe's files);
    /// `--face-boxes auto` means landmarks.
    var configuration: FaceDetectorConfiguration { configuration(modelMetadata: nil) }

    /// The configuration for scoring with a detector model whose metadata is `modelMetadata`:
    /// `--face-boxes auto` follows its `face_boxes` entry, and models without one (built on cascade
    /// crops) get the cascade's boxes.
    func configuration(modelMetadata: [String: String]?) -> FaceDetectorConfiguration {
        var cascadeBoxes = faceBoxes == .cascade
        if faceBoxes == .auto, let modelMetadata {
            cascadeBoxes = (modelMetadata["face_boxes"] ?? "cascade") == "cascade"
        }
        return FaceDetectorConfiguration(
            kind: detector, minFace: minFace, minPresence: minPresence, cascade: cascade, profile: profile,
            detectSide: detectSide == 0 ? nil : detectSide, cascadeBoxes: cascadeBoxes && detector != .haar,
            modelsFolders: ModelLocation.candidateFolders(ignoringOverride: true))
    }
}
