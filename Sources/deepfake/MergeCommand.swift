import ArgumentParser
import Foundation
import Media
import Store

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Gather the reports of a sharded 'score --out-dir' run into one JSON lines file and a summary.",
        discussion: """
            Reads every report in DIR (DIR/<sha256>.json and DIR/unread-<sha256>.json, as \
            'deepfake score --out-dir DIR' writes them; other files are ignored) and writes them \
            as JSON lines, one compact deepfake-report/1 report per line, ordered by input path \
            then content hash: the same whatever the shards and the order they finished in. \
            --out FILE writes them whole or not at all; without it they go to standard output.

            The summary counts the reports per verdict (fake, real, uncertain, no-face, error) \
            and lists every failure (path, code, message, report file). It goes to standard \
            error, or with --json to standard output as JSON (schema \
            schemas/deepfake-merge-1.schema.json; --out is then required). A file in DIR that \
            is not a report stops the merge, naming it. The exit code is 0 when the reports \
            were merged, failures among them or not.
            """)

    @Argument(help: ArgumentHelp("The --out-dir folder of the shards.", valueName: "dir"))
    var folder: String

    @Option(help: ArgumentHelp("Write the JSON lines to FILE.", valueName: "file"))
    var out: String?

    @Flag(help: "Print the summary as JSON on standard output (needs --out).")
    var json = false

    func validate() throws {
        if json && out == nil {
            throw ValidationError("--json prints the summary on standard output; give --out FILE for the reports.")
        }
    }

    func run() throws {
        if let out {
            var outputs = OutputGuard()
            try outputs.addInput(folder, as: "the report folder", readsExtensions: ["json"])
            try outputs.check(out, as: "the merged reports")
            try ScoreCommand.checkWritable(file: out, option: "--out")
        }
        let merged: ReportMerge
        do { merged = try ReportMerge.read(ReportFolder(path: folder)) } catch { throw CleanError("merge: \(error)") }
        let lines = try merged.jsonLines()
        if let out {
            try ScoreCommand.writeAtomically(lines, to: out)
        } else if !lines.isEmpty {
            Terminal.writeAll(1, String(decoding: lines, as: UTF8.self))
        }
        if json {
            Terminal.out(try JSONOut.text(merged.summary))
        } else {
            Terminal.error(Self.describe(merged.summary))
        }
    }

    /// `12 reports: 3 fake, 7 real, 1 uncertain, 0 no-face, 1 error` and the failures.
    static func describe(_ s: ReportMerge.Summary) -> String {
        let order = ["fake", "real", "uncertain", "no-face", "error"]
        var lines = ["\(s.reports) reports: " + order.map { "\(s.verdicts[$0] ?? 0) \($0)" }.joined(separator: ", ")
            + (s.cached > 0 ? " (\(s.cached) from a results store)" : "")]
        for f in s.failures { lines.append("failed: \(f.path): \(f.code): \(f.message) [\(f.file)]") }
        for w in s.warnings { lines.append("warning: \(w)") }
        return lines.joined(separator: "\n")
    }
}
