import Foundation

/// Checks made before a path reaches a C library, so the common mistakes get precise errors
/// instead of a generic "Invalid data" from the demuxer.
public enum FileChecks {
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
        try notSpecial(path, what: what)
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

    /// Throws `.specialFile` when `path` (symbolic links followed) is a FIFO, a character or block
    /// device or a socket: opening one to read can block forever (a FIFO with no writer) or never
    /// reach an end (`/dev/zero`). Missing paths and folders pass; other checks report them.
    /// - Parameter what: what the file was to be, e.g. "video", "model", "index CSV".
    public static func notSpecial(_ path: String, what: String) throws(MediaError) {
        guard let kind = specialKind(path) else { return }
        throw MediaError(
            .specialFile, path: path, reason: "is \(kind), not a regular file, so it cannot be read as the \(what) file",
            hint: "Pass a regular file (copy the data into one first)")
    }

    /// "a FIFO (named pipe)", "a character device", "a block device" or "a socket" for such a
    /// path (links followed); nil for regular files, folders and missing paths.
    public static func specialKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return nil
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
