import Detection
import Foundation
import Testing

@testable import Store

/// A writer killed with SIGKILL loses at most the report it was writing: the store opens cleanly
/// afterwards, passes `PRAGMA integrity_check`, and every report whose commit the writer saw is
/// there and decodes. The writer is `store-writer` (Sources/store-writer), storing through
/// `ResultStore.put` as `deepfake score --store` does.
@Suite(.serialized) struct CrashTests {
    static let writer = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("store-writer").path

    /// A running writer and the lines it has printed so far.
    final class Writer: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var text = ""
        private let done = DispatchSemaphore(value: 0)

        init(store: String, count: Int, pause: Int? = nil) throws {
            process.executableURL = URL(fileURLWithPath: CrashTests.writer)
            process.arguments = [store, String(count)] + (pause.map { [String($0)] } ?? [])
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let handle = out.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { text += String(decoding: chunk, as: UTF8.self) }
                }
                done.signal()
            }
        }

        var lines: [String] { lock.withLock { text.split(separator: "\n").map(String.init) } }

        /// Waits up to `timeout` seconds for a line starting with `prefix` (long: each commit is
        /// synced to disk, and the suite may share a loaded machine).
        func wait(for prefix: String, timeout: Double = 300) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if lines.contains(where: { $0.hasPrefix(prefix) }) { return true }
                usleep(5_000)
            }
            return false
        }

        /// SIGKILL, then the complete output.
        func kill() -> [String] {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            done.wait()
            return lines
        }

        /// The SHA-256s of the reports whose commit was printed.
        static func committed(_ lines: [String]) -> [String] {
            lines.filter { $0.hasPrefix("committed ") }.map { String($0.split(separator: " ")[2]) }
        }
    }

    /// Opens the store after a kill and checks it against what the writer said.
    func check(store path: String, committed: [String], inFlight: String?) throws {
        let store = try ResultStore(path: path, create: false)
        #expect(try store.integrityCheck() == ["ok"])
        #expect(try store.journalMode() == "wal")
        let entries = try store.entries()
        let stored = Set(entries.map(\.inputSHA256))
        // Every committed report is there and reads back whole.
        #expect(Set(committed).isSubset(of: stored), "committed reports lost")
        for entry in entries {
            let report = try #require(try store.report(of: entry))
            #expect(report.input.sha256 == entry.inputSHA256)
            #expect(report.tracks.count == 2 && report.frames.count == 32)
        }
        // Nothing else but, at most, the one report in flight (committed before the writer printed it).
        let extra = stored.subtracting(committed)
        #expect(extra.count <= 1)
        if let inFlight { #expect(!stored.contains(inFlight), "the uncommitted report is in the store") }
        // The store still takes writes (a probe, removed again).
        let probe = try store.put(sampleReport(-1))
        #expect(try store.prune(.init(inputPrefix: probe.inputSHA256)) == 1)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func aWriterKilledInsideItsTransactionLosesOnlyThatReport() throws {
        let path = try scratch().appendingPathComponent("results.sqlite").path
        let writer = try Writer(store: path, count: 100, pause: 25)
        #expect(writer.wait(for: "in-flight 25"), "the writer did not reach report 25: \(writer.lines.suffix(3))")
        let lines = writer.kill()
        let committed = Writer.committed(lines)
        #expect(committed.count == 25)
        let inFlight = try #require(lines.first { $0.hasPrefix("in-flight ") }).split(separator: " ")[2]
        // The WAL holds the uncommitted frames; the next open must roll them back.
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try check(store: path, committed: committed, inFlight: String(inFlight))
        #expect(try ResultStore(path: path, create: false).count() == 25)
    }

    @Test func writersKilledAtRandomMomentsLeaveASoundStore() throws {
        let path = try scratch().appendingPathComponent("results.sqlite").path
        var committed: [String] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let writer = try Writer(store: path, count: 100_000)
            #expect(writer.wait(for: "committed "), "the writer did not start")
            usleep(UInt32.random(in: 0...200_000, using: &generator))
            committed += Writer.committed(writer.kill())
            try check(store: path, committed: committed, inFlight: nil)
        }
        #expect(committed.count > 0)
    }
}
