import Foundation

/// Finds the shipped models from any working directory.
///
/// `$DEEPFAKE_MODELS` names the models folder when set (and then it is the only one searched). Otherwise the folders above the running
/// executable (symbolic links resolved) are walked up to the first that holds `models/`: the
/// repository root for `.build/release/deepfake`, or an install prefix with `models/` beside `bin/`.
enum ModelLocation {
    static let detectorName = "deepfake-detector.safetensors"
    static let generatorName = "utkface64-dcgan32.safetensors"

    /// The shipped GAN's path (for `deepfake alter`).
    /// - Throws: `CleanError` saying where it looked and how to get it.
    static func defaultGenerator() throws -> String {
        try locate(generatorName, what: "generator",
                   remedy: "Train it with tools/train_generator.sh, set $DEEPFAKE_MODELS to the folder that holds it, "
                       + "or pass --model FILE (a GAN file or training checkpoint).")
    }

    /// The first of `candidateFolders()` holding `name`.
    static func locate(_ name: String, what: String, remedy: String) throws -> String {
        let folders = candidateFolders()
        for folder in folders {
            let path = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        if folders.isEmpty {
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            throw CleanError("no default \(what): no folder above \(executable) has a models/ folder, and $DEEPFAKE_MODELS "
                + "is not set, so \(name) was not found. " + remedy)
        }
        throw CleanError("no default \(what): \(name) is not in \(folders.joined(separator: ", ")). " + remedy)
    }

    /// The models folders searched, in order. `ignoringOverride`: also the folder found from the
    /// executable when $DEEPFAKE_MODELS is set (MediaPipe's face models are looked for in both).
    static func candidateFolders(ignoringOverride: Bool = false) -> [String] {
        var folders: [String] = []
        // An explicit folder is the only one searched, so a pipeline knows which model it got.
        if let override = ProcessInfo.processInfo.environment["DEEPFAKE_MODELS"], !override.isEmpty {
            if !ignoringOverride { return [override] }
            folders.append(override)
        }
        let executable = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        while folder.path != "/" {
            let models = folder.appendingPathComponent("models")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: models.path, isDirectory: &isDirectory), isDirectory.boolValue {
                folders.append(models.path)
                break
            }
            folder = folder.deletingLastPathComponent()
        }
        return folders
    }

    /// The default detector's path.
    /// - Throws: `CleanError` saying where it looked and how to get a model.
    static func defaultDetector() throws -> String {
        try locate(detectorName, what: "detector",
                   remedy: "Build it with `deepfake detector build` (see models/README.md), set $DEEPFAKE_MODELS to the "
                       + "folder that holds it, or pass --model FILE (a detector file, or a GAN checkpoint to use its "
                       + "discriminator uncalibrated).")
    }
}
