import Detection
import Foundation

/// `deepfake merge DIR`: a report folder's reports in one stable order, and a summary of them
/// (`deepfake-merge/1`, schema in `schemas/deepfake-merge-1.schema.json`).
public struct ReportMerge: Sendable {
    /// The reports, ordered by input path, then content hash, then file name: the same whatever
    /// the shards and the order they ran in.
    public var reports: [(file: String, report: Report)]
    public var summary: Summary

    public struct Summary: Codable, Equatable, Sendable {
        public var schema = "deepfake-merge/1"
        /// The folder as given.
        public var folder: String
        /// Reports read.
        public var reports: Int
        /// Reports per verdict (`fake`, `real`, `uncertain`, `no-face`), and `error` for failures;
        /// every key is present.
        public var verdicts: [String: Int]
        /// Every report with an error, in report order.
        public var failures: [Failure]
        /// Reports served from a results store rather than scored by the shard.
        public var cached: Int
        /// The distinct model SHA-256s and settings hashes (``ScoreKey``) of the reports: one
        /// each for a folder written by one run.
        public var models: [String]
        public var settings: [String]
        public var warnings: [String]
    }

    public struct Failure: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String?
        /// The report file, relative to the folder.
        public var file: String
        public var code: String
        public var message: String
    }

    /// Reads every report of `folder`.
    /// - Throws: `StoreError` naming the first file that is not a report, or the folder.
    public static func read(_ folder: ReportFolder) throws(StoreError) -> ReportMerge {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(.ioFailed, path: folder.path, "is not a folder", hint: "Give the --out-dir folder of 'deepfake score'")
        }
        var reports: [(file: String, report: Report)] = []
        for name in try folder.reportNames() {
            reports.append((name, try ReportFolder.read((folder.path as NSString).appendingPathComponent(name))))
        }
        reports.sort { a, b in
            (a.report.input.path, a.report.input.sha256 ?? "", a.file) < (b.report.input.path, b.report.input.sha256 ?? "", b.file)
        }
        var verdicts = Dictionary(uniqueKeysWithValues: (Aggregation.Verdict.allCases.map(\.rawValue) + ["error"]).map { ($0, 0) })
        var failures: [Failure] = []
        var models: Set<String> = [], settings: Set<String> = []
        for (file, report) in reports {
            if let error = report.error {
                verdicts["error", default: 0] += 1
                failures.append(Failure(path: report.input.path, sha256: report.input.sha256, file: file, code: error.code,
                                        message: error.message))
            } else if let summary = report.summary {
                verdicts[summary.verdict.rawValue, default: 0] += 1
            }
            models.insert(report.model.sha256)
            settings.insert(ScoreKey.canonicalHash(report))
        }
        var warnings: [String] = []
        if reports.isEmpty { warnings.append("the folder holds no report") }
        if models.count > 1 { warnings.append("the reports come from \(models.count) different models") }
        if settings.count > 1 { warnings.append("the reports were made with \(settings.count) different settings") }
        let summary = Summary(
            folder: folder.path, reports: reports.count, verdicts: verdicts, failures: failures,
            cached: reports.filter { $0.report.cached != nil }.count, models: models.sorted(), settings: settings.sorted(),
            warnings: warnings)
        return ReportMerge(reports: reports, summary: summary)
    }

    /// The reports as JSON lines: one compact sorted-key report per line.
    public func jsonLines() throws -> Data {
        var data = Data()
        for (_, report) in reports {
            data += try report.json(pretty: false)
            data.append(0x0A)
        }
        return data
    }
}

extension ScoreKey {
    /// The settings hash of the run that made `report`.
    static func canonicalHash(_ report: Report) -> String {
        ScoreKey(inputSHA256: "", modelSHA256: report.model.sha256, settings: report.settings, toolVersion: report.tool.version)
            .settingsHash
    }
}
