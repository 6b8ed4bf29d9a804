/// A TFLite model file could not be read or run.
///
/// Every failure names the file (`path`) and, where one is involved, the operator (`op`, with its
/// index in the graph) or the tensor (`tensor`). The `message` says what failed, on what, why, and
/// what to try; `description` is that message.
public struct TFLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but could not be read (a folder, no permission, an I/O error).
        case readFailed
        /// The file is larger than ``TFLiteModel/maximumFileSize``.
        case fileTooLarge
        /// The bytes are not a TFLite FlatBuffer (too short, or no `TFL3` identifier).
        case notTFLite
        /// An offset, length or count in the FlatBuffer points outside the file or is absurd.
        case malformed
        /// The model has no subgraph, or more than one.
        case unsupportedGraph
        /// An operator the reader does not implement (or a custom operator).
        case unsupportedOperator
        /// An operator's options, arity or tensor types are outside what the reader supports.
        case unsupportedOptions
        /// A tensor's type, shape, buffer or sparsity description is invalid or unsupported.
        case invalidTensor
        /// The shapes an operator computes differ from the ones the file declares.
        case shapeMismatch
        /// A constant tensor holds a non-finite value (NaN or infinity).
        case nonFiniteWeight
        /// The input given to ``TFLiteModel/run(_:)`` has the wrong size or non-finite values.
        case badInput
    }

    public let code: Code
    /// The model file's path, as given.
    public let path: String
    /// The operator involved, as `NAME #index`, if any.
    public let op: String?
    /// The tensor involved (its name in the file), if any.
    public let tensor: String?
    public let message: String

    public init(code: Code, path: String, op: String? = nil, tensor: String? = nil, message: String) {
        self.code = code
        self.path = path
        self.op = op
        self.tensor = tensor
        self.message = message
    }

    public var description: String { message }
}
