import Foundation

/// Bounded reads of a FlatBuffer (the TFLite file format) from untrusted bytes.
///
/// Every position, length and count is checked against the buffer before it is used, so a
/// truncated or forged file ends in `FlatBuffer.Failure`, never in a read outside the bytes. Reads
/// are unaligned-safe. Only what the TFLite reader needs is here: tables through their vtables,
/// scalars, offsets, vectors of scalars or tables, and strings.
struct FlatBuffer {
    /// A read that fell outside the buffer or met an impossible value; `what` says which.
    struct Failure: Error {
        let what: String
    }

    /// A table: its position and the position and size of its vtable.
    struct Table {
        let position: Int
        let vtable: Int
        let vtableSize: Int
    }

    /// A vector: the position of its first element and its element count.
    struct Vector {
        let start: Int
        let count: Int
    }

    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    @inline(__always)
    func check(_ position: Int, _ size: Int, _ what: @autoclosure () -> String) throws(Failure) {
        guard position >= 0, size >= 0, position <= count - size else {
            throw Failure(what: "\(what()) at byte \(position) (+\(size)) is outside the file's \(count) bytes")
        }
    }

    func load<T: FixedWidthInteger>(_ type: T.Type, at position: Int, _ what: @autoclosure () -> String) throws(Failure) -> T {
        try check(position, MemoryLayout<T>.size, what())
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    func loadFloat(at position: Int, _ what: @autoclosure () -> String) throws(Failure) -> Float {
        Float(bitPattern: try load(UInt32.self, at: position, what()))
    }

    /// The root table (the uoffset at byte 0).
    func root() throws(Failure) -> Table {
        try table(at: Int(try load(UInt32.self, at: 0, "root offset")), "root table")
    }

    /// The table at `position`, with its vtable checked.
    func table(at position: Int, _ what: @autoclosure () -> String) throws(Failure) -> Table {
        let soffset = Int(try load(Int32.self, at: position, "\(what()) vtable offset"))
        let vtable = position - soffset
        let vtableSize = Int(try load(UInt16.self, at: vtable, "\(what()) vtable"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else { throw Failure(what: "\(what()) has a vtable of \(vtableSize) bytes") }
        try check(vtable, vtableSize, "\(what()) vtable")
        let tableSize = Int(try load(UInt16.self, at: vtable + 2, "\(what()) table size"))
        try check(position, max(tableSize, 4), "\(what())")
        return Table(position: position, vtable: vtable, vtableSize: vtableSize)
    }

    /// The position of field `slot` of `table`, or nil when the field is absent.
    func field(_ table: Table, _ slot: Int) throws(Failure) -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= table.vtableSize else { return nil }
        let offset = Int(try load(UInt16.self, at: table.vtable + entry, "vtable entry"))
        return offset == 0 ? nil : table.position + offset
    }

    /// A scalar field, or `defaultValue` when absent.
    func scalar<T: FixedWidthInteger>(_ table: Table, _ slot: Int, default defaultValue: T, _ what: @autoclosure () -> String) throws(Failure) -> T {
        guard let position = try field(table, slot) else { return defaultValue }
        return try load(T.self, at: position, what())
    }

    /// The target of an offset field (a table, vector or string), or nil when absent.
    func target(_ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(Failure) -> Int? {
        guard let position = try field(table, slot) else { return nil }
        let offset = Int(try load(UInt32.self, at: position, what()))
        guard offset > 0 else { throw Failure(what: "\(what()) has a zero offset") }
        return position + offset
    }

    /// A table field, or nil when absent.
    func tableField(_ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(Failure) -> Table? {
        guard let position = try target(table, slot, what()) else { return nil }
        return try self.table(at: position, what())
    }

    /// A vector field whose elements are `elementSize` bytes, or nil when absent.
    func vector(_ table: Table, _ slot: Int, elementSize: Int, _ what: @autoclosure () -> String) throws(Failure) -> Vector? {
        guard let position = try target(table, slot, what()) else { return nil }
        return try vector(at: position, elementSize: elementSize, what())
    }

    func vector(at position: Int, elementSize: Int, _ what: @autoclosure () -> String) throws(Failure) -> Vector {
        let length = Int(try load(UInt32.self, at: position, "\(what()) length"))
        // The element count is bounded by the bytes left, so no count can be absurd.
        guard length <= (count - position - 4) / max(elementSize, 1) else {
            throw Failure(what: "\(what()) claims \(length) elements of \(elementSize) bytes, more than the file holds")
        }
        return Vector(start: position + 4, count: length)
    }

    /// The `index`th table of a vector of tables.
    func table(in vector: Vector, _ index: Int, _ what: @autoclosure () -> String) throws(Failure) -> Table {
        let position = vector.start + 4 * index
        let offset = Int(try load(UInt32.self, at: position, what()))
        return try table(at: position + offset, what())
    }

    /// A vector of 32-bit integers, or `[]` when absent.
    func int32s(_ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(Failure) -> [Int32] {
        guard let v = try vector(table, slot, elementSize: 4, what()) else { return [] }
        return try (0..<v.count).map { i throws(Failure) in try load(Int32.self, at: v.start + 4 * i, what()) }
    }

    /// A vector of unsigned integers of any width, widened to `Int`, or `[]` when absent.
    func unsigneds<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, _ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(Failure) -> [Int] {
        let size = MemoryLayout<T>.size
        guard let v = try vector(table, slot, elementSize: size, what()) else { return [] }
        return try (0..<v.count).map { i throws(Failure) in Int(try load(T.self, at: v.start + size * i, what())) }
    }

    /// A string field, or nil when absent (invalid UTF-8 is repaired, as names are only shown).
    func string(_ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(Failure) -> String? {
        guard let v = try vector(table, slot, elementSize: 1, what()) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[v.start..<(v.start + v.count)]), as: UTF8.self)
    }
}
