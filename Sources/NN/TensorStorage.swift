/// The heap block behind a `Tensor`: a fixed number of 64-byte-aligned `Float`s.
///
/// `Tensor` is a value type that shares a `TensorStorage` between copies and copies it on the first
/// write to a shared block (copy-on-write, as `Array` does). Layers keep their output and gradient
/// tensors between calls and overwrite them in place when nobody else holds them, which is what lets
/// a training step run without allocating (see `Tensor.reuse(_:shape:)`).
///
/// Invariants: `count` never changes; the memory is owned and freed by this object only.
final class TensorStorage: @unchecked Sendable {
    /// The first element. Valid for `count` elements while this object lives.
    let pointer: UnsafeMutablePointer<Float>
    /// Number of `Float`s in the block.
    let count: Int

    /// Allocates `count` uninitialised floats. The caller writes every element before reading.
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage needs a non-negative count, got \(count)")
        self.count = count
        // 64-byte alignment keeps AVX2 loads and OpenBLAS's packing on cache-line boundaries.
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` floats set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A new block holding a copy of `self`.
    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
