import Foundation

/// Paths the Faces tests read: the repository root (from this file's path), the committed fixtures,
/// and `../shared/data` beside the repository.
enum TestPaths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.appendingPathComponent("fixtures/faces")
    static let sharedData = repositoryRoot.appendingPathComponent("../shared/data").standardizedFileURL

    /// The shared data folder, or `nil` with a printed reason when it is absent.
    static func sharedDataOrSkip(_ test: String) -> URL? {
        if FileManager.default.fileExists(atPath: sharedData.path) { return sharedData }
        print("SKIP \(test): \(sharedData.path) is absent (see DESIGN.md, Testing)")
        return nil
    }

    /// OpenCV's cascades as opencv-data installs them, or `nil` with a printed reason.
    static func cascadeOrSkip(_ name: String, _ test: String) -> String? {
        for dir in ["/usr/share/opencv4/haarcascades", "/usr/share/opencv4/lbpcascades"] {
            let path = "\(dir)/\(name).xml"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        print("SKIP \(test): \(name).xml not installed (apt-get install opencv-data)")
        return nil
    }
}
