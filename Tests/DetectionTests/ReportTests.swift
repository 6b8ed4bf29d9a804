import Foundation
import Media
import TestSupport
import Testing

@testable import Detection

@Suite struct AggregationTests {
    let rules = Aggregation(threshold: 0.5, band: 0.1, minimumTrackFaces: 3)

    @Test func trackScoreTrimsTheExtremesOnceThereAreFiveFaces() {
        #expect(Aggregation.trackScore([0.2, 0.4]) == 0.30000000000000004)
        // Ten faces: the lowest and highest one are dropped.
        let scores = [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0]
        #expect(Aggregation.trackScore(scores) == 0.5)
        #expect(Aggregation.trackScore([]) == nil)
    }

    @Test func verdictBandsAroundTheThreshold() {
        #expect(rules.verdict(for: 0.6) == .fake)
        #expect(rules.verdict(for: 0.59) == .uncertain)
        #expect(rules.verdict(for: 0.4) == .uncertain)
        #expect(rules.verdict(for: 0.39) == .real)
        #expect(rules.verdict(for: nil) == .noFace)
    }

    @Test func theVideoIsAsSuspiciousAsItsMostSuspiciousLongTrack() {
        #expect(rules.videoScore(tracks: [(0.2, 10), (0.9, 5)]) == 0.9)
        // A two-face track (likely a false detection) is ignored while a long track exists.
        #expect(rules.videoScore(tracks: [(0.2, 10), (0.95, 2)]) == 0.2)
        #expect(rules.videoScore(tracks: [(0.95, 2)]) == 0.95)
        #expect(rules.videoScore(tracks: []) == nil)
    }

    @Test func segmentsAreRunsAboveTheThreshold() {
        let frames: [(index: Int, time: Double, score: Double?)] = [
            (0, 0, 0.1), (10, 0.4, 0.7), (20, 0.8, 0.9), (30, 1.2, nil), (40, 1.6, 0.8), (50, 2.0, 0.2),
        ]
        #expect(rules.segments(frames: frames) == [
            .init(start: 0.4, end: 0.8, startFrame: 10, endFrame: 20, peak: 0.9),
            .init(start: 1.6, end: 1.6, startFrame: 40, endFrame: 40, peak: 0.8),
        ])
    }
}

@Suite struct ReportTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/deepfake-report-1.schema.json")

    func sample(faces: [Int: [Report.Face]]) -> Report {
        let frames = (0..<4).map { (index: $0 * 10, time: Double($0) * 0.4) }
        let parts = Report.assemble(sampledFrames: frames, faces: faces, aggregation: Aggregation())
        return Report(
            tool: .init(version: "0.1.0"),
            model: .init(path: "models/detector.safetensors", sha256: String(repeating: "a", count: 64),
                         threshold: 0.5, uncertainBand: 0.1, temperature: 1.3),
            input: .init(path: "clip.mp4", sha256: String(repeating: "b", count: 64), container: "mov,mp4", codec: "h264",
                         width: 640, height: 360, fps: 25, duration: 1.6, frameCount: 40),
            settings: ["sampling": "evenly:4"], summary: parts.summary, tracks: parts.tracks, frames: parts.frames,
            segments: parts.segments, timings: ["total": 0.5], warnings: [])
    }

    let box = Report.Box(x: 10, y: 20, width: 50, height: 50)

    @Test func assembledReportValidatesAgainstItsSchema() throws {
        let faces = [0: (0..<4).map { Report.Face(frame: $0 * 10, time: Double($0) * 0.4, box: box, score: 0.8 + 0.01 * Double($0)) }]
        let report = sample(faces: faces)
        #expect(report.summary?.verdict == .fake)
        #expect(report.summary?.score == 0.815)
        #expect(report.segments.count == 1)
        let validator = try JSONSchemaValidator(schemaFile: Self.schema)
        #expect(try validator.validate(report.json()) == [])
        // The checker is not a rubber stamp: a wrong verdict and a missing field are caught.
        var text = String(decoding: try report.json(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"verdict\" : \"fake\"", with: "\"verdict\" : \"maybe\"")
        text = text.replacingOccurrences(of: "\"codec\" : \"h264\",", with: "\"codec\" : 264,")
        let errors = try validator.validate(Data(text.utf8))
        #expect(errors.contains { $0.hasPrefix("/summary/verdict") })
        #expect(errors.contains { $0.hasPrefix("/input/codec: expected string") })
    }

    @Test func noFaceMeansNoScoreNeverADefault() throws {
        let report = sample(faces: [:])
        #expect(report.summary?.verdict == .noFace)
        #expect(report.summary?.score == nil)
        #expect(report.frames.allSatisfy { $0.score == nil })
        let json = String(decoding: try report.json(), as: UTF8.self)
        #expect(!json.contains("\"score\""))
        #expect(try JSONSchemaValidator(schemaFile: Self.schema).validate(report.json()) == [])
    }

    @Test func htmlIsSelfContainedWithTimelineAndThumbnails() throws {
        let faces = [3: [Report.Face(frame: 10, time: 0.4, box: box, score: 0.3), Report.Face(frame: 20, time: 0.8, box: box, score: 0.7)]]
        let report = sample(faces: faces)
        let face = RGBImage(width: 8, height: 8, fill: (200, 150, 120))
        let html = ReportHTML.render(report, thumbnails: [3: (face, face)])
        #expect(html.contains("<svg"))
        #expect(html.contains("threshold"))
        #expect(html.components(separatedBy: "data:image/png;base64,").count == 3)
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(ReportHTML.escape("<a&\"b>") == "&lt;a&amp;&quot;b&gt;")
    }
}
