import Detection
import Foundation
import Media

/// What makes two scorings the same: the input's content, the model's content, and the settings
/// that change a report's content (a canonical text of them, and its SHA-256).
///
/// The settings are the report's own `settings` (sampling, detect-every, the face detector and its
/// options, the crop convention and size, the threshold and band, the decode mode, the
/// aggregation), less `batch` (scores do not depend on batching), plus the tool's version, one
/// `name=value` line each in byte order of the names:
///
/// ```
/// crop=utkface-chip-v1
/// cropSize=64
/// ...
/// threshold=0.5
/// tool=0.1.0
/// ```
///
/// Paths play no part: the same video under another name, or the same model file copied
/// elsewhere, has the same key.
public struct ScoreKey: Hashable, Sendable {
    public var inputSHA256: String
    public var modelSHA256: String
    /// The canonical settings text.
    public var settings: String
    /// SHA-256 of `settings`.
    public var settingsHash: String

    /// Report settings that do not change what a report says, left out of the key.
    public static let ignoredSettings: Set<String> = ["batch"]

    public init(inputSHA256: String, modelSHA256: String, settings: [String: String], toolVersion: String) {
        self.inputSHA256 = inputSHA256
        self.modelSHA256 = modelSHA256
        self.settings = Self.canonical(settings, toolVersion: toolVersion)
        settingsHash = SHA256.hash(Data(self.settings.utf8))
    }

    /// The key of a report already made; nil when it has no input hash (it could not be read).
    public init?(report: Report) {
        guard let input = report.input.sha256 else { return nil }
        self.init(inputSHA256: input, modelSHA256: report.model.sha256, settings: report.settings,
                  toolVersion: report.tool.version)
    }

    /// The canonical settings text: `name=value` lines sorted by the names' UTF-8 bytes, with
    /// `tool=VERSION` among them; newlines in values are escaped as `\n` (and `\` as `\\`).
    public static func canonical(_ settings: [String: String], toolVersion: String) -> String {
        var entries = settings.filter { !ignoredSettings.contains($0.key) }
        entries["tool"] = toolVersion
        return entries.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\(escape($0.key))=\(escape($0.value))" }
            .joined(separator: "\n")
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
