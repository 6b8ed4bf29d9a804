import Foundation
import GRDB

/// A results store, an input list or a report folder that cannot be used, naming the file, what is
/// wrong and what to try.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// No store at the path (reading commands do not create one).
        case missing = "store-missing"
        /// The file is not a results store: not SQLite, or another program's database.
        case notAStore = "not-a-store"
        /// Written by a newer version of the tool (migrations this one does not know).
        case newerSchema = "store-newer"
        /// SQLite reported damage.
        case corrupt = "store-corrupt"
        /// Another process held the write lock past the timeout.
        case busy = "store-busy"
        /// Reading or writing failed (permissions, space, a folder in the way).
        case ioFailed = "io-failed"
        /// An input list, shard or report folder that cannot be used.
        case badList = "bad-list"
        case badReport = "bad-report"
        case mismatch = "settings-mismatch"
    }

    public var code: Code
    public var path: String
    public var reason: String
    public var hint: String?

    public init(_ code: Code, path: String, _ reason: String, hint: String? = nil) {
        self.code = code
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    /// `'results.sqlite': is not a results store (not an SQLite database). Check the path.`
    public var description: String {
        "'\(path)': \(reason)" + (hint.map { ". \($0)." } ?? ".")
    }

    /// A GRDB or SQLite error on the store at `path`, in the store's words.
    static func from(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let db = error as? DatabaseError else {
            return StoreError(.ioFailed, path: path, "\(error)")
        }
        let message = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return StoreError(.notAStore, path: path, "is not a results store (not an SQLite database)",
                              hint: "Check the path; a new store is made only where no file exists")
        case .SQLITE_CORRUPT:
            return StoreError(.corrupt, path: path, "the store is damaged (\(message))",
                              hint: "Keep a copy, then export what 'deepfake store export' can still read into a new store")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.busy, path: path, "another process kept the store locked (\(message))",
                              hint: "Try again when the other writer has finished")
        case .SQLITE_READONLY:
            return StoreError(.ioFailed, path: path, "the store cannot be written (\(message))",
                              hint: "Check the permissions of the file and of its folder (SQLite writes -wal and -shm files beside it)")
        case .SQLITE_CANTOPEN:
            return StoreError(.ioFailed, path: path, "the store cannot be opened (\(message))",
                              hint: "Check that the path is a file in an existing, writable folder")
        case .SQLITE_FULL:
            return StoreError(.ioFailed, path: path, "the disk is full (\(message))", hint: "Free some space and try again")
        case .SQLITE_IOERR:
            return StoreError(.ioFailed, path: path, "reading or writing the store failed (\(message))",
                              hint: "Check the disk; the store must be on a local file system (SQLite's WAL mode needs shared memory)")
        default:
            return StoreError(.ioFailed, path: path, "SQLite error: \(message)")
        }
    }
}
