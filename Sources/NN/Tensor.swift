/// A dense float32 tensor, row-major (NCHW for images), with value semantics.
///
/// Copies share one storage block until one of them is written (copy-on-write), so passing tensors
/// around is cheap. Layers return tensors that share storage with buffers they keep; when the caller
/// drops its copy before the next call, the layer overwrites the same memory again instead of
/// allocating (see `reuse(_:shape:)`). When the caller keeps it, the layer allocates a fresh block,
/// so a tensor a caller holds never changes under it.
///
/// Weight layouts follow PyTorch: Conv2d `[out, in, kH, kW]`, ConvTranspose2d `[in, out, kH, kW]`,
/// Linear `[out, in]`.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first; `[]` is a scalar holding one value.
    /// Assigning a new shape reshapes in place; the element count must stay the same.
    public var shape: [Int] {
        didSet {
            precondition(
                Tensor.elementCount(shape) == storage.count,
                "Cannot reshape \(oldValue) to \(shape): element counts differ")
        }
    }

    /// The shared block of floats; `storage.count == shape.reduce(1, *)` always.
    internal private(set) var storage: TensorStorage

    // MARK: - Creating tensors

    /// Creates a tensor from its values in row-major order.
    /// - Parameters:
    ///   - shape: the extent of each dimension, e.g. `[N, C, H, W]`.
    ///   - data: `shape.reduce(1, *)` values.
    public init(shape: [Int], data: [Float]) {
        let count = Tensor.elementCount(shape)
        precondition(count == data.count, "Tensor shape \(shape) needs \(count) values, got \(data.count)")
        self.storage = TensorStorage(uninitializedCount: count)
        self.shape = shape
        data.withUnsafeBufferPointer { source in
            if count > 0 { storage.pointer.update(from: source.baseAddress!, count: count) }
        }
    }

    /// Creates a tensor of the given shape filled with zeros.
    /// - Parameter shape: e.g. `[N, C, H, W]`.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a tensor of the given shape with every element set to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.storage = TensorStorage(count: Tensor.elementCount(shape), repeating: value)
        self.shape = shape
    }

    /// Creates a tensor whose elements are not yet set; the caller must write all of them.
    internal init(uninitializedShape shape: [Int]) {
        self.storage = TensorStorage(uninitializedCount: Tensor.elementCount(shape))
        self.shape = shape
    }

    internal init(shape: [Int], storage: TensorStorage) {
        precondition(Tensor.elementCount(shape) == storage.count)
        self.storage = storage
        self.shape = shape
    }

    // MARK: - Reading and writing

    /// The number of elements, `shape.reduce(1, *)`.
    public var count: Int { storage.count }

    /// The values in row-major order. Reading copies them out; writing replaces them all
    /// (the new array must have `count` elements).
    public var data: [Float] {
        get { Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }
        set {
            precondition(newValue.count == count, "Tensor \(shape) needs \(count) values, got \(newValue.count)")
            newValue.withUnsafeBufferPointer { source in
                let target = mutablePointer()
                if count > 0 { target.update(from: source.baseAddress!, count: count) }
            }
        }
    }

    /// The element at a flat row-major index.
    public subscript(flat index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Index \(index) out of range for \(shape)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "Index \(index) out of range for \(shape)")
            mutablePointer()[index] = newValue
        }
    }

    /// Calls `body` with the elements, read-only, without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with the elements for writing. Copies first if the storage is shared.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: mutablePointer(), count: storage.count))
    }

    /// Returns the same values under a new shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    // MARK: - Internal access for kernels

    /// Read-only pointer to the elements; valid while `self` (or another copy) lives.
    internal var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// Makes the storage unique (copying if shared) and returns a pointer for writing.
    internal mutating func mutablePointer() -> UnsafeMutablePointer<Float> {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage.pointer
    }

    /// Whether this value is the only holder of its storage.
    internal mutating func isUniquelyReferenced() -> Bool {
        isKnownUniquelyReferenced(&storage)
    }

    /// Hands out a tensor of `shape` backed by memory the layer keeps in `slot`, for overwriting.
    ///
    /// The slot's storage is reused when nobody else holds it and it has the right size; otherwise
    /// a new block replaces it. The returned tensor shares storage with the slot, and the caller
    /// writes every element through `storage.pointer` before handing it out. This is how layers avoid
    /// allocating in a training step while keeping value semantics for everyone else.
    internal static func reuse(_ slot: inout Tensor?, shape: [Int]) -> Tensor {
        let count = elementCount(shape)
        if var existing = slot {
            slot = nil  // drop the slot's own reference so the uniqueness check sees only `existing`
            if existing.count == count && existing.isUniquelyReferenced() {
                existing.shape = shape
                slot = existing
                return existing
            }
        }
        let fresh = Tensor(uninitializedShape: shape)
        slot = fresh
        return fresh
    }

    /// `shape.reduce(1, *)`, checking that no extent is negative.
    internal static func elementCount(_ shape: [Int]) -> Int {
        var count = 1
        for extent in shape {
            precondition(extent >= 0, "Tensor shape \(shape) has a negative extent")
            count *= extent
        }
        return count
    }
}

extension Tensor: Equatable {
    /// Tensors are equal when their shapes and all their values are equal (bit-exact except that
    /// `0 == -0` and NaN never equals NaN, as for `Float`).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return !lhs.withUnsafeBufferPointer { $0.contains { $0.isNaN } } }
        for index in 0..<lhs.count where lhs.storage.pointer[index] != rhs.storage.pointer[index] {
            return false
        }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape plus the first few values, e.g. `Tensor[2, 3](0.1, 0.2, …)`.
    public var description: String {
        let shown = (0..<min(count, 6)).map { "\(storage.pointer[$0])" }.joined(separator: ", ")
        return "Tensor\(shape)(\(shown)\(count > 6 ? ", …" : ""))"
    }
}
