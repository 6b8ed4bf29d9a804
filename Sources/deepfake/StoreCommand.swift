import ArgumentParser
import Detection
import Foundation
import Media
import Store

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "List, show, export and prune the reports in a results store.",
        discussion: """
            The results store is the SQLite file 'deepfake score --store' keeps its reports in \
            (WAL mode; see Sources/Store/README.md). Each entry is one report, whole, keyed by \
            the input's SHA-256, the model's SHA-256 and the settings' hash; its verdict, score \
            and the time it was stored are indexed. Reports with an error are never stored.

            The store is --store LOCATION: a file path, or 'default' for \
            $XDG_DATA_HOME/deepfake-workbench/results.sqlite \
            (~/.local/share/deepfake-workbench/results.sqlite without XDG_DATA_HOME); without \
            --store, $DEEPFAKE_STORE, and without that the default. These commands never create \
            a store. Times are shown in UTC.
            """,
        subcommands: [StoreList.self, StoreShow.self, StoreExport.self, StorePrune.self])
}

/// The options every `store` subcommand takes to find the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The results store: \(StoreLocation.help), else the default.", valueName: "location"))
    var store: String?

    var path: String { StoreLocation.resolve(store, fallbackToDefault: true)! }

    func open() throws -> ResultStore { try StoreLocation.open(path, create: false) }
}

/// The filters `list`, `export` and `prune` share.
struct StoreFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only reports with this verdict: fake, real, uncertain or no-face (repeat for several).", valueName: "verdict"))
    var verdict: [String] = []

    @Option(help: ArgumentHelp("Only reports stored at or after TIME: \(TimeSpec.forms).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only reports stored before TIME (same forms as --since).", valueName: "time"))
    var before: String?

    @Option(help: ArgumentHelp("Only reports of the model whose SHA-256 starts with these hex digits (4 to 64).", valueName: "sha256"))
    var model: String?

    @Option(help: ArgumentHelp("Only reports of inputs whose SHA-256 starts with these hex digits (4 to 64).", valueName: "sha256"))
    var input: String?

    func validate() throws {
        let known = Aggregation.Verdict.allCases.map(\.rawValue)
        for v in verdict where !known.contains(v) {
            throw ValidationError("--verdict must be one of \(known.joined(separator: ", ")), got '\(v)'.")
        }
        for (flag, value) in [("--since", since), ("--before", before)] {
            if let value, TimeSpec.parse(value) == nil {
                throw ValidationError("\(flag) takes \(TimeSpec.forms); got '\(value)'.")
            }
        }
        for (flag, value) in [("--model", model), ("--input", input)] {
            if let value, !StoreFilter.isHexPrefix(value) {
                throw ValidationError("\(flag) takes the start of a SHA-256: 4 to 64 hex digits; got '\(value)'.")
            }
        }
    }

    var filter: StoreFilter {
        StoreFilter(verdicts: verdict.isEmpty ? nil : Set(verdict), since: since.flatMap { TimeSpec.parse($0) },
                    before: before.flatMap { TimeSpec.parse($0) }, inputPrefix: input?.lowercased(), modelPrefix: model?.lowercased())
    }
}

/// What `store list --json` prints for an entry.
struct EntryJSON: Codable {
    var inputSHA256: String
    var modelSHA256: String
    var settingsHash: String
    var inputPath: String
    var modelPath: String
    var verdict: String
    var score: Double?
    var storedAt: String
    var toolVersion: String

    init(_ e: StoreEntry) {
        inputSHA256 = e.inputSHA256
        modelSHA256 = e.modelSHA256
        settingsHash = e.settingsHash
        inputPath = e.inputPath
        modelPath = e.modelPath
        verdict = e.verdict
        score = e.score
        storedAt = e.storedAt.storeText
        toolVersion = e.toolVersion
    }
}

enum JSONOut {
    static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

struct StoreList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List stored reports, newest first.",
        discussion: """
            One line per report: when it was stored (UTC), verdict, score, the first 12 hex \
            digits of the input's and the model's SHA-256, and the input's path when it was \
            scored. --json prints a JSON array of the same facts in full (schema \
            schemas/deepfake-store-list-1.schema.json).
            """)

    @OptionGroup var location: StoreOptions
    @OptionGroup var filters: StoreFilterOptions

    static let limits = 1...10_000_000

    @Option(parsing: .unconditional, help: "Show at most N reports, the newest (\(limits.text)).")
    var limit: Int?

    @Flag(help: "Print a JSON array.")
    var json = false

    func validate() throws {
        try Limits.check(limit, "--limit", in: Self.limits)
    }

    func run() throws {
        let store = try location.open()
        var filter = filters.filter
        filter.limit = limit
        let entries = try storeCall(store.path) { try store.entries(filter) }
        if json {
            Terminal.out(try JSONOut.text(entries.map(EntryJSON.init)))
            return
        }
        if !entries.isEmpty {
            Terminal.out("stored               verdict    score  input         model         path")
        }
        for e in entries {
            let verdict = e.verdict.padding(toLength: 9, withPad: " ", startingAt: 0)
            let score = e.score.map { String(format: "%.3f", $0) } ?? "    -"
            Terminal.out("\(e.storedAt.storeText) \(verdict) \(score)  \(e.inputSHA256.prefix(12))  \(e.modelSHA256.prefix(12))  \(e.inputPath)")
        }
        let total = try storeCall(store.path) { try store.count() }
        Terminal.error("\(entries.count) of \(total) stored reports.")
    }
}

