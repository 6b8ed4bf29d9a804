import Detection
import Foundation
import GRDB
import Media
import Testing

@testable import Store

/// A scratch folder of the test's own.
func scratch(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("deepfake-store-\(ProcessInfo.processInfo.processIdentifier)")
        .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small report of input `i`, with `verdict`'s score.
func sampleReport(_ i: Int, score: Double = 0.9, model: String = String(repeating: "ab", count: 32),
                  settings: [String: String] = ["sampling": "count:32", "detectEvery": "3", "batch": "32"]) -> Report {
    let faces: [Int: [Report.Face]] = [0: (0..<4).map {
        Report.Face(frame: $0 * 5, time: Double($0) * 0.2, box: .init(x: 1, y: 2, width: 30, height: 30), score: score)
    }]
    let parts = Report.assemble(sampledFrames: (0..<4).map { (index: $0 * 5, time: Double($0) * 0.2) }, faces: faces,
                                aggregation: Aggregation())
    return Report(
        tool: .init(version: "0.1.0"),
        model: .init(path: "m.safetensors", sha256: model, threshold: 0.5, uncertainBand: 0.1, temperature: 1),
        input: .init(path: "clip-\(i).mp4", sha256: SHA256.hash(Data("input \(i)".utf8)), frameCount: 20),
        settings: settings, summary: parts.summary, tracks: parts.tracks, frames: parts.frames, segments: parts.segments,
        timings: ["total": 0.25 + Double(i)], warnings: [])
}

@Suite struct ScoreKeyTests {
    @Test func theCanonicalTextIsSortedAndLeavesOutTheBatch() {
        let a = ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: ["threshold": "0.5", "crop": "c", "batch": "32"], toolVersion: "0.1.0")
        let b = ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: ["batch": "8", "crop": "c", "threshold": "0.5"], toolVersion: "0.1.0")
        #expect(a.settings == "crop=c\nthreshold=0.5\ntool=0.1.0")
        #expect(a == b)
        #expect(a.settingsHash == SHA256.hash(Data("crop=c\nthreshold=0.5\ntool=0.1.0".utf8)))
    }

    @Test func everySettingThatChangesAReportChangesTheKey() {
        let base = ["sampling": "count:32", "detectEvery": "3", "detector": "mediapipe", "minFace": "40", "threshold": "0.5", "crop": "c"]
        let key = ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: base, toolVersion: "0.1.0")
        for (name, value) in [("sampling", "count:12"), ("detectEvery", "1"), ("detector", "haar"), ("minFace", "60"),
                              ("threshold", "0.6"), ("crop", "aligned-v1")] {
            var changed = base
            changed[name] = value
            #expect(ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: changed, toolVersion: "0.1.0").settingsHash != key.settingsHash, "\(name)")
        }
        #expect(ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: base, toolVersion: "0.2.0").settingsHash != key.settingsHash)
        // A newline in a value cannot forge another entry.
        let forged = ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: ["a": "1\nb=2"], toolVersion: "0")
        let real = ScoreKey(inputSHA256: "i", modelSHA256: "m", settings: ["a": "1", "b": "2"], toolVersion: "0")
        #expect(forged.settingsHash != real.settingsHash)
    }

    @Test func aReportGivesTheKeyItWasScoredUnder() throws {
        let report = sampleReport(1)
        let key = try #require(ScoreKey(report: report))
        #expect(key == ScoreKey(inputSHA256: report.input.sha256!, modelSHA256: report.model.sha256, settings: report.settings, toolVersion: "0.1.0"))
        var unread = report
        unread.input.sha256 = nil
        #expect(ScoreKey(report: unread) == nil)
    }
}

@Suite struct ResultStoreTests {
    @Test func aStoredReportComesBackWholeUnderItsKey() throws {
        let folder = try scratch()
        let path = folder.appendingPathComponent("results.sqlite").path
        let store = try ResultStore(path: path, create: true)
        #expect(try store.journalMode() == "wal")
        #expect(try store.appliedMigrations() == ["v1: reports"])
        let report = sampleReport(1)
        let key = try store.put(report, at: Date(timeIntervalSince1970: 1_800_000_000))
        let hit = try #require(try store.report(for: key))
        #expect(hit.report == report)
        #expect(hit.storedAt == Date(timeIntervalSince1970: 1_800_000_000))
        // Another settings hash, or another model: no hit.
        var other = key
        other.settingsHash = String(repeating: "0", count: 64)
        #expect(try store.report(for: other) == nil)
        // Reopened: still there, and the file is sound.
        let again = try ResultStore(path: path, create: false)
        #expect(try again.report(for: key)?.report == report)
        #expect(try again.integrityCheck() == ["ok"])
    }

