import CBLAS
import Dispatch
import Foundation

/// How `NN` spreads work over the cores.
///
/// OpenBLAS's own threading loses on the GEMM sizes of small conv nets: splitting the batch over one
/// worker per core, each calling single-threaded sgemm, was 1.3–1.5× faster on both DCGAN conv
/// layers measured in PLATFORM-NOTES d/e. So `NN` sets OpenBLAS to one thread once and runs its own
/// workers. Never call multi-threaded BLAS inside a worker: that oversubscribes the cores.
enum Parallel {
    /// One worker per core.
    static let workerCount: Int = {
        // Runs once, before the first kernel: from here on every sgemm is single-threaded.
        openblas_set_num_threads(1)
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(worker)` for `worker` in `0..<workers` concurrently and waits for all of them.
    ///
    /// `body` is not `@Sendable`: each worker must touch only its own slice of the shared buffers,
    /// which is the contract of every caller here. With one worker it runs inline.
    static func run(workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in box.value(worker) }
        }
    }

    /// The half-open range of `0..<count` that worker `worker` of `workers` handles (contiguous,
    /// sizes differing by at most one).
    static func range(of worker: Int, workers: Int, count: Int) -> Range<Int> {
        let start = worker * count / workers
        let end = (worker + 1) * count / workers
        return start..<end
    }

    /// Elementwise loops below this many floats stay on one core: for L2-resident data the thread
    /// hand-off (about 1 µs) costs more than it saves (PLATFORM-NOTES e: no gain at 256K floats,
    /// 2× at 4M floats).
    static let elementwiseThreshold = 1 << 20

    /// Runs `body(range)` over `0..<count`, split across workers only when `count` reaches
    /// `threshold`.
    static func forEachChunk(
        count: Int, threshold: Int = elementwiseThreshold, _ body: (Range<Int>) -> Void
    ) {
        let workers = count >= threshold ? workerCount : 1
        run(workers: workers) { worker in body(range(of: worker, workers: workers, count: count)) }
    }
}

/// Carries a value into a `@Sendable` closure when the caller guarantees that the workers touch
/// disjoint memory. Confined to this module's kernels.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
