import Foundation
import Store
import TestSupport
import Testing

/// `deepfake score --store`, `deepfake store ...`: the results store as a user runs it, with the
/// seeded test detector and committed fixture clips.
@Suite struct StoreCommandTests {
    static let faces = CLI.root.appendingPathComponent("fixtures/demo/generated_faces.mp4").path
    static let noFace = CLI.fixture("h264_aac.mp4")
    static let reportSchema = CLI.root.appendingPathComponent("schemas/deepfake-report-1.schema.json")
    static let listSchema = CLI.root.appendingPathComponent("schemas/deepfake-store-list-1.schema.json")

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: [["store"], ["store", "list"], ["store", "show"], ["store", "export"], ["store", "prune"], ["merge"]])
    func helpMatchesItsSnapshot(command: [String]) throws {
        let result = try CLI.run(command + ["--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-" + command.joined(separator: "-"))
    }

    /// The second run is served from the store: the same report, its timings the first run's (a
    /// fresh decode would have measured new ones), and a `cached` entry.
    @Test func aSecondScoreIsServedFromTheStoreWithoutDecoding() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let store = out.appendingPathComponent("results.sqlite").path
        let args = ["score", Self.faces, "--model", model, "--count", "8", "--store", store, "--report", "-"]
        let first = try CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("; stored "))
        #expect(second.stderr.contains("1 of 1 reports came from the results store."))
        var a = try Self.json(first.stdout), b = try Self.json(second.stdout)
        #expect(a["cached"] == nil)
        let cached = try #require(b["cached"] as? [String: String])
        #expect(cached["store"] == store)
        #expect(cached["storedAt"]?.hasSuffix("Z") == true)
        #expect(try JSONSchemaValidator(schemaFile: Self.reportSchema).validate(Data(second.stdout.utf8)) == [])
        b["cached"] = nil
        #expect(NSDictionary(dictionary: a).isEqual(to: b), "the stored report differs from the one scored")
        #expect(NSDictionary(dictionary: a["timings"] as! [String: Any]).isEqual(to: b["timings"] as! [String: Any]))

        // --rescore scores again and replaces the entry; still one entry.
        let third = try CLI.run(args + ["--rescore"])
        #expect(third.status == 0)
        let c = try Self.json(third.stdout)
        #expect(c["cached"] == nil)
        #expect(try ResultStore(path: store, create: false).count() == 1)
        // Other settings are another entry; the same content under another name is a hit,
        // reported under the name given now.
        #expect(try CLI.run(["score", Self.faces, "--model", model, "--count", "4", "--store", store]).status == 0)
        #expect(try ResultStore(path: store, create: false).count() == 2)
        let copy = out.appendingPathComponent("renamed.mp4").path
        try FileManager.default.copyItem(atPath: Self.faces, toPath: copy)
        let renamed = try CLI.run(["score", copy, "--model", model, "--count", "8", "--store", store, "--report", "-"])
        a = try Self.json(renamed.stdout)
        #expect(a["cached"] != nil)
        #expect((a["input"] as? [String: Any])?["path"] as? String == copy)
        a["cached"] = nil
        a["input"] = c["input"]
        #expect(NSDictionary(dictionary: a).isEqual(to: c))
    }

    @Test func theEnvironmentNamesTheStoreAndNoStoreTurnsItOff() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let env = ["DEEPFAKE_STORE": "default", "XDG_DATA_HOME": out.path]
        let expected = out.appendingPathComponent("deepfake-workbench/results.sqlite").path
        let skipped = try CLI.run(["score", Self.noFace, "--model", model, "--count", "4", "--no-store"], environment: env)
        #expect(skipped.status == 0)
        #expect(!FileManager.default.fileExists(atPath: expected))
        let run = try CLI.run(["score", Self.noFace, "--model", model, "--count", "4"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ResultStore(path: expected, create: false).count() == 1)
        let list = try CLI.run(["store", "list"], environment: ["XDG_DATA_HOME": out.path])
        #expect(list.status == 0)
        #expect(list.stdout.contains("no-face") && list.stdout.contains("h264_aac.mp4"))
    }

    @Test func listShowExportAndPrune() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let store = out.appendingPathComponent("results.sqlite").path
        #expect(try CLI.run(["score", Self.faces, Self.noFace, "--model", model, "--count", "8", "--store", store]).status == 0)
        #expect(try CLI.run(["score", Self.noFace, "--model", model, "--count", "4", "--store", store]).status == 0)

        // list, and its filters.
        let list = try CLI.run(["store", "list", "--store", store, "--json"])
        #expect(list.status == 0)
        #expect(try JSONSchemaValidator(schemaFile: Self.listSchema).validate(Data(list.stdout.utf8)) == [])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 3)
        let noFace = try CLI.run(["store", "list", "--store", store, "--verdict", "no-face"])
        #expect(noFace.stdout.split(separator: "\n").count == 3)  // a header and two entries
        #expect(noFace.stderr.contains("2 of 3 stored reports."))
        #expect(try CLI.run(["store", "list", "--store", store, "--since", "1h", "--limit", "1"]).stdout.split(separator: "\n").count == 2)
        #expect(try CLI.run(["store", "list", "--store", store, "--before", "2000-01-01"]).stdout.isEmpty)

        // show: one entry by its input prefix; the same input with two settings is ambiguous.
        let facesEntry = try #require(entries.first { ($0["inputPath"] as? String) == Self.faces })
        let facesSHA = try #require(facesEntry["inputSHA256"] as? String)
        let show = try CLI.run(["store", "show", String(facesSHA.prefix(8)), "--store", store])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("sha256    \(facesSHA)"))
        #expect(show.stdout.contains("sampling=count:8"))
        let showJSON = try CLI.run(["store", "show", facesSHA, "--store", store, "--json"])
        #expect(try JSONSchemaValidator(schemaFile: Self.reportSchema).validate(Data(showJSON.stdout.utf8)) == [])
        #expect(try Self.json(showJSON.stdout)["cached"] == nil)
        let noFaceSHA = try #require(entries.first { ($0["inputPath"] as? String) == Self.noFace }?["inputSHA256"] as? String)
        let ambiguous = try CLI.run(["store", "show", String(noFaceSHA.prefix(6)), "--store", store])
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("2 reports match \(noFaceSHA.prefix(6))"))
        let settings = try #require(entries.first { ($0["inputPath"] as? String) == Self.noFace }?["settingsHash"] as? String)
        #expect(try CLI.run(["store", "show", String(noFaceSHA.prefix(6)), "--settings", String(settings.prefix(8)), "--store", store]).status == 0)
        let none = try CLI.run(["store", "show", "0000", "--store", store])
        #expect(none.status == 1 && none.stderr.contains("no report of an input whose SHA-256 starts with 0000"))

        // export: every report, as JSON lines, in a file written whole.
        let file = out.appendingPathComponent("all.jsonl").path
        let export = try CLI.run(["store", "export", "--jsonl", "--out", file, "--store", store])
        #expect(export.status == 0, "\(export.stderr)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let validator = try JSONSchemaValidator(schemaFile: Self.reportSchema)
        for line in lines { #expect(try validator.validate(Data(line.utf8)) == []) }
        let stdout = try CLI.run(["store", "export", "--jsonl", "--verdict", "no-face", "--store", store])
        #expect(stdout.stdout.split(separator: "\n").count == 2)
        let intoStore = try CLI.run(["store", "export", "--jsonl", "--out", store, "--store", store])
        #expect(intoStore.status == 64 && intoStore.stderr.contains("it is the results store"))

        // prune: a dry run, another model (nothing), then this model.
        let modelSHA = try #require(entries.first?["modelSHA256"] as? String)
        let dry = try CLI.run(["store", "prune", "--model", String(modelSHA.prefix(10)), "--dry-run", "--store", store])
        #expect(dry.stdout == "would remove 3 of 3 stored reports (dry run: nothing removed).\n")
        let other = try CLI.run(["store", "prune", "--model", "ffff", "--store", store, "--json"])
        #expect(try Self.json(other.stdout)["removed"] as? Int == 0)
        #expect(try CLI.run(["store", "prune", "--older-than", "1d", "--store", store]).stdout.hasPrefix("removed 0 of 3"))
        let pruned = try CLI.run(["store", "prune", "--model", modelSHA, "--verdict", "no-face", "--store", store, "--json"])
        #expect(try Self.json(pruned.stdout)["removed"] as? Int == 2)
        #expect(try ResultStore(path: store, create: false).count() == 1)
    }

    /// Bad flags are usage errors naming the flag; a bad store is an error naming the file, and
    /// nothing is written.
    @Test func badFlagsAndBadStoresAreClearErrors() throws {
        let out = try CLI.scratch()
        let model = try ScoreCommandTests.detector(in: out)
        let store = out.appendingPathComponent("s.sqlite").path
        let cases: [([String], String)] = [
            (["store", "list", "--store", store, "--since", "yesterday"], "--since takes a date (2026-12-01, UTC)"),
            (["store", "list", "--store", store, "--limit", "0"], "--limit must be 1...10000000, got 0."),
            (["store", "list", "--store", store, "--verdict", "maybe"], "--verdict must be one of fake, real, uncertain, no-face, got 'maybe'."),
            (["store", "list", "--store", store, "--model", "xyz1"], "--model takes the start of a SHA-256: 4 to 64 hex digits; got 'xyz1'."),
            (["store", "show", "abc", "--store", store], "SHA256 takes the start of a SHA-256: 4 to 64 hex digits; got 'abc'."),
            (["store", "prune", "--store", store], "Say what to prune: --older-than AGE, --before TIME or --model SHA256"),
            (["store", "prune", "--older-than", "7", "--store", store], "--older-than takes an age"),
            (["store", "export", "--store", store], "Choose the format: --jsonl"),
            (["score", Self.noFace, "--rescore"], "--rescore replaces reports in a results store or an --out-dir folder"),
            (["score", Self.noFace, "--store", store, "--no-store"], "--store and --no-store contradict each other"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments, environment: ["DEEPFAKE_STORE": ""])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // A reading command never creates a store.
        let missing = try CLI.run(["store", "list", "--store", store])
        #expect(missing.status == 1 && missing.stderr.contains("'\(store)': there is no results store here"))
        #expect(!FileManager.default.fileExists(atPath: store))
        // A text file as the store: refused, untouched, and no report written.
        let notes = out.appendingPathComponent("notes.txt")
        try Data(String(repeating: "some notes\n", count: 10).utf8).write(to: notes)
        let report = out.appendingPathComponent("r.json").path
        let text = try CLI.run(["score", Self.noFace, "--model", model, "--store", notes.path, "--report", report])
        #expect(text.status == 1)
        #expect(text.stderr.contains("'\(notes.path)': is not a results store (not an SQLite database)"))
        #expect(try Data(contentsOf: notes) == Data(String(repeating: "some notes\n", count: 10).utf8))
        #expect(!FileManager.default.fileExists(atPath: report))
        // The store may not be an input or the model.
        for target in [Self.noFace, model] {
            let result = try CLI.run(["score", Self.noFace, "--model", model, "--store", target])
            #expect(result.status == 64)
            #expect(result.stderr.contains("Refusing to write the results store to '\(target)'"))
        }
    }
}
