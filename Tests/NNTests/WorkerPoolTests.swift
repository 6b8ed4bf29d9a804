import Foundation
@testable import NN
import Synchronization
import Testing

/// The worker pool of the TFLite runner: every chunk runs exactly once, on a worker index below the
/// pool's count, however many chunks there are and however long the pool has been idle.
@Suite("Worker pool")
struct WorkerPoolTests {
    final class Counts: Sendable {
        let runs: Mutex<[Int]>
        let badWorker = Atomic<Bool>(false)
        init(_ count: Int) { runs = Mutex([Int](repeating: 0, count: count)) }
    }

    @Test(arguments: [1, 2, 3])
    func everyChunkRunsOnce(workers: Int) throws {
        let pool = WorkerPool(workers: workers)
        for (round, chunks) in [0, 1, 2, 3, 7, 64, 2, 1000].enumerated() {
            if round == 6 {
                // Long enough for the helpers to go to sleep.
                Thread.sleep(forTimeInterval: Double(WorkerPool.spinNanoseconds) / 1e9 * 3)
            }
            let counts = Counts(chunks)
            pool.run(chunks: chunks) { chunk, worker in
                counts.runs.withLock { $0[chunk] += 1 }
                if worker < 0 || worker >= workers { counts.badWorker.store(true, ordering: .relaxed) }
            }
            #expect(counts.runs.withLock { $0 } == [Int](repeating: 1, count: chunks), "\(chunks) chunks on \(workers) workers")
            let badWorker = counts.badWorker.load(ordering: .relaxed)
            #expect(!badWorker)
        }
    }

    /// The chunks' writes are visible to the caller when `run` returns.
    @Test func resultsAreVisibleAfterRun() {
        let pool = WorkerPool(workers: 2)
        let values = UnsafeMutablePointer<Int>.allocate(capacity: 4096)
        defer { values.deallocate() }
        for round in 1...200 {
            values.initialize(repeating: 0, count: 4096)
            pool.run(chunks: 8) { chunk, _ in
                for i in (chunk * 512)..<((chunk + 1) * 512) { values[i] = i * round }
            }
            #expect((0..<4096).allSatisfy { values[$0] == $0 * round })
        }
    }
}
