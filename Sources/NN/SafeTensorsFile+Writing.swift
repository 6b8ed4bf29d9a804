import Foundation

/// One tensor to write: float values with the dtype to store them as, or raw bytes stored as U8.
public enum SafeTensorsPayload {
    /// Values converted on write: F32 bit-exact, F16 and BF16 rounded to nearest even, U8 only
    /// for whole numbers 0...255 (anything else throws `.valueNotRepresentable`).
    case tensor(Tensor, SafeTensorsDType)
    /// Bytes stored as they are, as a U8 tensor of this shape (images, masks, labels).
    case bytes(shape: [Int], [UInt8])

    var dtype: SafeTensorsDType {
        switch self {
        case .tensor(_, let dtype): dtype
        case .bytes: .u8
        }
    }

    var shape: [Int] {
        switch self {
        case .tensor(let tensor, _): tensor.shape
        case .bytes(let shape, _): shape
        }
    }

    var elementCount: Int {
        switch self {
        case .tensor(let tensor, _): tensor.data.count
        case .bytes(_, let bytes): bytes.count
        }
    }
}

extension SafeTensorsFile {
    /// Writes tensors to a safetensors file, all in one dtype.
    ///
    /// The file goes to a temporary name in the same folder and is renamed into place, so a
    /// failure or a crash never leaves a partial file at `url`; an existing file is replaced.
    /// The output loads in PyTorch's `safetensors` package.
    ///
    /// - Parameters:
    ///   - tensors: tensors by name (PyTorch `state_dict` keys).
    ///   - dtype: how to store the values. `.f16` halves the size (about 3 decimal digits).
    ///   - metadata: strings for the header's `__metadata__` (architecture, provenance, …).
    ///   - url: the file to write.
    /// - Throws: `CheckpointError` `.writeFailed`, `.invalidTensorName` for `__metadata__`, or
    ///   `.valueNotRepresentable` for U8 values that are not whole numbers 0...255.
    public static func write(
        _ tensors: [String: Tensor], dtype: SafeTensorsDType = .f32,
        metadata: [String: String] = [:], to url: URL
    ) throws(CheckpointError) {
        try write(tensors.mapValues { .tensor($0, dtype) }, metadata: metadata, to: url)
    }

