import Foundation
import Testing

/// Runs the built `deepfake` binary, the way a user or a pipeline does.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// The binary sits beside the test bundle in the build's products folder.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("deepfake").path
    static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/video/\(name)").path }
    static let sharedData = root.deletingLastPathComponent().appendingPathComponent("shared/data")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `deepfake arguments…`, optionally as another user (`setpriv`) when running as root, with
    /// `environment` added to the test's own. With `timeout`, a run still going after that many
    /// seconds is killed (SIGKILL), so a test of "never hangs" fails instead of hanging.
    static func run(_ arguments: [String], asUser uid: Int? = nil, environment extra: [String: String] = [:],
                    directory: URL? = nil, timeout: Double? = nil) throws -> Result {
        let process = Process()
        if let uid {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "100"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = directory ?? root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while waiting, so a large output cannot block the child.
        let outData = Collected(out.fileHandleForReading), errData = Collected(err.fileHandleForReading)
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData.wait(), as: UTF8.self),
            stderr: String(decoding: errData.wait(), as: UTF8.self))
    }

    /// A pipe read to its end on another thread.
    private final class Collected: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    static func scratch(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("deepfake-cli-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }
}

/// Compares text with `Snapshots/<name>.txt`; `RECORD_SNAPSHOTS=1` rewrites the file instead.
func expectSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots/\(name).txt")
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil {
        try text.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: file, encoding: .utf8)
    #expect(text == expected, "snapshot \(name) differs; re-record with RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
}
