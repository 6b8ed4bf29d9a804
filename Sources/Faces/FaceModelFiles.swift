import Foundation
import Media
import NN

/// MediaPipe 0.10.14's face models (Apache-2.0), as `make models` (tools/fetch_models.sh) extracts
/// them from PyPI's `mediapipe==0.10.14` wheel, each pinned by its SHA-256.
public enum FaceModel: String, CaseIterable, Sendable {
    /// BlazeFace full range: 192×192 input, 2,304 anchors, faces up to about 5 m away.
    case fullRange = "face_detection_full_range_sparse"
    /// BlazeFace short range: 128×128 input, 896 anchors, faces within about 2 m.
    case shortRange = "face_detection_short_range"
    /// FaceMesh: 192×192 input, 468 landmarks and a face-presence score.
    case landmarks = "face_landmark"

    /// The file name.
    public var fileName: String { rawValue + ".tflite" }

    /// The pinned SHA-256 of the file in the wheel.
    public var sha256: String {
        switch self {
        case .fullRange: "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"
        case .shortRange: "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
        case .landmarks: "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"
        }
    }
}

/// The folder that holds MediaPipe's face models, and loading them with their hashes checked.
public struct FaceModelFiles: Sendable {
    /// What to do when a model is missing or damaged.
    public static let fetchHint = "Fetch MediaPipe's face models with `make models` (tools/fetch_models.sh), "
        + "or set $DEEPFAKE_FACE_MODELS to a folder that holds them."

    /// The folder, below a models folder, where `make models` puts the files.
    public static let subfolder = "third-party/mediapipe"

    /// The folder the files are read from.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The first folder that holds all three models: `$DEEPFAKE_FACE_MODELS` when set (then the only
    /// one tried), else `third-party/mediapipe` below each of `modelsFolders`.
    /// - Throws: `FacesError.modelNotFound` naming the first missing file and where it looked.
    public static func locate(modelsFolders: [String]) throws(FacesError) -> FaceModelFiles {
        var candidates = modelsFolders.map { ($0 as NSString).appendingPathComponent(subfolder) }
        if let override = ProcessInfo.processInfo.environment["DEEPFAKE_FACE_MODELS"], !override.isEmpty {
            candidates = [override]
        }
        for folder in candidates where FaceModel.allCases.allSatisfy({ FileManager.default.fileExists(atPath: folder + "/" + $0.fileName) }) {
            return FaceModelFiles(directory: folder)
        }
        let first = candidates.first.map { $0 + "/" + FaceModel.fullRange.fileName } ?? FaceModel.fullRange.fileName
        throw FacesError(code: .modelNotFound, path: first,
                         reason: candidates.isEmpty ? "no models folder was found to look in"
                            : "looked in \(candidates.joined(separator: ", "))",
                         hint: fetchHint)
    }

    /// The path of `model`.
    public func path(_ model: FaceModel) -> String { (directory as NSString).appendingPathComponent(model.fileName) }

    /// Loads `model` after checking its SHA-256 against the pinned one.
    /// - Throws: `FacesError` `.modelNotFound` or `.modelInvalid` (another hash, unreadable, or a
    ///   file the TFLite reader rejects), naming the file and saying `make models`.
    public func load(_ model: FaceModel) throws(FacesError) -> TFLiteModel {
        let path = self.path(model)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FacesError(code: .modelNotFound, path: path, reason: "no such file", hint: Self.fetchHint)
        }
        if let kind = FileChecks.specialKind(path) {
            throw FacesError(code: .modelInvalid, path: path, reason: "it is \(kind), not a regular file", hint: Self.fetchHint)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FacesError(code: .modelInvalid, path: path, reason: "it could not be read (\(error.localizedDescription))", hint: Self.fetchHint)
        }
        let hash = SHA256.hash(data)
        guard hash == model.sha256 else {
            throw FacesError(code: .modelInvalid, path: path,
                             reason: "its SHA-256 is \(hash), not the pinned \(model.sha256) of MediaPipe 0.10.14's \(model.fileName)",
                             hint: "It is damaged or another version. Delete it and run `make models` again.")
        }
        do {
            return try TFLiteModel(data: data, path: path)
        } catch {
            throw FacesError(code: .modelInvalid, path: path, reason: error.message, hint: Self.fetchHint)
        }
    }
}
