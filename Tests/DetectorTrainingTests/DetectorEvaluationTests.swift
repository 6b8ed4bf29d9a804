import Datasets
import Foundation
import Media
import NN
import TestSupport
import DetectionTestSupport
import Testing

@testable import Detection
@testable import DetectorTraining

@Suite struct DetectorEvaluationTests {
    static let schema = ScoringFixtures.root.appendingPathComponent("schemas/deepfake-detector-evaluation-1.schema.json")

    /// Folders of 32×32 chips: smooth colour fields as "real", seeded noise as "fake".
    static func chipFolders(_ name: String) throws -> (real: String, fake: String) {
        let base = ScoringFixtures.scratch(name)
        let real = base.appendingPathComponent("real"), fake = base.appendingPathComponent("fake")
        try? FileManager.default.removeItem(at: base)
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        var random = SeededGenerator(seed: 4)
        for i in 0..<6 {
            let smooth = RGBImage(width: 32, height: 32, fill: (UInt8(40 * i), UInt8(200 - 30 * i), 128))
            try ImageFile.writePNG(smooth, to: real.appendingPathComponent("r\(i).png").path)
            let noise = RGBImage(width: 32, height: 32, pixels: (0..<32 * 32 * 3).map { _ in UInt8(random.next() % 256) })
            try ImageFile.writePNG(noise, to: fake.appendingPathComponent("f\(i).png").path)
        }
        // Unscorable: a damaged PNG and an image that is not a chip and holds no face.
        try Data("not a png".utf8).write(to: fake.appendingPathComponent("broken.png"))
        try ImageFile.writePNG(RGBImage(width: 90, height: 60, fill: (10, 10, 10)), to: real.appendingPathComponent("blank.png").path)
        return (real.path, fake.path)
    }

