import Foundation
import Store
import TestSupport
import Testing

/// `deepfake score --inputs LIST --shard I/N --out-dir DIR` and `deepfake merge DIR` on three
/// committed clips.
@Suite struct ShardCommandTests {
    static let clips = [
        CLI.fixture("h264_aac.mp4"), CLI.root.appendingPathComponent("fixtures/demo/generated_faces.mp4").path,
        CLI.fixture("vp9.webm"),
    ]
    static let mergeSchema = CLI.root.appendingPathComponent("schemas/deepfake-merge-1.schema.json")

    /// A list of `paths` with a comment and a blank line, in `folder`.
    static func list(_ paths: [String], in folder: URL) throws -> String {
        let url = folder.appendingPathComponent("inputs.txt")
        try ("# the corpus\n\n" + paths.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// JSON lines as reports keyed by input hash, timings (and the cache mark) left out.
    static func reports(_ jsonl: String) throws -> [String: NSDictionary] {
        var byHash: [String: NSDictionary] = [:]
        for line in jsonl.split(separator: "\n") {
            var report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            report["timings"] = nil
            report["cached"] = nil
            let sha = try #require((report["input"] as? [String: Any])?["sha256"] as? String)
            byHash[sha] = NSDictionary(dictionary: report)
        }
        return byHash
    }

    static func modificationDates(_ folder: URL) throws -> [String: Date] {
        var dates: [String: Date] = [:]
        for name in CLI.files(in: folder) {
            dates[name] = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.modificationDate] as? Date
        }
        return dates
    }

    @Test func twoShardsMergedEqualOneRunAndARerunRedoesOnlyWhatIsMissing() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let list = try Self.list(Self.clips, in: out)
        let dir = out.appendingPathComponent("reports")
        let common = ["--inputs", list, "--model", model, "--count", "6", "--out-dir", dir.path]
        let one = try CLI.run(["score"] + common + ["--shard", "1/2"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stderr.contains("shard 1/2 of 3 inputs: 2 inputs, 2 scored, 0 already in \(dir.path), 0 with errors."))
        let two = try CLI.run(["score"] + common + ["--shard", "2/2"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("shard 2/2 of 3 inputs: 1 inputs, 1 scored"))
        #expect(CLI.files(in: dir).count == 3)
        #expect(CLI.files(in: dir).allSatisfy(ReportFolder.isReportName))

        // Merged: the same reports as one unsharded run and as a plain multi-input run.
        let merged = out.appendingPathComponent("merged.jsonl").path
        let merge = try CLI.run(["merge", dir.path, "--out", merged, "--json"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try JSONSchemaValidator(schemaFile: Self.mergeSchema).validate(Data(merge.stdout.utf8)) == [])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(merge.stdout.utf8)) as? [String: Any])
        #expect(summary["reports"] as? Int == 3)
        #expect((summary["failures"] as? [Any])?.isEmpty == true)
        let mergedText = try String(contentsOfFile: merged, encoding: .utf8)
        let paths = mergedText.split(separator: "\n").map { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]).flatMap { ($0["input"] as? [String: Any])?["path"] as? String }
        }
        #expect(paths == Self.clips.sorted().map { Optional($0) })

        let single = out.appendingPathComponent("single")
        #expect(try CLI.run(["score", "--inputs", list, "--model", model, "--count", "6", "--out-dir", single.path]).status == 0)
        let singleMerge = try CLI.run(["merge", single.path])
        #expect(singleMerge.stderr.hasPrefix("3 reports: "))
        #expect(try Self.reports(singleMerge.stdout) == Self.reports(mergedText))
        let plain = try CLI.run(["score"] + Self.clips + ["--model", model, "--count", "6", "--jsonl"])
        #expect(try Self.reports(plain.stdout) == Self.reports(mergedText))

        // Remove one report: a rerun of both shards redoes only that one.
        let before = try Self.modificationDates(dir)
        let gone = try #require(CLI.files(in: dir).first)
        try FileManager.default.removeItem(at: dir.appendingPathComponent(gone))
        usleep(20_000)
        let again = [try CLI.run(["score"] + common + ["--shard", "1/2"]), try CLI.run(["score"] + common + ["--shard", "2/2"])]
        #expect(again.allSatisfy { $0.status == 0 })
        let scored = again.map(\.stderr).joined().components(separatedBy: "\n").filter { $0.contains(": already in ") }
        #expect(scored.count == 2)
        #expect(again.map(\.stderr).joined().components(separatedBy: " 1 scored,").count == 2, "exactly one shard scored one input")
        let after = try Self.modificationDates(dir)
        #expect(Set(after.keys) == Set(before.keys))
        for (name, date) in before where name != gone { #expect(after[name] == date, "\(name) was rewritten") }
        let remerged = try CLI.run(["merge", dir.path])
        #expect(try Self.reports(remerged.stdout) == Self.reports(mergedText))
    }

