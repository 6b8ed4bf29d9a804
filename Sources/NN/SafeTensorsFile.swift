import Foundation

/// A safetensors file, loaded and validated: the model format of this project and of PyTorch's
/// `safetensors` package.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data buffer)
/// plus an optional `"__metadata__"` object of strings, then the data buffer.
///
/// The file is memory-mapped, not read into memory, and every rule of the format is checked
/// when it is opened (see `CheckpointError.Code`), so `tensor(named:)` only fails for a missing
/// name. A tensor's values are copied out once, converted to `Float`. Files are replaced by
/// renaming (see `write`), so a mapped file stays intact while a new version is written; only
/// truncating the file in place while it is open could fault a read, as with any memory map.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// let weight = try file.tensor(named: "main.0.weight")   // [64, 3, 4, 4]
/// ```
public struct SafeTensorsFile: Sendable {
    /// The largest header accepted, in bytes, as the reference Rust reader (100 MB). A larger
    /// length means the file is damaged or not a safetensors file.
    public static let maximumHeaderLength = 100_000_000

    /// The header key that holds the string-to-string metadata rather than a tensor.
    public static let metadataKey = "__metadata__"

    /// The file's path, as given when loading; errors name it.
    public let path: String
    /// The header's `__metadata__`: architecture, normalisation, provenance… Empty if absent.
    public let metadata: [String: String]
    /// The tensor names, sorted.
    public let names: [String]

    private let entries: [String: SafeTensorsEntry]
    /// The whole file, memory-mapped.
    private let storage: Data
    private let bufferStart: Int

    /// Opens and validates a safetensors file.
    ///
    /// - Parameter url: a file URL.
    /// - Throws: `CheckpointError` with `.fileNotFound` or `.readFailed` if the file cannot be
    ///   read, or the code of the first format rule it breaks (`.headerPastEndOfFile`,
    ///   `.sizeMismatch`, …).
    public init(contentsOf url: URL) throws(CheckpointError) {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(
                code: .fileNotFound, path: path,
                message:
                    "Cannot load '\(path)': no such file. "
                    + "Check the path, or train or export the model first."
            )
        }
        guard !isDirectory.boolValue else {
            throw CheckpointError(
                code: .readFailed, path: path,
                message:
                    "Cannot load '\(path)': it is a folder, not a file. "
                    + "Name the .safetensors file inside it."
            )
        }
        if let kind = Self.specialKind(path) {
            throw CheckpointError(
                code: .notRegularFile, path: path,
                message:
                    "Cannot load '\(path)': it is \(kind), not a regular file. "
                    + "Pass the .safetensors file itself."
            )
        }
        let data: Data
        do {
            data = try Self.map(url)
        } catch {
            throw CheckpointError(
                code: .readFailed, path: path,
                message:
                    "Cannot load '\(path)': it could not be read "
                    + "(\(error.localizedDescription)). Check that the file is readable."
            )
        }
        let header = try Self.validateHeader(of: data, path: path)
        self.path = path
        self.storage = data
        self.bufferStart = header.bufferStart
        self.entries = header.entries
        self.metadata = header.metadata
        self.names = header.entries.keys.sorted()
    }

    /// "a FIFO (named pipe)", "a character device", … for such a path (links followed): mapping
    /// or reading one could block forever or never end. Nil for regular files.
    static func specialKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return nil
        }
    }

    /// Maps the file into memory. An empty file cannot be mapped, so it reads as empty data.
    private static func map(_ url: URL) throws -> Data {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        if (attributes[.size] as? NSNumber)?.intValue == 0 {
            return Data()
        }
        return try Data(contentsOf: url, options: .alwaysMapped)
    }

    /// The dtype, shape and byte offsets of one tensor.
    ///
    /// - Throws: `CheckpointError` `.tensorNotFound` if the file has no tensor of that name.
    public func entry(named name: String) throws(CheckpointError) -> SafeTensorsEntry {
        guard let entry = entries[name] else {
            let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = names.count > 8 ? ", … (\(names.count) in all)" : ""
            throw CheckpointError(
                code: .tensorNotFound, path: path, tensorName: name,
                message:
                    "Missing tensor '\(name)' in '\(path)'. The file holds "
                    + "\(names.isEmpty ? "no tensors" : shown + more); "
                    + "check the name, or that the model and architecture match."
            )
        }
        return entry
    }

    /// Whether the file holds a tensor of this name.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// One tensor's values as `Float`, in row-major order: F32 as stored, F16 and BF16 converted
    /// exactly, U8 as whole numbers 0...255.
    ///
    /// - Throws: `CheckpointError` `.tensorNotFound` if the file has no tensor of that name.
    public func tensor(named name: String) throws(CheckpointError) -> Tensor {
        tensor(for: try entry(named: name))
    }

    /// Every tensor in the file, by name, converted as `tensor(named:)` does.
    public func tensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (name, entry) in entries {
            tensors[name] = tensor(for: entry)
        }
        return tensors
    }

    private func tensor(for entry: SafeTensorsEntry) -> Tensor {
        let count = entry.elementCount
        let begin = storage.startIndex + bufferStart + entry.dataOffsets.lowerBound
        let values = storage[begin..<begin + entry.dataOffsets.count].withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                Self.decode(raw, as: entry.dtype, count: count, into: out)
                initialized = count
            }
        }
        return Tensor(shape: entry.shape, data: values)
    }

    /// One tensor's stored bytes, unconverted (little-endian elements of its dtype). For U8
    /// tensors these are the values themselves.
    ///
    /// - Throws: `CheckpointError` `.tensorNotFound` if the file has no tensor of that name.
    public func bytes(named name: String) throws(CheckpointError) -> [UInt8] {
        let entry = try entry(named: name)
        let begin = storage.startIndex + bufferStart + entry.dataOffsets.lowerBound
        return [UInt8](storage[begin..<begin + entry.dataOffsets.count])
    }

    /// Converts `count` little-endian elements of `dtype` to floats.
    private static func decode(
        _ raw: UnsafeRawBufferPointer, as dtype: SafeTensorsDType, count: Int,
        into out: UnsafeMutableBufferPointer<Float>
    ) {
        switch dtype {
        case .f32:
            #if _endian(little)
                // Stored bytes are already this machine's floats: one copy, no per-element work.
                UnsafeMutableRawBufferPointer(out).copyMemory(from: raw)
            #else
                for i in 0..<count {
                    let bits = UInt32(
                        littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    out[i] = Float(bitPattern: bits)
                }
            #endif
        case .f16:
            for i in 0..<count {
                let bits = UInt16(
                    littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float16Conversion.float(fromHalf: bits)
            }
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(
                    littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float16Conversion.float(fromBFloat16: bits)
            }
        case .u8:
            for i in 0..<count {
                out[i] = Float(raw[i])
            }
        }
    }
}