    @Test func storingTheSameKeyAgainReplacesTheEntry() throws {
        let store = try ResultStore(path: try scratch().appendingPathComponent("s.sqlite").path, create: true)
        var report = sampleReport(1)
        try store.put(report, at: Date(timeIntervalSince1970: 1_000))
        report.timings["total"] = 9
        try store.put(report, at: Date(timeIntervalSince1970: 2_000))
        #expect(try store.count() == 1)
        let entry = try #require(try store.entries().first)
        #expect(entry.storedAt == Date(timeIntervalSince1970: 2_000))
        #expect(try store.report(of: entry)?.timings["total"] == 9)
    }

    @Test func failuresAndCachedMarksAreNotStored() throws {
        let store = try ResultStore(path: try scratch().appendingPathComponent("s.sqlite").path, create: true)
        var failed = sampleReport(1)
        failed.summary = nil
        failed.error = .init(code: "not-media", message: "no")
        #expect(throws: StoreError.self) { try store.put(failed) }
        var cached = sampleReport(2)
        cached.cached = .init(store: "elsewhere", storedAt: "2026-01-01T00:00:00Z")
        let key = try store.put(cached)
        #expect(try store.report(for: key)?.report.cached == nil)
        #expect(try store.count() == 1)
    }

    @Test func queriesFilterByVerdictTimeModelAndPrefix() throws {
        let store = try ResultStore(path: try scratch().appendingPathComponent("s.sqlite").path, create: true)
        let other = String(repeating: "cd", count: 32)
        try store.put(sampleReport(1, score: 0.9), at: Date(timeIntervalSince1970: 1_000))
        try store.put(sampleReport(2, score: 0.1), at: Date(timeIntervalSince1970: 2_000))
        try store.put(sampleReport(3, score: 0.9, model: other), at: Date(timeIntervalSince1970: 3_000))
        #expect(try store.entries().map(\.inputPath) == ["clip-3.mp4", "clip-2.mp4", "clip-1.mp4"])
        #expect(try store.entries(.init(verdicts: ["fake"])).map(\.inputPath) == ["clip-3.mp4", "clip-1.mp4"])
        #expect(try store.entries(.init(verdicts: ["real"])).map(\.score) == [0.1])
        #expect(try store.entries(.init(since: Date(timeIntervalSince1970: 2_000))).count == 2)
        #expect(try store.entries(.init(before: Date(timeIntervalSince1970: 2_000))).map(\.inputPath) == ["clip-1.mp4"])
        #expect(try store.entries(.init(modelPrefix: "CDCD")).map(\.inputPath) == ["clip-3.mp4"])
        let sha = SHA256.hash(Data("input 2".utf8))
        #expect(try store.entries(.init(inputPrefix: String(sha.prefix(6)))).map(\.inputSHA256) == [sha])
        #expect(try store.entries(.init(limit: 1)).map(\.inputPath) == ["clip-3.mp4"])
        // Export order: by input hash, the same every time.
        var exported: [String] = []
        try store.forEachReport { entry, json in
            exported.append(entry.inputSHA256)
            #expect(json.hasPrefix("{\"frames\""))
        }
        #expect(exported == exported.sorted() && exported.count == 3)
        // Prune by model, then by age.
        #expect(try store.prune(.init(modelPrefix: "cdcd")) == 1)
        #expect(try store.prune(.init(before: Date(timeIntervalSince1970: 1_500))) == 1)
        #expect(try store.entries().map(\.inputPath) == ["clip-2.mp4"])
    }