struct StoreShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one stored report, found by the start of its input's SHA-256.",
        discussion: """
            SHA256 is the start of the input's SHA-256 (4 to 64 hex digits, as 'store list' \
            shows it). When several reports match (other inputs, or the same input scored with \
            other models or settings) they are listed and nothing is shown: give more digits, \
            or --model / --settings. Prints the verdict, scores, settings and warnings; --json \
            prints the stored deepfake-report/1 JSON as it was stored.
            """)

    @OptionGroup var location: StoreOptions

    @Argument(help: ArgumentHelp("The start of the input's SHA-256.", valueName: "sha256"))
    var sha256: String

    @Option(help: ArgumentHelp("The start of the model's SHA-256.", valueName: "sha256"))
    var model: String?

    @Option(help: ArgumentHelp("The start of the settings hash.", valueName: "hash"))
    var settings: String?

    @Flag(help: "Print the stored report as JSON.")
    var json = false

    func validate() throws {
        for (what, value) in [("SHA256", Optional(sha256)), ("--model", model), ("--settings", settings)] {
            if let value, !StoreFilter.isHexPrefix(value) {
                throw ValidationError("\(what) takes the start of a SHA-256: 4 to 64 hex digits; got '\(value)'.")
            }
        }
    }

    func run() throws {
        let store = try location.open()
        let filter = StoreFilter(inputPrefix: sha256.lowercased(), modelPrefix: model?.lowercased(), settingsPrefix: settings?.lowercased())
        let entries = try storeCall(store.path) { try store.entries(filter) }
        guard let entry = entries.first else {
            throw CleanError("results store '\(store.path)': no report of an input whose SHA-256 starts with \(sha256)\(model.map { " and a model \($0)" } ?? "")\(settings.map { " and settings \($0)" } ?? ""). 'deepfake store list' shows what is there.")
        }
        if entries.count > 1 {
            let lines = entries.prefix(20).map {
                "  input \($0.inputSHA256.prefix(16))  model \($0.modelSHA256.prefix(12))  settings \($0.settingsHash.prefix(12))  \($0.storedAt.storeText)  \($0.inputPath)"
            }
            throw CleanError(
                "results store '\(store.path)': \(entries.count) reports match \(sha256):\n\(lines.joined(separator: "\n"))\n"
                    + "Give more digits, or --model / --settings.")
        }
        guard let report = try storeCall(store.path, { try store.report(of: entry) }) else {
            throw CleanError("results store '\(store.path)': the report went away while it was read (pruned by another process?).")
        }
        if json {
            Terminal.out(String(decoding: try report.json(), as: UTF8.self))
            return
        }
        Terminal.out(Self.describe(entry, report))
    }

    static func describe(_ entry: StoreEntry, _ report: Report) -> String {
        var lines: [String] = []
        lines.append("input     \(entry.inputPath)")
        lines.append("sha256    \(entry.inputSHA256)")
        lines.append("model     \(entry.modelPath) (sha256 \(entry.modelSHA256))")
        lines.append("stored    \(entry.storedAt.storeText) by deepfake \(entry.toolVersion)")
        if let s = report.summary {
            let score = s.score.map { String(format: " %.3f", $0) } ?? ""
            lines.append("verdict   \(s.verdict.rawValue)\(score) (\(s.tracks) tracks, \(s.framesWithFaces)/\(s.framesSampled) frames with faces, \(s.faces) faces)")
        }
        for t in report.tracks {
            lines.append(String(format: "track %-3d %@ %.3f (%d faces)", t.id, t.verdict.rawValue, t.score, t.faces.count))
        }
        for s in report.segments {
            lines.append(String(format: "segment   %.2f–%.2f s (frames %d–%d), peak %.3f", s.start, s.end, s.startFrame, s.endFrame, s.peak))
        }
        lines.append("settings  \(entry.settingsHash)")
        for line in entry.settings.split(separator: "\n") { lines.append("          \(line)") }
        for w in report.warnings { lines.append("warning   \(w)") }
        return lines.joined(separator: "\n")
    }
}