    /// Writes tensors to a safetensors file, each with its own dtype, or raw U8 bytes.
    ///
    /// Tensors are laid out by decreasing element size, then by name, so every element is
    /// aligned to its size in the file (the header is padded with spaces to a multiple of 8), as
    /// the reference writer does. The header lists `__metadata__` first (omitted when empty),
    /// then the tensors in that order, so equal input gives byte-identical files.
    ///
    /// - Throws: as `write(_:dtype:metadata:to:)`, plus `.sizeMismatch` when a `.bytes`
    ///   payload's count differs from its shape's, and `.invalidShape` for a negative dimension.
    public static func write(
        _ payloads: [String: SafeTensorsPayload], metadata: [String: String] = [:], to url: URL
    ) throws(CheckpointError) {
        let path = url.path
        let ordered = payloads.sorted { a, b in
            a.value.dtype.byteSize != b.value.dtype.byteSize
                ? a.value.dtype.byteSize > b.value.dtype.byteSize : a.key < b.key
        }
        for (name, payload) in ordered {
            try checkWritable(name: name, payload, path: path)
        }
        let header = headerBytes(for: ordered, metadata: metadata)

        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do throws(CheckpointError) {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CheckpointError(code: .writeFailed, path: path,
                    message: "Cannot write '\(path)': could not create a temporary file in '\(folder.path)'. Check that the folder exists and is writable.")
            }
            let handle = try openForWriting(temporary, path: path)
            defer { try? handle.close() }
            try append(Data(header), to: handle, path: path)
            for (name, payload) in ordered {
                try append(try encode(payload, name: name, path: path), to: handle, path: path)
            }
            do {
                try handle.synchronize()
            } catch {
                throw writeFailed(path, "flushing it to disk failed (\(error.localizedDescription))")
            }
            guard rename(temporary.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw writeFailed(path, "renaming the temporary file into place failed (\(reason))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    // MARK: - Steps

    private static func checkWritable(
        name: String, _ payload: SafeTensorsPayload, path: String
    ) throws(CheckpointError) {
        guard name != metadataKey else {
            throw CheckpointError(code: .invalidTensorName, path: path, tensorName: name,
                message: "Cannot write '\(path)': '\(metadataKey)' is reserved for metadata and cannot name a tensor. Rename the tensor.")
        }
        let shape = payload.shape
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError(code: .invalidShape, path: path, tensorName: name,
                message: "Cannot write tensor '\(name)' to '\(path)': shape \(shape) has a negative dimension.")
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw CheckpointError(code: .invalidShape, path: path, tensorName: name,
                    message: "Cannot write tensor '\(name)' to '\(path)': shape \(shape)'s element count overflows.")
            }
            count = product
        }
        guard count == payload.elementCount else {
            throw CheckpointError(code: .sizeMismatch, path: path, tensorName: name,
                message: "Cannot write tensor '\(name)' to '\(path)': shape \(shape) needs \(count) values but \(payload.elementCount) were given.")
        }
    }

    /// The 8-byte length, then the JSON header padded with spaces to a multiple of 8 bytes.
    private static func headerBytes(
        for ordered: [(key: String, value: SafeTensorsPayload)], metadata: [String: String]
    ) -> [UInt8] {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }
                .map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            members.append("\(jsonString(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, payload) in ordered {
            let byteCount = payload.elementCount * payload.dtype.byteSize
            let shape = payload.shape.map(String.init).joined(separator: ",")
            members.append(
                "\(jsonString(name)):{\"dtype\":\"\(payload.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + byteCount)]}"
            )
            offset += byteCount
        }
        var json = Array("{\(members.joined(separator: ","))}".utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count)
        for shift in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> UInt64(8 * shift)))
        }
        bytes.append(contentsOf: json)
        return bytes
    }

    /// A tensor's bytes in the file: little-endian elements of its dtype.
    private static func encode(
        _ payload: SafeTensorsPayload, name: String, path: String
    ) throws(CheckpointError) -> Data {
        switch payload {
        case .bytes(_, let bytes):
            return Data(bytes)
        case .tensor(let tensor, let dtype):
            let values = tensor.data
            var out = Data(count: values.count * dtype.byteSize)
            var badIndex: Int? = nil
            out.withUnsafeMutableBytes { raw in
                switch dtype {
                case .f32:
                    for (i, value) in values.enumerated() {
                        raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                    }
                case .f16:
                    for (i, value) in values.enumerated() {
                        raw.storeBytes(of: Float16Conversion.half(from: value).littleEndian,
                            toByteOffset: 2 * i, as: UInt16.self)
                    }
                case .bf16:
                    for (i, value) in values.enumerated() {
                        raw.storeBytes(of: Float16Conversion.bfloat16(from: value).littleEndian,
                            toByteOffset: 2 * i, as: UInt16.self)
                    }
                case .u8:
                    for (i, value) in values.enumerated() {
                        guard value >= 0, value <= 255, value.rounded(.towardZero) == value else {
                            badIndex = i
                            return
                        }
                        raw[i] = UInt8(value)
                    }
                }
            }
            if let badIndex {
                throw CheckpointError(code: .valueNotRepresentable, path: path, tensorName: name,
                    message: "Cannot write tensor '\(name)' to '\(path)' as U8: element \(badIndex) is \(values[badIndex]), not a whole number 0...255. Round and clamp the values first, or write it as F32 or F16.")
            }
            return out
        }
    }

    private static func openForWriting(_ url: URL, path: String) throws(CheckpointError) -> FileHandle {
        do {
            return try FileHandle(forWritingTo: url)
        } catch {
            throw writeFailed(path, "opening the temporary file failed (\(error.localizedDescription))")
        }
    }

    private static func append(_ data: Data, to handle: FileHandle, path: String) throws(CheckpointError) {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw writeFailed(path, "writing failed (\(error.localizedDescription))")
        }
    }

    private static func writeFailed(_ path: String, _ why: String) -> CheckpointError {
        CheckpointError(code: .writeFailed, path: path,
            message: "Cannot write '\(path)': \(why). Check free space and that the folder is writable.")
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest UTF-8.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
