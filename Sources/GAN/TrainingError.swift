/// A GAN model, checkpoint, run folder or training run could not be used.
///
/// Like `CheckpointError`, every error names the file or folder involved (`path`) and its `message`
/// says what failed, on what, why, and what to try; `description` is that message.
public struct TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The architecture settings are not a model this module can build (size, widths, classes).
        case invalidArchitecture
        /// A checkpoint or generator file is damaged or not a file of this project.
        case corruptCheckpoint
        /// A checkpoint holds another architecture than the one asked for.
        case architectureMismatch
        /// The run folder cannot be used (missing, no checkpoint to resume, not writable).
        case invalidRunFolder
        /// The pre-check found that the discriminator cannot separate real from generated images.
        case precheckFailed
        /// The training data cannot be used (empty, wrong size, labels missing).
        case invalidData
        /// A file could not be written.
        case writeFailed
    }

    /// The kind of failure.
    public var code: Code
    /// The file or folder involved (empty when none is).
    public var path: String
    /// What failed, on what, why, and what to try.
    public var message: String

    /// Creates an error.
    public init(code: Code, path: String = "", message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
