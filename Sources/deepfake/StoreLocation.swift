import Foundation
import Media
import Store

/// Where the results store is: `--store LOCATION`, else `$DEEPFAKE_STORE`. A location is a file
/// path, or the word `default` for `$XDG_DATA_HOME/deepfake-workbench/results.sqlite`
/// (`~/.local/share/deepfake-workbench/results.sqlite` when XDG_DATA_HOME is unset or relative).
/// `deepfake score` uses a store only when one of the two is given; the `store` commands fall
/// back to the default.
enum StoreLocation {
    static let environmentVariable = "DEEPFAKE_STORE"

    /// The help text's description of a location.
    static let help = "a file path, or 'default' for $XDG_DATA_HOME/deepfake-workbench/results.sqlite (~/.local/share/... without XDG_DATA_HOME); $DEEPFAKE_STORE when not given"

    /// The default store's path.
    static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        }
        return (base as NSString).appendingPathComponent("deepfake-workbench/results.sqlite")
    }

    /// The store `flag` or the environment names; nil when neither does, unless `fallback`.
    static func resolve(_ flag: String?, fallbackToDefault: Bool) -> String? {
        let environment = ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let location = flag ?? environment ?? (fallbackToDefault ? "default" : nil) else { return nil }
        return location == "default" ? defaultPath : location
    }

    /// Opens the store at `path`, making the default store's folder when needed.
    static func open(_ path: String, create: Bool) throws -> ResultStore {
        if create && path == defaultPath {
            try? FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        do {
            return try ResultStore(path: path, create: create)
        } catch {
            throw CleanError("results store \(error)")
        }
    }

    /// Registers the store's file and SQLite's companions as inputs no output may replace.
    static func protect(_ path: String, in outputs: inout OutputGuard) throws {
        try outputs.addInput(path, as: "the results store")
        try outputs.addInput(path + "-wal", as: "the results store's log")
        try outputs.addInput(path + "-shm", as: "the results store's shared memory")
    }
}
