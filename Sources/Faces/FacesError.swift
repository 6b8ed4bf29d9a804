/// The one error type of the `Faces` module: a cascade or face model that cannot be found or read, or an input
/// the detector cannot use.
///
/// `description` follows the project's template: what failed, on what, why, and what to try.
public struct FacesError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong, in the terms a user sees.
    public enum Code: String, Sendable {
        /// No cascade file under the given name or path.
        case cascadeNotFound
        /// The file exists but could not be read or is not XML.
        case cascadeUnreadable
        /// The XML is not an OpenCV cascade this module can evaluate.
        case cascadeInvalid
        /// A MediaPipe face model file is not where it is looked for.
        case modelNotFound
        /// A MediaPipe face model file has another SHA-256 than the pinned one, or cannot be run.
        case modelInvalid
    }

    /// The kind of failure.
    public let code: Code
    /// The file or name the failure concerns.
    public let path: String
    /// Why it failed (parser text, the missing element, ...).
    public let reason: String
    /// What the user can do about it.
    public let hint: String

    /// Creates an error.
    public init(code: Code, path: String, reason: String, hint: String) {
        self.code = code
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    public var description: String {
        let what: String
        switch code {
        case .cascadeNotFound: what = "Cannot find face cascade '\(path)'"
        case .cascadeUnreadable: what = "Cannot read face cascade '\(path)'"
        case .cascadeInvalid: what = "Face cascade '\(path)' is not usable"
        case .modelNotFound: what = "Cannot find face model '\(path)'"
        case .modelInvalid: what = "Face model '\(path)' is not usable"
        }
        return "\(what): \(reason). \(hint)"
    }
}