struct StoreExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored reports as JSON lines.",
        discussion: """
            One compact deepfake-report/1 report per line, as stored, ordered by the input's \
            SHA-256, then the model's, then the settings hash (the same order every time). To \
            standard output, or with --out FILE to a file written whole or not at all.
            """)

    @OptionGroup var location: StoreOptions
    @OptionGroup var filters: StoreFilterOptions

    @Flag(help: "JSON lines (the one format there is; required, so another can be added).")
    var jsonl = false

    @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        if !jsonl { throw ValidationError("Choose the format: --jsonl (one report per line).") }
    }

    func run() throws {
        if let out {
            var outputs = OutputGuard()
            try StoreLocation.protect(location.path, in: &outputs)
            try outputs.check(out, as: "the export")
            try ScoreCommand.checkWritable(file: out, option: "--out")
        }
        let store = try location.open()
        var data = Data()
        var count = 0
        try storeCall(store.path) {
            try store.forEachReport(filters.filter) { _, json in
                if out == nil {
                    Terminal.out(json)
                } else {
                    data += Data(json.utf8)
                    data.append(0x0A)
                }
                count += 1
            }
        }
        if let out { try ScoreCommand.writeAtomically(data, to: out) }
        Terminal.error("\(count) reports exported\(out.map { " to \($0)" } ?? "").")
    }
}

struct StorePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove stored reports by age or model.",
        discussion: """
            Removes the reports every given criterion selects: --older-than AGE (stored more \
            than AGE ago: 90m, 12h, 7d, 4w), --before TIME (a date or UTC time), --model SHA256 \
            (the start of the model's SHA-256), --verdict. At least --older-than, --before or \
            --model is required. --dry-run counts without removing. The file does not shrink \
            (SQLite reuses the space); 'sqlite3 FILE VACUUM' compacts it.
            """)

    @OptionGroup var location: StoreOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Reports stored more than AGE ago (90m, 12h, 7d, 4w; at most \(TimeSpec.maxDays) days).", valueName: "age"))
    var olderThan: String?

    @Option(help: ArgumentHelp("Reports stored before TIME: \(TimeSpec.forms).", valueName: "time"))
    var before: String?

    @Option(help: ArgumentHelp("Reports of the model whose SHA-256 starts with these hex digits (4 to 64).", valueName: "sha256"))
    var model: String?

    @Option(help: ArgumentHelp("Only reports with this verdict (repeat for several).", valueName: "verdict"))
    var verdict: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Count what would be removed; remove nothing.")
    var dryRun = false

    @Flag(help: "Print the counts as JSON.")
    var json = false

    func validate() throws {
        if olderThan == nil && before == nil && model == nil {
            throw ValidationError("Say what to prune: --older-than AGE, --before TIME or --model SHA256 (or several).")
        }
        if olderThan != nil && before != nil {
            throw ValidationError("Give --older-than or --before, not both.")
        }
        if let olderThan, TimeSpec.age(olderThan) == nil {
            throw ValidationError("--older-than takes an age: a whole number and m, h, d or w (90m, 12h, 7d, 4w; at most \(TimeSpec.maxDays) days); got '\(olderThan)'.")
        }
        if let before, TimeSpec.parse(before) == nil {
            throw ValidationError("--before takes \(TimeSpec.forms); got '\(before)'.")
        }
        if let model, !StoreFilter.isHexPrefix(model) {
            throw ValidationError("--model takes the start of a SHA-256: 4 to 64 hex digits; got '\(model)'.")
        }
        let known = Aggregation.Verdict.allCases.map(\.rawValue)
        for v in verdict where !known.contains(v) {
            throw ValidationError("--verdict must be one of \(known.joined(separator: ", ")), got '\(v)'.")
        }
    }

    struct Counts: Codable {
        /// Removed, or with --dry-run, that would be.
        var removed: Int
        var remaining: Int
        var dryRun: Bool
    }

    func run() throws {
        let store = try location.open()
        let cutoff = olderThan.flatMap(TimeSpec.age).map { Date().addingTimeInterval(-$0) } ?? before.flatMap { TimeSpec.parse($0) }
        let filter = StoreFilter(verdicts: verdict.isEmpty ? nil : Set(verdict), before: cutoff, modelPrefix: model?.lowercased())
        let total = try storeCall(store.path) { try store.count() }
        let removed = try storeCall(store.path) { dryRun ? try store.count(filter) : try store.prune(filter) }
        // A dry run removes nothing: all remain, and `removed` counts what would go.
        let counts = Counts(removed: removed, remaining: dryRun ? total : total - removed, dryRun: dryRun)
        if json {
            Terminal.out(try JSONOut.text(counts))
        } else if dryRun {
            Terminal.out("would remove \(removed) of \(total) stored reports (dry run: nothing removed).")
        } else {
            Terminal.out("removed \(removed) of \(total) stored reports; \(counts.remaining) remain.")
        }
    }
}

/// Runs a store call, turning its error into the message the user sees.
@discardableResult
func storeCall<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw CleanError("results store \(error)")
    } catch let error as CleanError {
        throw error
    } catch {
        throw CleanError("results store '\(path)': \(error)")
    }
}
