import CShims
import Foundation

/// A temporary path beside a destination, renamed over it only when the write completed.
///
/// Every file the workbench writes goes through this, so an interrupted run never leaves a
/// half-written PNG, video or report under the final name.
public struct AtomicFile: Sendable {
    /// Where the file will end up.
    public let destination: String
    /// Where it is written first: a hidden file in the same folder (same file system, so the
    /// rename is atomic), keeping the extension so format guessing still works.
    public let temporary: String

    public init(destination: String) {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        let ext = url.pathExtension
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let name = ".\(url.deletingPathExtension().lastPathComponent).partial-\(token)"
        temporary = folder + "/" + name + (ext.isEmpty ? "" : "." + ext)
        // Removed by a signal handler if the process is interrupted before commit or discard.
        cshims_register_temporary(temporary)
    }

    /// Moves the temporary file over the destination.
    public func commit() throws(MediaError) {
        defer { cshims_unregister_temporary(temporary) }
        if rename(temporary, destination) != 0 {
            let code = errno
            discard()
            throw MediaError(
                .ioFailed, path: destination, reason: "could not move the finished file into place",
                hint: "Check free space and permissions of the output folder",
                underlying: .init(code: code, text: String(cString: strerror(code))))
        }
    }

    /// Removes the temporary file, if any.
    public func discard() {
        unlink(temporary)
        cshims_unregister_temporary(temporary)
    }
}
