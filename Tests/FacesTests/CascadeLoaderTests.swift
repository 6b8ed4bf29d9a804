import Foundation
import Testing
@testable import Faces

/// Counts OpenCV 4.14 itself reports (tools/faces/cascade_counts.py → fixtures/faces/cascade-counts.json).
struct OpenCVCounts: Decodable {
    struct Entry: Decodable {
        var featureType: String
        var windowWidth: Int
        var windowHeight: Int
        var stages: Int
        var weakClassifiersPerStage: [Int]
        var weakClassifiers: Int
        var nodes: Int
        var maxNodesPerTree: Int
        var features: Int
        var tiltedFeatures: Int
    }
    var cascades: [String: Entry]

    static func load() throws -> OpenCVCounts {
        let url = TestPaths.fixtures.appendingPathComponent("cascade-counts.json")
        return try JSONDecoder().decode(OpenCVCounts.self, from: Data(contentsOf: url))
    }
}

@Test(.enabled(if: TestPaths.hasCascades, TestPaths.cascadesAbsent), arguments: [
    "haarcascade_frontalface_default", "haarcascade_frontalface_alt", "haarcascade_frontalface_alt2",
    "haarcascade_profileface", "haarcascade_eye_tree_eyeglasses", "lbpcascade_frontalface",
    "lbpcascade_frontalface_improved", "lbpcascade_profileface",
])
func cascadeCountsMatchOpenCV(name: String) throws {
    let path = try TestPaths.cascade(name)
    let expected = try #require(try OpenCVCounts.load().cascades["\(name).xml"])
    let cascade = try Cascade.load(path: path)
    #expect(cascade.featureType.rawValue == expected.featureType)
    #expect(cascade.windowWidth == expected.windowWidth)
    #expect(cascade.windowHeight == expected.windowHeight)
    #expect(cascade.stages.count == expected.stages)
    #expect(cascade.stages.map(\.classifiers.count) == expected.weakClassifiersPerStage)
    #expect(cascade.weakClassifierCount == expected.weakClassifiers)
    #expect(cascade.nodeCount == expected.nodes)
    #expect(cascade.maxNodesPerTree == expected.maxNodesPerTree)
    #expect(cascade.featureCount == expected.features)
    #expect(cascade.haarFeatures.filter(\.tilted).count == expected.tiltedFeatures)
}

@Test func missingCascadeNamesTheFileAndTheInstallHint() {
    #expect(throws: FacesError.self) { try Cascade.load(path: "/nonexistent/face.xml") }
    do {
        _ = try Cascade.named("no_such_cascade", searchDirectories: ["/nonexistent"])
        Issue.record("expected an error")
    } catch {
        #expect(error.code == .cascadeNotFound)
        #expect(error.description.contains("no_such_cascade"))
        #expect(error.description.contains("apt-get install opencv-data"))
    }
}

@Test func oldFormatAndBrokenFilesAreRejected() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("faces-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let broken = dir.appendingPathComponent("broken.xml")
    try Data("<opencv_storage><cascade>".utf8).write(to: broken)
    #expect(throws: FacesError.self) { try Cascade.load(path: broken.path) }
    let old = dir.appendingPathComponent("old.xml")
    try Data("<opencv_storage><x type_id=\"opencv-haar-classifier\"><size>20 20</size></x></opencv_storage>".utf8).write(to: old)
    do {
        _ = try Cascade.load(path: old.path)
        Issue.record("expected an error")
    } catch {
        #expect(error.code == .cascadeInvalid)
        #expect(error.reason.contains("old"))
    }
}
