import Detection
import Foundation
import GRDB

/// The results store: every `deepfake score --store` report, whole, keyed by what made it
/// (``ScoreKey``), in one SQLite file.
///
/// - **WAL mode, one writer.** A `DatabasePool`: readers never wait for the writer, and writes
///   (one short transaction per report) are serialised, across processes too (SQLite's lock, with
///   a 30 s busy timeout). The store must sit on a local file system: WAL needs shared memory.
/// - **Crash safety.** A report is one `INSERT` in its own transaction, committed with
///   `synchronous=FULL`: a writer killed at any point (even `kill -9` in the middle of the
///   transaction) loses at most the report it was writing; the next open rolls the WAL back to
///   the last commit.
/// - **Migrations.** GRDB's `DatabaseMigrator` records applied migrations in
///   `grdb_migrations`; a store with migrations this version does not know (made by a newer
///   tool) is refused instead of being written to. The file carries SQLite's `application_id`
///   `0x44465752` ("DFWR"), so another program's database is never taken for a store.
/// - **Queries.** The verdict, the video's score, the time stored and the model are columns with
///   indexes; the report itself is the compact `deepfake-report/1` JSON, unchanged.
///
/// Reports with an `error` are not stored: a failure may be passing (a file still being copied,
/// memory), and a store hit must never hide one.
public final class ResultStore: Sendable {
    /// The path as given.
    public let path: String
    private let pool: DatabasePool

    /// `"DFWR"`, in SQLite's header, marking the file as a results store.
    public static let applicationID: Int32 = 0x4446_5752

    /// How long a writer waits for another process's write lock.
    public static let busyTimeout: TimeInterval = 30

