import Detection
import Foundation
import Media

/// The folder a sharded `deepfake score --out-dir DIR` writes one report per input into, and
/// `deepfake merge DIR` reads.
///
/// - `DIR/<sha256>.json`: the report of the input whose content has that SHA-256 (pretty,
///   sorted-key `deepfake-report/1`), scored or failed. The same content under two paths has one
///   report.
/// - `DIR/unread-<sha256 of the path>.json`: the failure report of an input that could not be
///   read at all (missing, a folder, no permission), so it has no content hash; it is tried
///   again on every run and removed once the input is scored.
///
/// Every file is written whole under a temporary name and renamed into place, so a killed task
/// leaves either the finished report or nothing, never part of one. Shards may share a folder:
/// no two write the same input (unless a list names one twice), and a rename replaces a file
/// whole.
public struct ReportFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The report file of an input whose content has SHA-256 `sha256`.
    public func file(forSHA256 sha256: String) -> String {
        (path as NSString).appendingPathComponent("\(sha256).json")
    }

    /// The failure report file of an input path that could not be read.
    public func unreadFile(for input: String) -> String {
        (path as NSString).appendingPathComponent("unread-\(SHA256.hash(Data(input.utf8))).json")
    }

    /// Whether a file name is one of the folder's reports.
    public static func isReportName(_ name: String) -> Bool {
        guard name.hasSuffix(".json") else { return false }
        var stem = Substring(name.dropLast(5))
        if stem.hasPrefix("unread-") { stem = stem.dropFirst(7) }
        return stem.count == 64 && stem.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The report's file name in the folder: by content hash, or by path for one without.
    public func file(for report: Report) -> String {
        report.input.sha256.map(file(forSHA256:)) ?? unreadFile(for: report.input.path)
    }

    /// Writes `report` whole to its file (see ``file(for:)``), and removes a stale `unread-` file
    /// of the same path once the input has been read.
    /// - Throws: `StoreError.ioFailed` naming the file.
    public func write(_ report: Report) throws(StoreError) {
        let destination = file(for: report)
        let atomic = AtomicFile(destination: destination)
        do {
            var data = try report.json()
            data.append(0x0A)
            try data.write(to: URL(fileURLWithPath: atomic.temporary))
            try atomic.commit()
        } catch {
            atomic.discard()
            throw StoreError(.ioFailed, path: destination, "cannot write the report: \(error)",
                             hint: "Check the folder's free space and permissions")
        }
        if report.input.sha256 != nil {
            unlink(unreadFile(for: report.input.path))
        }
    }

    /// The report in `file`.
    /// - Throws: `StoreError.badReport` naming the file when it cannot be read or is not a report.
    public static func read(_ file: String) throws(StoreError) -> Report {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StoreError(.badReport, path: file, "cannot be read", hint: "Check its permissions")
        }
        do {
            let report = try JSONDecoder().decode(Report.self, from: data)
            guard report.schema == Report.schemaName else {
                throw StoreError(.badReport, path: file, "is a '\(report.schema)' file, not a \(Report.schemaName) report")
            }
            return report
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.badReport, path: file, "is not a \(Report.schemaName) report (\(Self.describe(error)))",
                             hint: "Remove it, and score its input again")
        }
    }

    /// The names of the folder's report files, sorted.
    public func reportNames() throws(StoreError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).filter(Self.isReportName).sorted()
        } catch {
            throw StoreError(.ioFailed, path: path, "cannot list the report folder: \(error.localizedDescription)",
                             hint: "Check that it is a folder you can read")
        }
    }

    /// What a rerun does with an input whose content hash is `sha256`, for a run whose reports get
    /// keys with `modelSHA256` and `settingsHash`.
    public enum Existing: Equatable, Sendable {
        /// No report yet: score it.
        case none
        /// A report of this model and settings: skip it.
        case done(Report)
    }

    /// Whether the input with `sha256` already has its report from this model and settings.
    /// - Throws: `StoreError.mismatch` when the folder's report for it came from another model,
    ///   settings or tool version (the folder would mix two runs), `StoreError.badReport` when
    ///   the file is not a report.
    public func existing(sha256: String, key: ScoreKey) throws(StoreError) -> Existing {
        let file = file(forSHA256: sha256)
        guard FileManager.default.fileExists(atPath: file) else { return .none }
        let report = try Self.read(file)
        try Self.checkSameRun(report, file: file, as: key)
        return .done(report)
    }

    /// Throws `StoreError.mismatch` unless `report` was made with the model and settings of `key`.
    public static func checkSameRun(_ report: Report, file: String, as key: ScoreKey) throws(StoreError) {
        let other = ScoreKey(inputSHA256: report.input.sha256 ?? "", modelSHA256: report.model.sha256, settings: report.settings,
                             toolVersion: report.tool.version)
        if other.modelSHA256 != key.modelSHA256 {
            throw StoreError(.mismatch, path: file, "was scored with another model (SHA-256 \(other.modelSHA256.prefix(12)), this run's is \(key.modelSHA256.prefix(12)))",
                             hint: "Give each model its own --out-dir, or pass --rescore to replace the folder's reports")
        }
        if other.settingsHash != key.settingsHash {
            func entries(_ text: String) -> [String: String] {
                var result: [String: String] = [:]
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                }
                return result
            }
            let mine = entries(key.settings), theirs = entries(other.settings)
            let differing = Set(mine.keys).union(theirs.keys).filter { mine[$0] != theirs[$0] }.sorted().map {
                "\($0): \(theirs[$0] ?? "none") in the folder, \(mine[$0] ?? "none") in this run"
            }.joined(separator: "; ")
            throw StoreError(.mismatch, path: file, "was scored with other settings (\(differing))",
                             hint: "Give each setting its own --out-dir, or pass --rescore to replace the folder's reports")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
             DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (at.isEmpty ? "" : "at '\(at)': ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}
