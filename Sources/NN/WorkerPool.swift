import Dispatch
import Foundation
import Synchronization

/// Work that a ``WorkerPool`` runs in chunks: `runChunk(job, chunk:chunks:worker:)` for each
/// chunk of job `job` (what the number means is the conformer's).
protocol ChunkedWork: AnyObject {
    func runChunk(_ job: Int, chunk: Int, chunks: Int, worker: Int)
}

/// Helper threads for a sequence of short parallel steps (a TFLite model's convolutions, tens of
/// microseconds each): between steps a helper spins for a moment before it sleeps, so handing it
/// the next step costs no thread wake-up, which `DispatchQueue.concurrentPerform` pays per step.
///
/// A step is cut into chunks that the caller and the helpers claim one at a time, so a helper that
/// the system has not scheduled yet never holds the caller up: the caller then runs every chunk
/// itself. The pool belongs to one owner that calls ``run(chunks:_:)`` from one thread at a time.
final class WorkerPool {
    /// What the caller and the helpers share. The helpers hold it, not the pool, so the pool's
    /// deinit can stop them.
    private final class Shared: @unchecked Sendable {
        /// The current step: generation (bits 40…63), chunk count (bits 20…39) and the next
        /// chunk to claim (bits 0…19), in one word so that a claim names the step it is for.
        let state = Atomic<UInt64>(0)
        /// Chunks of the current step finished.
        let finished = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        /// The current step's work and job; written before the step is published, read by the
        /// claimant of one of its chunks (so never after the step has finished).
        var work: ChunkedWork?
        var job = 0
        let helpers: [Helper]

        init(helpers: Int) { self.helpers = (0..<helpers).map { _ in Helper() } }
    }

    /// One helper thread's sleep flag and wake-up signal.
    private final class Helper: @unchecked Sendable {
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    /// How long a helper spins for the next step before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    private let shared: Shared
    /// Workers including the caller.
    let workers: Int

    /// A pool of `workers − 1` helper threads (the caller is worker 0).
    init(workers: Int) {
        self.workers = max(1, workers)
        shared = Shared(helpers: self.workers - 1)
        for index in 0..<(self.workers - 1) {
            let shared = self.shared
            let thread = Thread { Self.helperLoop(shared, index: index) }
            thread.name = "NN worker \(index + 1)"
            thread.start()
        }
    }

    deinit {
        shared.stop.store(true, ordering: .sequentiallyConsistent)
        for helper in shared.helpers { helper.wake.signal() }
    }

    private static func generation(_ state: UInt64) -> UInt64 { state >> 40 }
    private static func chunkCount(_ state: UInt64) -> Int { Int((state >> 20) & 0xFFFFF) }
    private static func nextChunk(_ state: UInt64) -> Int { Int(state & 0xFFFFF) }

    /// Runs `work.runChunk(job, chunk:chunks:worker:)` for every `chunk` in `0..<chunks` (at
    /// most 2²⁰) on the caller and the helpers, and returns when all have finished. `worker`
    /// (below ``workers``) names the thread, for per-thread scratch; the chunks must touch disjoint
    /// memory. Allocates nothing.
    func run(chunks: Int, job: Int, on work: ChunkedWork) {
        guard chunks > 1, workers > 1 else {
            for chunk in 0..<chunks { work.runChunk(job, chunk: chunk, chunks: chunks, worker: 0) }
            return
        }
        precondition(chunks < 1 << 20)
        let s = shared
        s.work = work
        s.job = job
        s.finished.store(0, ordering: .relaxed)
        let next = ((Self.generation(s.state.load(ordering: .relaxed)) + 1) & 0xFFFFFF) << 40 | UInt64(chunks) << 20
        s.state.store(next, ordering: .releasing)
        for helper in s.helpers where helper.sleeping.load(ordering: .sequentiallyConsistent) {
            if helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) { helper.wake.signal() }
        }
        Self.claim(s, generation: Self.generation(next), worker: 0)
        // A helper still on a chunk: spin a little, then yield the core, which may be the one
        // the helper is waiting for on a busy machine.
        var spins = 0
        while s.finished.load(ordering: .acquiring) < chunks {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
        s.work = nil
    }

    /// Runs `body(chunk, worker)` for every `chunk` in `0..<chunks`, as
    /// ``run(chunks:job:on:)`` (boxing the closure costs an allocation per call).
    func run(chunks: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            run(chunks: chunks, job: 0, on: ClosureWork(escapable))
        }
    }

    private final class ClosureWork: ChunkedWork {
        let body: (Int, Int) -> Void
        init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
        func runChunk(_ job: Int, chunk: Int, chunks: Int, worker: Int) { body(chunk, worker) }
    }

    /// Claims and runs chunks of step `generation` until none is left.
    private static func claim(_ s: Shared, generation: UInt64, worker: Int) {
        var state = s.state.load(ordering: .acquiring)
        while Self.generation(state) == generation && nextChunk(state) < chunkCount(state) {
            let (exchanged, original) = s.state.compareExchange(expected: state, desired: state + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                s.work!.runChunk(s.job, chunk: nextChunk(state), chunks: chunkCount(state), worker: worker)
                s.finished.add(1, ordering: .releasing)
                state = state + 1
            } else {
                state = original
            }
        }
    }

    private static func helperLoop(_ s: Shared, index: Int) {
        let helper = s.helpers[index]
        var seen = generation(s.state.load(ordering: .acquiring))
        while !s.stop.load(ordering: .relaxed) {
            var spinStart: UInt64 = 0
            var spins = 0
            var current = generation(s.state.load(ordering: .acquiring))
            while current == seen {
                spins += 1
                // Yield between looks, so that on a busy machine the spin does not take the
                // core from the threads with work (on an idle core the yield returns at once).
                if spins > 64 { sched_yield() }
                if spins & 63 == 0 {
                    if s.stop.load(ordering: .relaxed) { return }
                    let now = DispatchTime.now().uptimeNanoseconds
                    if spinStart == 0 {
                        spinStart = now
                    } else if now - spinStart > spinNanoseconds {
                        // Sleep until the next step is published (the caller clears the flag and
                        // signals); a signal that crossed the re-check only wakes us once more.
                        helper.sleeping.store(true, ordering: .sequentiallyConsistent)
                        if generation(s.state.load(ordering: .sequentiallyConsistent)) == seen && !s.stop.load(ordering: .relaxed) {
                            helper.wake.wait()
                        }
                        helper.sleeping.store(false, ordering: .sequentiallyConsistent)
                        spinStart = 0
                    }
                }
                current = generation(s.state.load(ordering: .acquiring))
            }
            seen = current
            claim(s, generation: current, worker: index + 1)
        }
    }
}