    /// Opens the store at `path`.
    /// - Parameter create: make the file when it does not exist (its folder must); otherwise a
    ///   missing store is `StoreError.missing`.
    /// - Throws: `StoreError` naming the path: not a store, made by a newer tool, damaged, locked,
    ///   or not writable.
    public init(path: String, create: Bool) throws(StoreError) {
        self.path = path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw StoreError(.ioFailed, path: path, "is a folder", hint: "Give the store's file name, e.g. results.sqlite")
        }
        if !exists && !create {
            throw StoreError(.missing, path: path, "there is no results store here",
                             hint: "Check the path, or make one with 'deepfake score --store \(path) VIDEO...'")
        }
        if !exists {
            let folder = (path as NSString).deletingLastPathComponent
            let parent = folder.isEmpty ? "." : folder
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw StoreError(.ioFailed, path: path, "the folder '\(parent)' does not exist", hint: "Create it or choose another path")
            }
        }
        do {
            if exists { try Self.checkHeader(path) }
            var configuration = Configuration()
            configuration.busyMode = .timeout(Self.busyTimeout)
            configuration.label = "results store"
            configuration.prepareDatabase { db in
                // Durable commits: a report reported stored survives a crash of the process and
                // of the machine.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in try Self.checkOwnership(db, path: path) }
            let migrator = Self.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError(.newerSchema, path: path, "the store was made by a newer version of deepfake (it has migrations this version does not know)",
                                 hint: "Use that version, or another --store")
            }
            try migrator.migrate(pool)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Refuses a file whose first bytes are not SQLite's header (SQLite itself would only say so
    /// on the first query), unless it is empty.
    private static func checkHeader(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.ioFailed, path: path, "cannot be read", hint: "Check its permissions")
        }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 16)
        if !head.isEmpty && head != Data("SQLite format 3\0".utf8) {
            throw StoreError(.notAStore, path: path, "is not a results store (not an SQLite database)",
                             hint: "Check the path; a new store is made only where no file exists")
        }
    }

    /// Refuses an SQLite database that is not a store (tables of its own, another application id).
    private static func checkOwnership(_ db: Database, path: String) throws {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if id == applicationID { return }
        let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if id != 0 || objects > 0 {
            throw StoreError(.notAStore, path: path, "is an SQLite database of another program, not a results store",
                             hint: "Choose another path for the store")
        }
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
    }

    /// The store's migrations; each one is applied once, in order, in its own transaction.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: reports") { db in
            try db.create(table: StoredRow.databaseTableName) { t in
                t.column("input_sha256", .text).notNull()
                t.column("model_sha256", .text).notNull()
                t.column("settings_hash", .text).notNull()
                t.primaryKey(["input_sha256", "model_sha256", "settings_hash"])
                t.column("settings", .text).notNull()
                t.column("tool_version", .text).notNull()
                t.column("input_path", .text).notNull()
                t.column("model_path", .text).notNull()
                t.column("verdict", .text).notNull()
                t.column("score", .double)
                t.column("stored_at", .datetime).notNull()
                t.column("report", .text).notNull()
            }
            try db.create(index: "report_by_verdict", on: "report", columns: ["verdict", "stored_at"])
            try db.create(index: "report_by_time", on: "report", columns: ["stored_at"])
            try db.create(index: "report_by_score", on: "report", columns: ["score"])
            try db.create(index: "report_by_model", on: "report", columns: ["model_sha256"])
        }
        return migrator
    }

    /// The migrations applied to this store, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: - Reports

    /// The stored report for `key`, or nil.
    /// - Throws: `StoreError.badReport` when the stored JSON no longer decodes as a report.
    public func report(for key: ScoreKey) throws(StoreError) -> (report: Report, storedAt: Date)? {
        let row = try read { db in
            try StoredRow.fetchOne(db, key: ["input_sha256": key.inputSHA256, "model_sha256": key.modelSHA256,
                                             "settings_hash": key.settingsHash])
        }
        guard let row else { return nil }
        return (try row.decodedReport(store: path), row.storedAt)
    }

    /// Stores `report` under its key, replacing an entry of the same key.
    /// - Parameters:
    ///   - at: the time it is stored as (now by default).
    ///   - beforeCommit: runs inside the transaction, after the insert and before the commit (the
    ///     crash test kills the writer there).
    /// - Returns: the key it was stored under.
    /// - Throws: `StoreError.badReport` for a report with an error or without an input hash.
    @discardableResult
    public func put(_ report: Report, at date: Date = Date(), beforeCommit: () -> Void = {}) throws(StoreError) -> ScoreKey {
        guard report.error == nil, let summary = report.summary, let key = ScoreKey(report: report) else {
            throw StoreError(.badReport, path: report.input.path, "a report with an error or without the input's SHA-256 is not stored")
        }
        var stored = report
        stored.cached = nil
        let json: String
        do {
            json = String(decoding: try stored.json(pretty: false), as: UTF8.self)
        } catch {
            throw StoreError(.badReport, path: report.input.path, "the report cannot be encoded: \(error)")
        }
        let row = StoredRow(
            inputSHA256: key.inputSHA256, modelSHA256: key.modelSHA256, settingsHash: key.settingsHash,
            settings: key.settings, toolVersion: report.tool.version, inputPath: report.input.path,
            modelPath: report.model.path, verdict: summary.verdict.rawValue, score: summary.score,
            storedAt: date, report: json)
        try write { db in
            try row.insert(db, onConflict: .replace)
            beforeCommit()
        }
        return key
    }

    /// The entries `filter` selects, newest first (without their reports).
    public func entries(_ filter: StoreFilter = .init()) throws(StoreError) -> [StoreEntry] {
        try read { db in
            try filter.apply(to: StoreEntry.all()).order(Column("stored_at").desc, Column("input_sha256"))
                .fetchAll(db)
        }
    }

    /// How many entries `filter` selects.
    public func count(_ filter: StoreFilter = .init()) throws(StoreError) -> Int {
        try read { db in try filter.apply(to: StoreEntry.all()).fetchCount(db) }
    }

    /// Calls `body` with each selected entry and its report JSON, in a stable order (input, model,
    /// settings hash), reading one row at a time.
    public func forEachReport(_ filter: StoreFilter = .init(), _ body: (StoreEntry, String) throws -> Void) throws {
        try read { db in
            let request = filter.apply(to: StoredRow.all())
                .order(Column("input_sha256"), Column("model_sha256"), Column("settings_hash"))
            let rows = try StoredRow.fetchCursor(db, request)
            while let row = try rows.next() { try body(row.entry, row.report) }
        }
    }

    /// The stored report of one entry.
    public func report(of entry: StoreEntry) throws(StoreError) -> Report? {
        try report(for: entry.key).map(\.report)
    }

    /// Removes the entries `filter` selects (at least one criterion is required) and returns how
    /// many went.
    public func prune(_ filter: StoreFilter) throws(StoreError) -> Int {
        precondition(!filter.isEmpty, "prune needs a criterion")
        return try write { db in try filter.apply(to: StoredRow.all()).deleteAll(db) }
    }

    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound file.
    public func integrityCheck() throws(StoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// The journal mode (`wal`).
    public func journalMode() throws(StoreError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Access

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError.from(error, path: path) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError.from(error, path: path) }
    }
}

