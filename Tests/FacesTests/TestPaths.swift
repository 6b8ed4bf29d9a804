import Foundation
import Testing

/// Paths the Faces tests read: the repository root (from this file's path), the committed fixtures,
/// and `../shared/data` beside the repository.
enum TestPaths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.appendingPathComponent("fixtures/faces")
    static let sharedData = repositoryRoot.appendingPathComponent("../shared/data").standardizedFileURL

    /// Whether `../shared/data` is there; tests that read it are disabled otherwise, with
    /// ``sharedDataAbsent`` as the reason, so they count as skipped rather than passed.
    static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData.path) }
    static let sharedDataAbsent: Comment = "../shared/data is absent (see DESIGN.md, Testing)"

    /// Where opencv-data installs OpenCV's cascades.
    static let cascadeDirectories = ["/usr/share/opencv4/haarcascades", "/usr/share/opencv4/lbpcascades"]
    /// Whether opencv-data is installed (tests that load its cascades are disabled otherwise).
    static var hasCascades: Bool {
        FileManager.default.fileExists(atPath: cascadeDirectories[0] + "/haarcascade_frontalface_default.xml")
    }
    static let cascadesAbsent: Comment = "OpenCV's cascades are not installed (apt-get install opencv-data, or make deps)"

    /// The path of cascade `name` as opencv-data installs it.
    /// - Throws: when it is missing although opencv-data is installed (a test failure, not a skip).
    static func cascade(_ name: String) throws -> String {
        let paths = cascadeDirectories.map { "\($0)/\(name).xml" }
        return try #require(paths.first { FileManager.default.fileExists(atPath: $0) }, "\(name).xml is not in \(cascadeDirectories)")
    }
}
