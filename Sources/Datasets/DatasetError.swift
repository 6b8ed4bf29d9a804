import Media

/// Why a dataset could not be built or loaded. Each names the path and says what to do.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// The source holds no usable images.
        case empty
        /// More images failed to decode than the allowed share.
        case tooManyUnreadable = "too-many-unreadable"
        /// The index or label file is malformed or lacks a column.
        case badIndex = "bad-index"
        /// The cache file is damaged (it is rebuilt automatically; this surfaces only on write).
        case cacheFailed = "cache-failed"
        /// The path does not exist or is not the expected kind.
        case notFound = "not-found"
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "'\(path)': \(message)" }
}

extension DatasetError {
    /// Throws `.notFound` when `path` is a FIFO, device or socket: reading one could block forever
    /// or never end.
    /// - Parameter what: what the file was to be, e.g. "CSV file".
    static func requireNotSpecial(_ path: String, what: String) throws(DatasetError) {
        if let kind = FileChecks.specialKind(path) {
            throw DatasetError(.notFound, path: path, "is \(kind), not a regular file, so it cannot be read as the \(what). Pass a regular file")
        }
    }
}