/// Which entries a query selects: every criterion given must hold.
public struct StoreFilter: Sendable {
    /// Verdicts (`fake`, `real`, `uncertain`, `no-face`).
    public var verdicts: Set<String>?
    /// Stored at or after.
    public var since: Date?
    /// Stored before.
    public var before: Date?
    /// Lowercase hex prefixes of the input's and the model's SHA-256 and of the settings hash.
    public var inputPrefix: String?
    public var modelPrefix: String?
    public var settingsPrefix: String?
    /// At most this many entries (the newest, for `entries`).
    public var limit: Int?

    public init(verdicts: Set<String>? = nil, since: Date? = nil, before: Date? = nil, inputPrefix: String? = nil,
                modelPrefix: String? = nil, settingsPrefix: String? = nil, limit: Int? = nil) {
        self.verdicts = verdicts
        self.since = since
        self.before = before
        self.inputPrefix = inputPrefix
        self.modelPrefix = modelPrefix
        self.settingsPrefix = settingsPrefix
        self.limit = limit
    }

    /// True when it selects every entry.
    public var isEmpty: Bool {
        verdicts == nil && since == nil && before == nil && inputPrefix == nil && modelPrefix == nil && settingsPrefix == nil
    }

    func apply<R: TableRecord>(to request: QueryInterfaceRequest<R>) -> QueryInterfaceRequest<R> {
        var request = request
        if let verdicts { request = request.filter(verdicts.contains(Column("verdict"))) }
        if let since { request = request.filter(Column("stored_at") >= since) }
        if let before { request = request.filter(Column("stored_at") < before) }
        for (column, prefix) in [("input_sha256", inputPrefix), ("model_sha256", modelPrefix), ("settings_hash", settingsPrefix)] {
            // Hex digits only (checked by the callers), so no LIKE wildcard can slip in.
            if let prefix { request = request.filter(Column(column).like(prefix.lowercased() + "%")) }
        }
        if let limit { request = request.limit(limit) }
        return request
    }

    /// A SHA-256 prefix as the commands take it: 4 to 64 hex digits.
    public static func isHexPrefix(_ text: String) -> Bool {
        (4...64).contains(text.count) && text.allSatisfy(\.isHexDigit)
    }
}

/// One stored report's facts, without the report.
public struct StoreEntry: Codable, Equatable, Sendable, FetchableRecord, TableRecord {
    public static let databaseTableName = "report"
    public static var databaseSelection: [any SQLSelectable] { CodingKeys.allCases.map { Column($0.rawValue) } }

    public var inputSHA256: String
    public var modelSHA256: String
    public var settingsHash: String
    public var settings: String
    public var toolVersion: String
    public var inputPath: String
    public var modelPath: String
    public var verdict: String
    public var score: Double?
    public var storedAt: Date

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputSHA256 = "input_sha256", modelSHA256 = "model_sha256", settingsHash = "settings_hash", settings
        case toolVersion = "tool_version", inputPath = "input_path", modelPath = "model_path", verdict, score
        case storedAt = "stored_at"
    }

    var key: ScoreKey {
        var key = ScoreKey(inputSHA256: inputSHA256, modelSHA256: modelSHA256, settings: [:], toolVersion: "")
        key.settings = settings
        key.settingsHash = settingsHash
        return key
    }
}

/// A row of the `report` table.
struct StoredRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "report"

    var inputSHA256: String
    var modelSHA256: String
    var settingsHash: String
    var settings: String
    var toolVersion: String
    var inputPath: String
    var modelPath: String
    var verdict: String
    var score: Double?
    var storedAt: Date
    var report: String

    enum CodingKeys: String, CodingKey {
        case inputSHA256 = "input_sha256", modelSHA256 = "model_sha256", settingsHash = "settings_hash", settings
        case toolVersion = "tool_version", inputPath = "input_path", modelPath = "model_path", verdict, score
        case storedAt = "stored_at", report
    }

    var entry: StoreEntry {
        StoreEntry(inputSHA256: inputSHA256, modelSHA256: modelSHA256, settingsHash: settingsHash, settings: settings,
                   toolVersion: toolVersion, inputPath: inputPath, modelPath: modelPath, verdict: verdict, score: score,
                   storedAt: storedAt)
    }

    func decodedReport(store: String) throws(StoreError) -> Report {
        do {
            return try JSONDecoder().decode(Report.self, from: Data(report.utf8))
        } catch {
            throw StoreError(.badReport, path: store, "the stored report of input \(inputSHA256.prefix(12)) does not decode: \(error)",
                             hint: "Score it again with --rescore")
        }
    }
}

extension Date {
    /// `2026-12-04T18:30:05Z`.
    public var storeText: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: self)
    }
}
