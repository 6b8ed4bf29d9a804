import Foundation

/// MediaPipe's face models as `make models` (tools/fetch_models.sh) leaves them in
/// `models/third-party/mediapipe/` of this repository.
public enum MediaPipeModels {
    /// `models/third-party/mediapipe` of this repository, found from this source file's path.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/third-party/mediapipe")

    /// `models` of this repository: the folder `FaceDetectorConfiguration.modelsFolders` takes.
    public static let modelsFolder: String = directory.deletingLastPathComponent().deletingLastPathComponent().path

    /// The three model files' stems.
    public static let stems = ["face_detection_full_range_sparse", "face_detection_short_range", "face_landmark"]

    /// The path of `stem.tflite`.
    public static func url(_ stem: String) -> URL { directory.appendingPathComponent(stem + ".tflite") }

    /// Whether all three files are present (tests that need them are disabled otherwise, with
    /// the reason shown).
    public static var present: Bool {
        stems.allSatisfy { FileManager.default.fileExists(atPath: url($0).path) }
    }

    /// Why tests that need the models are disabled when they are absent.
    public static let absentReason = "MediaPipe's face models are not in models/third-party/mediapipe: run `make models`"
}