    @Test func whatIsNotAStoreIsRefusedAndLeftAsItWas() throws {
        let folder = try scratch()
        // Missing, for a reading command.
        let missing = folder.appendingPathComponent("none.sqlite").path
        #expect { try ResultStore(path: missing, create: false) } throws: { ($0 as? StoreError)?.code == .missing }
        #expect(!FileManager.default.fileExists(atPath: missing))
        // A text file.
        let text = folder.appendingPathComponent("notes.txt")
        try Data("not a database, but longer than sixteen bytes\n".utf8).write(to: text)
        #expect { try ResultStore(path: text.path, create: true) } throws: {
            ($0 as? StoreError)?.code == .notAStore && "\($0)".contains("notes.txt")
        }
        #expect(try String(contentsOf: text, encoding: .utf8) == "not a database, but longer than sixteen bytes\n")
        // Another program's SQLite database.
        let foreign = folder.appendingPathComponent("other.sqlite").path
        try sqlite(foreign, "CREATE TABLE things(x); INSERT INTO things VALUES (1);")
        #expect { try ResultStore(path: foreign, create: true) } throws: { ($0 as? StoreError)?.code == .notAStore }
        #expect(try sqlite(foreign, "SELECT name FROM sqlite_master;") == "things\n")
        // A folder.
        #expect { try ResultStore(path: folder.path, create: true) } throws: { ($0 as? StoreError)?.code == .ioFailed }
        // A store with a migration this version does not know.
        let newer = folder.appendingPathComponent("newer.sqlite").path
        _ = try ResultStore(path: newer, create: true)
        try sqlite(newer, "INSERT INTO grdb_migrations VALUES ('v9: from the future');")
        #expect { try ResultStore(path: newer, create: true) } throws: {
            ($0 as? StoreError)?.code == .newerSchema && "\($0)".contains("newer version")
        }
    }

    /// Runs SQL on a database file outside the store's own code; returns the rows' first column.
    @discardableResult
    func sqlite(_ path: String, _ sql: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        return try queue.write { db in
            var rows: [String] = []
            let statements = try db.allStatements(sql: sql)
            while let statement = try statements.next() {
                rows += try String.fetchAll(statement)
            }
            return rows.map { $0 + "\n" }.joined()
        }
    }
}

@Suite struct InputListTests {
    @Test func commentsBlankLinesAndSpacesAreSkippedAndRelativePathsFollowTheList() throws {
        let text = "# corpus\n\n  a.mp4  \r\n/abs/b.mp4\n\t# indented comment\nsub/c #1.mp4\n"
        let list = try InputList.parse(Data(text.utf8), path: "/lists/l.txt")
        #expect(list.inputs == ["/lists/a.mp4", "/abs/b.mp4", "/lists/sub/c #1.mp4"])
        #expect(list.lines == [3, 4, 6])
        #expect(try InputList.parse(Data("a.mp4".utf8), path: "l.txt").inputs == ["a.mp4"])
    }

    @Test func badListsAreRefusedNamingTheFile() throws {
        #expect { try InputList.parse(Data("# only\n\n".utf8), path: "l.txt") } throws: { "\($0)".contains("'l.txt': the input list names no input") }
        #expect { try InputList.parse(Data([0x61, 0, 0x62]), path: "bin") } throws: { "\($0)".contains("not a text file") }
        #expect { try InputList.parse(Data([0xFF, 0xFE, 0x41]), path: "u") } throws: { "\($0)".contains("not UTF-8") }
        let folder = try scratch()
        #expect { try InputList.read(folder.appendingPathComponent("none.txt").path) } throws: { "\($0)".contains("does not exist") }
        #expect { try InputList.read(folder.path) } throws: { "\($0)".contains("is a folder") }
    }
}

@Suite struct ShardTests {
    @Test func shardsAreIOverNFromOne() {
        #expect(Shard("1/2") == Shard(index: 1, count: 2))
        #expect(Shard("100000/100000") != nil)
        for bad in ["0/2", "3/2", "1/0", "2", "1/2/3", "a/b", " 1/2", "+1/2", "-1/2", "1/", "/2", "1/100001", "١/٢", ""] {
            #expect(Shard(bad) == nil, "\(bad)")
        }
    }

    @Test func everyInputIsInExactlyOneShardAndShardsDifferByOneAtMost() {
        let items = Array(0..<11)
        let shards = (1...3).map { Shard(index: $0, count: 3).select(items) }
        #expect(shards == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8]])
        #expect(Shard(index: 1, count: 1).select(items) == items)
        #expect(Shard(index: 5, count: 20).select(items) == [4])
        #expect(Shard(index: 15, count: 20).select(items) == [])
    }
}