    @Test func failuresAreWrittenAndMergeListsThem() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let missing = out.appendingPathComponent("missing.mp4").path
        let list = try Self.list([Self.clips[0], CLI.fixture("not_video.mp4"), missing], in: out)
        let dir = out.appendingPathComponent("reports")
        let run = try CLI.run(["score", "--inputs", list, "--model", model, "--count", "4", "--out-dir", dir.path, "--shard", "1/1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("3 inputs, 3 scored, 0 already in \(dir.path), 2 with errors."))
        #expect(CLI.files(in: dir).filter { $0.hasPrefix("unread-") }.count == 1)
        // A rerun skips what was read (the not-media failure included) and tries the unread one again.
        let rerun = try CLI.run(["score", "--inputs", list, "--model", model, "--count", "4", "--out-dir", dir.path])
        #expect(rerun.status == 1)
        #expect(rerun.stderr.contains("3 inputs, 1 scored, 2 already in"))
        let merge = try CLI.run(["merge", dir.path, "--out", out.appendingPathComponent("all.jsonl").path])
        #expect(merge.status == 0)
        #expect(merge.stderr.contains("3 reports: 0 fake, 0 real, 0 uncertain, 1 no-face, 2 error"))
        #expect(merge.stderr.contains("failed: \(missing): file-not-found: "))
        #expect(merge.stderr.contains("failed: \(CLI.fixture("not_video.mp4")): not-media: "))
    }

    @Test func aFolderOfAnotherRunIsNotMixedIn() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let list = try Self.list([Self.clips[0]], in: out)
        let dir = out.appendingPathComponent("reports")
        #expect(try CLI.run(["score", "--inputs", list, "--model", model, "--count", "4", "--out-dir", dir.path]).status == 0)
        let before = try Self.modificationDates(dir)
        let other = try CLI.run(["score", "--inputs", list, "--model", model, "--count", "5", "--out-dir", dir.path])
        #expect(other.status == 1)
        #expect(other.stderr.contains("was scored with other settings (sampling: count:4 in the folder, count:5 in this run)"))
        #expect(try Self.modificationDates(dir) == before)
        let replaced = try CLI.run(["score", "--inputs", list, "--model", model, "--count", "5", "--out-dir", dir.path, "--rescore"])
        #expect(replaced.status == 0)
    }

    @Test func badFlagsAndListsAreClearErrorsWithNoOutput() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let list = try Self.list(Self.clips, in: out)
        let dir = out.appendingPathComponent("reports").path
        let usage: [([String], String)] = [
            (["--inputs", list, "--shard", "0/2", "--out-dir", dir], "--shard must be I/N with 1 ≤ I ≤ N ≤ 100000 (shards are numbered from 1), got '0/2'."),
            (["--inputs", list, "--shard", "3/2", "--out-dir", dir], "got '3/2'"),
            (["--inputs", list, "--shard", "1/0", "--out-dir", dir], "got '1/0'"),
            (["--inputs", list, "--shard", "half", "--out-dir", dir], "got 'half'"),
            (["--inputs", list, "--shard", "1/2"], "--shard needs --out-dir DIR"),
            (["--inputs", list, "--out-dir", dir, "--report", "r.json"], "it cannot be combined with --report, --html or --jsonl"),
            (["--inputs", list, Self.clips[0]], "Give the inputs on the command line or with --inputs LIST, not both."),
            ([], "Give videos or images to score, or --inputs LIST."),
        ]
        for (arguments, message) in usage {
            let result = try CLI.run(["score"] + arguments + ["--model", model])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Lists that cannot be used: named, nothing written.
        let empty = out.appendingPathComponent("empty.txt")
        try "# nothing yet\n\n".write(to: empty, atomically: true, encoding: .utf8)
        let binary = out.appendingPathComponent("binary.txt")
        try Data([0x61, 0x00, 0x0A]).write(to: binary)
        for (path, message) in [(empty.path, "the input list names no input"), (binary.path, "the input list is not a text file"),
                                (out.appendingPathComponent("none.txt").path, "the input list does not exist"), (out.path, "the input list is a folder")] {
            let result = try CLI.run(["score", "--inputs", path, "--model", model, "--out-dir", dir])
            #expect(result.status == 1, "\(path)")
            #expect(result.stderr.contains("--inputs '\(path)': \(message)"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir))
        // Outputs may not be inputs: the out-dir as the list, a report over an input.
        let asList = try CLI.run(["score", "--inputs", list, "--model", model, "--out-dir", list])
        #expect(asList.status == 64 && asList.stderr.contains("it is the input list"))
        // merge: --json needs --out; a folder that is not there; a damaged report.
        #expect(try CLI.run(["merge", dir, "--json"]).stderr.contains("--json prints the summary on standard output; give --out FILE"))
        let noFolder = try CLI.run(["merge", dir])
        #expect(noFolder.status == 1 && noFolder.stderr.contains("'\(dir)': is not a folder"))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let damaged = (dir as NSString).appendingPathComponent(String(repeating: "a", count: 64) + ".json")
        try Data("{\"schema\":".utf8).write(to: URL(fileURLWithPath: damaged))
        let merged = out.appendingPathComponent("merged.jsonl").path
        let bad = try CLI.run(["merge", dir, "--out", merged])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("'\(damaged)': is not a deepfake-report/1 report"))
        #expect(!FileManager.default.fileExists(atPath: merged))
    }
}
