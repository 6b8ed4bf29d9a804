import Foundation

/// Checks made before a path reaches a C library, so the common mistakes get precise errors
/// instead of a generic "Invalid data" from the demuxer.
enum FileChecks {
    /// Throws unless `path` is an existing, readable, non-empty regular file.
    static func readableFile(_ path: String, what: String, allowEmpty: Bool = false) throws(MediaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(
                .fileNotFound, path: path, reason: "no such file",
                hint: "Check the path and the current directory")
        }
        if isDirectory.boolValue {
            throw MediaError(
                .isDirectory, path: path, reason: "is a directory, not a \(what) file",
                hint: "Pass a file inside it instead")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MediaError(
                .permissionDenied, path: path, reason: "permission denied reading the \(what) file",
                hint: "Check the file's permissions (ls -l), or run as a user who can read it")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 && !allowEmpty {
            throw MediaError(
                .emptyFile, path: path, reason: "the file is empty (0 bytes)",
                hint: "The download or copy probably failed; fetch the file again")
        }
    }

    /// Throws unless the folder that will hold `path` exists and is writable.
    static func writableDestination(_ path: String) throws(MediaError) {
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw MediaError(
                .outputNotWritable, path: path, reason: "the output folder '\(dir)' does not exist",
                hint: "Create it first, or choose another output path")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw MediaError(
                .outputNotWritable, path: path,
                reason: "the output folder '\(dir)' is not writable",
                hint: "Check its permissions, or choose another output path")
        }
    }
}