@Suite struct TimeSpecTests {
    @Test func datesTimesAndAges() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(TimeSpec.parse("2026-12-01", now: now) == ISO8601DateFormatter().date(from: "2026-12-01T00:00:00Z"))
        #expect(TimeSpec.parse("2026-12-01T14:30:00Z", now: now) == ISO8601DateFormatter().date(from: "2026-12-01T14:30:00Z"))
        #expect(TimeSpec.parse("2026-12-01T15:30:00+01:00", now: now) == ISO8601DateFormatter().date(from: "2026-12-01T14:30:00Z"))
        #expect(TimeSpec.parse("7d", now: now) == now.addingTimeInterval(-7 * 86_400))
        #expect(TimeSpec.parse("90m", now: now) == now.addingTimeInterval(-5_400))
        for bad in ["", "7", "d", "-1d", "1.5h", "7y", "2026-13-01", "yesterday", "36501d", "99999999999999999999w"] {
            #expect(TimeSpec.parse(bad, now: now) == nil, "\(bad)")
        }
    }
}

@Suite struct ReportFolderTests {
    @Test func reportsAreNamedByContentOrByPathWhenUnread() throws {
        let folder = ReportFolder(path: try scratch().path)
        let report = sampleReport(1)
        try folder.write(report)
        let file = folder.file(forSHA256: report.input.sha256!)
        #expect(try ReportFolder.read(file) == report)
        #expect(ReportFolder.isReportName((file as NSString).lastPathComponent))
        #expect(ReportFolder.isReportName("unread-" + String(repeating: "0", count: 64) + ".json"))
        for name in ["run.json", String(repeating: "A", count: 64) + ".json", ".x.partial-1.json", String(repeating: "0", count: 64) + ".jsonl"] {
            #expect(!ReportFolder.isReportName(name))
        }
        // An unread input, then the same path read: the unread- file goes.
        var unread = sampleReport(1)
        unread.input.sha256 = nil
        try folder.write(unread)
        #expect(try folder.reportNames().count == 2)
        try folder.write(report)
        #expect(try folder.reportNames() == [(file as NSString).lastPathComponent])
    }

    @Test func aReportOfAnotherModelOrOtherSettingsIsAMismatch() throws {
        let folder = ReportFolder(path: try scratch().path)
        let report = sampleReport(1)
        try folder.write(report)
        let key = try #require(ScoreKey(report: report))
        #expect(try folder.existing(sha256: key.inputSHA256, key: key) == .done(report))
        #expect(try folder.existing(sha256: String(repeating: "0", count: 64), key: key) == .none)
        let otherModel = try #require(ScoreKey(report: sampleReport(1, model: String(repeating: "cd", count: 32))))
        #expect { try folder.existing(sha256: key.inputSHA256, key: otherModel) } throws: { "\($0)".contains("another model") }
        var settings = report.settings
        settings["sampling"] = "count:8"
        let otherSettings = try #require(ScoreKey(report: sampleReport(1, settings: settings)))
        #expect { try folder.existing(sha256: key.inputSHA256, key: otherSettings) } throws: {
            "\($0)".contains("other settings (sampling: count:32 in the folder, count:8 in this run)")
        }
    }

    @Test func mergeOrdersByPathCountsVerdictsAndListsFailures() throws {
        let folder = ReportFolder(path: try scratch().path)
        try folder.write(sampleReport(2, score: 0.1))
        try folder.write(sampleReport(1, score: 0.9))
        var failed = sampleReport(3)
        failed.summary = nil
        failed.tracks = []
        failed.error = .init(code: "not-media", message: "not a video")
        try folder.write(failed)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder.path).appendingPathComponent("notes.json"))
        let merged = try ReportMerge.read(folder)
        #expect(merged.reports.map(\.report.input.path) == ["clip-1.mp4", "clip-2.mp4", "clip-3.mp4"])
        #expect(merged.summary.verdicts == ["fake": 1, "real": 1, "uncertain": 0, "no-face": 0, "error": 1])
        #expect(merged.summary.failures.map(\.code) == ["not-media"])
        #expect(merged.summary.models.count == 1 && merged.summary.settings.count == 1 && merged.summary.warnings.isEmpty)
        #expect(String(decoding: try merged.jsonLines(), as: UTF8.self).split(separator: "\n").count == 3)
        // A damaged report stops the merge, naming it.
        let bad = folder.file(forSHA256: String(repeating: "e", count: 64))
        try Data("{\"schema\": \"deepfake-report/1\"".utf8).write(to: URL(fileURLWithPath: bad))
        #expect { try ReportMerge.read(folder) } throws: { "\($0)".contains(bad) && "\($0)".contains("is not a deepfake-report/1 report") }
    }
}
