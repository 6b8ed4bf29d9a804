import Foundation
import NN

/// A PyTorch golden file from `fixtures/golden/`, written by `tools/golden/*.py`.
public struct GoldenFile {
    /// The layout version the tests understand (tools/golden/golden_common.py `FORMAT_VERSION`).
    public static let formatVersion = "1"

    public enum LoadError: Error, CustomStringConvertible {
        case wrongFormat(file: String, found: String?, script: String)
        case missingTensor(file: String, name: String, script: String)

        public var description: String {
            switch self {
            case .wrongFormat(let file, let found, let script):
                "Golden \(file) has format_version \(found ?? "none"), the tests expect \(GoldenFile.formatVersion). "
                    + "Regenerate it: make golden PEER_VENV=… (or run \(script))."
            case .missingTensor(let file, let name, let script):
                "Golden \(file) has no tensor '\(name)'. Regenerate it with \(script)."
            }
        }
    }

    public let name: String
    public let file: SafeTensorsFile
    public var metadata: [String: String] { file.metadata }

    /// `fixtures/golden` of this repository, found from this source file's path.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/golden")

    /// Opens `fixtures/golden/<name>.safetensors` and checks its format version.
    public init(_ name: String) throws {
        self.name = name
        self.file = try SafeTensorsFile(contentsOf: Self.directory.appendingPathComponent(name + ".safetensors"))
        let script = file.metadata["generator"] ?? "tools/golden/*.py"
        guard file.metadata["format_version"] == Self.formatVersion else {
            throw LoadError.wrongFormat(file: name, found: file.metadata["format_version"], script: script)
        }
    }

    /// The tensor stored under `key`.
    public func tensor(_ key: String) throws -> Tensor {
        guard file.names.contains(key) else {
            throw LoadError.missingTensor(file: name, name: key, script: metadata["generator"] ?? "tools/golden")
        }
        return try file.tensor(named: key)
    }

    /// Whether the file holds a tensor under `key`.
    public func contains(_ key: String) -> Bool { file.names.contains(key) }

    /// The JSON list in metadata `cases`, one dictionary per case.
    public func cases() throws -> [[String: Any]] {
        let text = metadata["cases"] ?? "[]"
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
    }

    /// The JSON object in metadata `key` (e.g. `config`).
    public func object(_ key: String) throws -> [String: Any] {
        let text = metadata[key] ?? "{}"
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
}

extension Dictionary where Key == String, Value == Any {
    /// An integer case field (JSON numbers arrive as `NSNumber`/`Int`).
    public func int(_ key: String) -> Int { (self[key] as? NSNumber)?.intValue ?? (self[key] as? Int) ?? 0 }
    /// A boolean case field.
    public func bool(_ key: String) -> Bool { (self[key] as? NSNumber)?.boolValue ?? (self[key] as? Bool) ?? false }
    /// A number case field.
    public func double(_ key: String) -> Double { (self[key] as? NSNumber)?.doubleValue ?? 0 }
    /// A string case field.
    public func string(_ key: String) -> String { self[key] as? String ?? "" }
}
