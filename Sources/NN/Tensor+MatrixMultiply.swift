extension Tensor {
    /// The matrix product `a · b` with OpenBLAS sgemm, rows of `a` split over one worker per core
    /// (each single-threaded, as everywhere in `NN`).
    /// - Parameters:
    ///   - a: `[M, K]`.
    ///   - b: `[K, N]`.
    /// - Returns: `[M, N]`.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(
            a.shape.count == 2 && b.shape.count == 2 && a.shape[1] == b.shape[0],
            "matmul expects [M, K] · [K, N], got \(a.shape) · \(b.shape)")
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let result = Tensor(uninitializedShape: [m, n])
        let (aPointer, bPointer, cPointer) = (a.pointer, b.pointer, result.storage.pointer)
        let workers = min(Parallel.workerCount, max(m, 1))
        Parallel.run(workers: workers) { worker in
            let rows = Parallel.range(of: worker, workers: workers, count: m)
            sgemm(
                transposeA: false, transposeB: false, m: rows.count, n: n, k: k,
                aPointer + rows.lowerBound * k, lda: k, bPointer, ldb: n,
                beta: 0, cPointer + rows.lowerBound * n, ldc: n)
        }
        return result
    }
}
