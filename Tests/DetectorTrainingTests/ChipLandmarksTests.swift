import Faces
import Foundation
import Media
import Testing
import TestSupport

@testable import DetectorTraining

/// Landmarks on UTKFace's 128-pixel chips: found on nearly every chip, eyes and mouth where the
/// aligned-v1 template (fitted on the same chips at 64 px) puts them, and cached.
@Suite("Chip landmarks", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)),
       .enabled(if: SharedData.present, SharedData.absent))
struct ChipLandmarksTests {
    static let folder = SharedData.folder.appendingPathComponent("utkface/faces128").path

    /// The first `n` holdout chips of UTKFace's index.
    static func holdout(_ n: Int) throws -> [String] {
        let index = try String(contentsOfFile: SharedData.folder.appendingPathComponent("utkface/index.csv").path, encoding: .utf8)
        return index.components(separatedBy: .newlines).dropFirst().compactMap { line -> String? in
            let cols = line.split(separator: ",", omittingEmptySubsequences: false)
            return cols.last?.trimmingCharacters(in: .whitespacesAndNewlines) == "holdout" ? String(cols[0]) : nil
        }.prefix(n).map { $0 }
    }

    @Test("found on the chips, eyes and mouth at the aligned-v1 template, and read back from the cache")
    func holdoutChips() throws {
        let files = try Self.holdout(24)
        #expect(files.count == 24)
        let detector = try MeshFaceDetector(files: FaceModelFiles(directory: MediaPipeModels.directory.path))
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("chip-landmarks-test-\(getpid())")
        defer { try? FileManager.default.removeItem(at: cache) }
        var calls = 0
        let found = try ChipLandmarks.load(files: files, folder: Self.folder, detector: detector, modelHashes: ["test"],
                                           cacheFolder: cache, progress: { _, _ in calls += 1 })
        #expect(calls == files.count)
        #expect(found.compactMap { $0 }.count >= 23, "a face on nearly every chip: \(found.map { $0 != nil })")
        // Right eye, left eye, mouth against the template's medians, in chip sides: nearly all
        // within 8% (the template's quartiles are ±1.1%), none beyond 20% (a tilted head).
        let t = AlignedCropTemplate.alignedV1
        var distances: [Double] = []
        for points in found.compactMap({ $0 }) {
            #expect(points.count == 468)
            let k = FaceShape.keypoints(fromLandmarks: points).map { SIMD2<Double>(Double($0.x), Double($0.y)) / 128 }
            for (point, expected) in [(k[0], t.rightEye), (k[1], t.leftEye), (k[3], t.mouth)] {
                distances.append(max(abs(point.x - expected.x), abs(point.y - expected.y)))
            }
        }
        #expect(distances.filter { $0 < 0.08 }.count * 100 >= distances.count * 95, "\(distances.sorted().suffix(5))")
        #expect(distances.allSatisfy { $0 < 0.2 }, "\(distances.sorted().suffix(5))")
        // The second load reads the cache (no chip is examined) and gives the same points.
        calls = 0
        let again = try ChipLandmarks.load(files: files, folder: Self.folder, detector: detector, modelHashes: ["test"],
                                           cacheFolder: cache, progress: { _, _ in calls += 1 })
        #expect(calls == 0)
        #expect(again.count == found.count && zip(again, found).allSatisfy { $0 == $1 })
        // A damaged cache file is not trusted: the landmarks are found again.
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: cache.path).first)
        try Data("damaged".utf8).write(to: cache.appendingPathComponent(file))
        let rebuilt = try ChipLandmarks.load(files: files, folder: Self.folder, detector: detector, modelHashes: ["test"],
                                             cacheFolder: cache, progress: { _, _ in calls += 1 })
        #expect(calls == files.count)
        #expect(zip(rebuilt, found).allSatisfy { $0 == $1 })
    }
}