    @Test func chipSetsGiveTheMetricsMetricsComputesAndListTheUnscorable() throws {
        let (real, fake) = try Self.chipFolders("chips")
        let scorer = try ScoringFixtures.scorer()
        let evaluator = DetectorEvaluator(scorer: scorer)
        evaluator.resamples = 200
        let missing = "/nonexistent/real-set"
        let result = evaluator.evaluate(real: [real, missing], fake: [fake])

        // The same chips scored directly, in the evaluator's order (real then fake, sorted names).
        let paths = (0..<6).map { "\(real)/r\($0).png" } + (0..<6).map { "\(fake)/f\($0).png" }
        let scores = scorer.scoreCrops(try paths.map { try ImageFile.read($0) })
        let labels = [Int](repeating: 0, count: 6) + [Int](repeating: 1, count: 6)
        #expect(evaluator.frameItems.map(\.path) == paths)
        #expect(evaluator.frameItems.map(\.score) == scores)

        let level = try #require(result.frameLevel)
        #expect(level.items == 12 && level.real == 6 && level.fake == 6)
        #expect(level.auc?.value == Metrics.auc(labels: labels, scores: scores))
        #expect(level.auc == Metrics.bootstrap(labels: labels, scores: scores, resamples: 200) { Metrics.auc(labels: $0, scores: $1) })
        #expect(level.averagePrecision == Metrics.averagePrecision(labels: labels, scores: scores))
        #expect(level.equalErrorRate == Metrics.equalErrorRate(labels: labels, scores: scores)?.rate)
        #expect(level.logLoss == Metrics.logLoss(labels: labels, probabilities: scores))
        #expect(level.confusion == Metrics.confusion(labels: labels, scores: scores, threshold: 0.5))
        #expect(level.threshold == 0.5)
        #expect(result.videoLevel == nil)

        #expect(result.unscorableCount == 3)
        let reasons = Dictionary(uniqueKeysWithValues: result.unscorable.map { ($0.path, $0.reason) })
        #expect(reasons[missing] == "no such file or folder")
        #expect(reasons["\(real)/blank.png"] == "no face found")
        #expect(reasons["\(fake)/broken.png"]?.hasPrefix("invalid-image: ") == true)
        #expect(result.sources.map(\.path) == [real, missing, fake])
        #expect(result.sources.map(\.items) == [6, 0, 6])
        #expect(result.sources.map(\.unscorable) == [1, 1, 1])
        #expect(result.sources[0].flagged == scores.prefix(6).filter { $0 >= 0.5 }.count)
        let json = try JSONSerialization.jsonObject(with: result.json()) as? [String: Any]
        #expect(json?["schema"] as? String == "deepfake-detector-evaluation/1")
        #expect(try JSONSchemaValidator(schemaFile: Self.schema).validate(result.json()) == [])
    }

    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func truthFileLabelsFramesAndUnmatchedAlteredFramesAreListed() throws {
        let clip = ScoringFixtures.hamilton
        let scorer = try ScoringFixtures.scorer()
        let report = scorer.score(clip).report
        let faces = report.tracks.flatMap(\.faces).sorted { $0.frame < $1.frame }
        let framesWithFaces = Array(Set(faces.map(\.frame))).sorted()
        try #require(framesWithFaces.count >= 3)
        let (matched, unmatched) = (framesWithFaces[0], framesWithFaces[1])
        let face = faces.first { $0.frame == matched }!

        let folder = ScoringFixtures.scratch("truth")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let altered = folder.appendingPathComponent("altered.mp4").path
        try FileManager.default.createSymbolicLink(atPath: altered, withDestinationPath: clip)
        let fact = TruthRecord.FileFact(path: clip, sha256: String(repeating: "0", count: 64))
        let record = TruthRecord(
            source: fact, output: fact, generator: fact, mode: "replace", seed: 1, encoder: [:], frameCount: 275,
            frames: [
                .init(index: matched, time: 0, faces: [.init(track: 0, box: [face.box.x + 2, face.box.y, face.box.width, face.box.height], mask: [0, 0, 1, 1])]),
                .init(index: unmatched, time: 0, faces: [.init(track: 0, box: [0, 0, 5, 5], mask: [0, 0, 1, 1])]),
            ])
        try record.write(to: TruthRecord.path(for: altered))

        let evaluator = DetectorEvaluator(scorer: scorer)
        evaluator.resamples = 50
        let result = evaluator.evaluate(real: [clip], fake: [altered])
        let fakeFrames = evaluator.frameItems.filter { $0.path == altered }
        #expect(fakeFrames.filter { $0.label == 1 }.map(\.frame) == [matched])
        #expect(fakeFrames.first { $0.frame == matched }?.score == face.score)
        #expect(!fakeFrames.contains { $0.frame == unmatched })
        #expect(fakeFrames.count == framesWithFaces.count - 1)
        #expect(evaluator.frameItems.filter { $0.path == clip }.allSatisfy { $0.label == 0 })
        #expect(result.frameLevel?.fake == 1)
        #expect(result.videoLevel?.items == 2)
        #expect(result.videoLevel?.fake == 1)
        #expect(result.unscorableCount == 1)
        #expect(result.unscorable.first?.reason == "1 altered frames have no detected face overlapping a truth box (frames \(unmatched))")
        #expect(result.warnings.allSatisfy { !$0.contains("has no truth file") })
        #expect(try JSONSchemaValidator(schemaFile: Self.schema).validate(result.json()) == [])
    }

    @Test func rocPlotIsAStandaloneSVG() {
        let points = Metrics.roc(labels: [0, 0, 1, 1], scores: [0.1, 0.6, 0.4, 0.9])
        let svg = ROCPlot.svg([.init(name: "frames", points: points, auc: .init(value: 0.75, low: 0.5, high: 1, resamples: 10))], title: "ROC <test>")
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("<polyline"))
        #expect(svg.contains("AUC 0.750 [0.500, 1.000]"))
        #expect(svg.contains("ROC &lt;test&gt;"))
    }
}
