import Foundation

/// The validated contents of a safetensors header.
struct SafeTensorsHeader {
    var entries: [String: SafeTensorsEntry]
    var metadata: [String: String]
    /// Byte offset of the data buffer in the file: 8 + header length.
    var bufferStart: Int
}

extension SafeTensorsFile {
    /// Checks the framing, the header JSON and every tensor entry of a whole file's bytes, in
    /// the order a reader meets them, and returns the header. Nothing is trusted: lengths,
    /// offsets and shapes are checked for overflow before use, and every rule of the format gives
    /// its own `CheckpointError.Code`.
    ///
    /// - Parameters:
    ///   - file: the whole file (typically memory-mapped).
    ///   - path: the file's path, for messages.
    static func validateHeader(of file: Data, path: String) throws(CheckpointError) -> SafeTensorsHeader {
        let problem = ProblemReporter(path: path)
        let fileSize = file.count
        guard fileSize >= 8 else {
            throw problem(.fileTooShort, "the file is \(fileSize) bytes, shorter than the 8-byte header length",
                hint: "The file is empty or truncated; copy or export it again")
        }
        let start = file.startIndex
        var headerLength64: UInt64 = 0
        for (shift, byte) in file[start..<start + 8].enumerated() {
            headerLength64 |= UInt64(byte) << UInt64(8 * shift)
        }
        guard headerLength64 <= UInt64(maximumHeaderLength) else {
            throw problem(.headerTooLarge,
                "the header length is \(headerLength64) bytes, over the bound of \(maximumHeaderLength)",
                hint: "This is not a safetensors file, or its first 8 bytes are damaged")
        }
        let headerLength = Int(headerLength64)
        guard headerLength <= fileSize - 8 else {
            throw problem(.headerPastEndOfFile,
                "the header length is \(headerLength) bytes but only \(fileSize - 8) follow the length field",
                hint: "The file is truncated or not a safetensors file; copy or export it again")
        }
        let headerBytes = Array(file[start + 8..<start + 8 + headerLength])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw problem(.headerNotUTF8, "the \(headerLength)-byte header is not valid UTF-8",
                hint: "The header is damaged or this is not a safetensors file")
        }
        let json: HeaderJSON
        do {
            json = try HeaderJSONParser.parse(headerBytes)
        } catch {
            throw problem(.invalidJSON, "the header is not valid JSON at byte \(error.offset): \(error.reason)",
                hint: "The header is damaged; export the file again")
        }
        guard case .object(let members) = json else {
            throw problem(.headerNotObject, "the header is \(json.kindDescription), not a JSON object",
                hint: "A safetensors header maps tensor names to {dtype, shape, data_offsets}")
        }

        let bufferSize = fileSize - 8 - headerLength
        var entries: [String: SafeTensorsEntry] = [:]
        var metadata: [String: String]? = nil
        for member in members {
            if member.key == metadataKey {
                guard metadata == nil else {
                    throw problem(.invalidMetadata, "'\(metadataKey)' appears twice in the header",
                        hint: "Export the file again with one metadata dictionary")
                }
                metadata = try validateMetadata(member.value, problem: problem)
                continue
            }
            guard entries[member.key] == nil else {
                throw problem(.duplicateTensorName, tensor: member.key, "the name appears twice in the header",
                    hint: "Export the file again with unique tensor names")
            }
            entries[member.key] = try validateEntry(
                named: member.key, member.value, bufferSize: bufferSize, problem: problem)
        }
        try validateLayout(of: Array(entries.values), bufferSize: bufferSize, problem: problem)
        return SafeTensorsHeader(entries: entries, metadata: metadata ?? [:], bufferStart: 8 + headerLength)
    }

    /// `__metadata__` must be an object of string values.
    private static func validateMetadata(
        _ value: HeaderJSON, problem: ProblemReporter
    ) throws(CheckpointError) -> [String: String] {
        guard case .object(let members) = value else {
            throw problem(.invalidMetadata, "'\(metadataKey)' is \(value.kindDescription), not an object of strings",
                hint: "Metadata values must be strings; encode numbers and lists as text")
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard case .string(let text) = member.value else {
                throw problem(.invalidMetadata,
                    "metadata key '\(member.key)' holds \(member.value.kindDescription), not a string",
                    hint: "Metadata values must be strings; encode numbers and lists as text")
            }
            guard metadata[member.key] == nil else {
                throw problem(.invalidMetadata, "metadata key '\(member.key)' appears twice",
                    hint: "Export the file again with unique metadata keys")
            }
            metadata[member.key] = text
        }
        return metadata
    }

    /// One tensor's `{dtype, shape, data_offsets}`; other members are ignored, as the reference
    /// reader does.
    private static func validateEntry(
        named name: String, _ value: HeaderJSON, bufferSize: Int, problem: ProblemReporter
    ) throws(CheckpointError) -> SafeTensorsEntry {
        let rewrite = "Export the file again, e.g. with safetensors.torch.save_file"
        guard case .object(let members) = value else {
            throw problem(.entryNotObject, tensor: name,
                "the entry is \(value.kindDescription), not an object with dtype, shape and data_offsets",
                hint: rewrite)
        }
        func field(_ key: String) -> HeaderJSON? { members.last(where: { $0.key == key })?.value }

        guard let dtypeValue = field("dtype") else {
            throw problem(.missingDType, tensor: name, "the entry has no 'dtype'", hint: rewrite)
        }
        guard let shapeValue = field("shape") else {
            throw problem(.missingShape, tensor: name, "the entry has no 'shape'", hint: rewrite)
        }
        guard let offsetsValue = field("data_offsets") else {
            throw problem(.missingDataOffsets, tensor: name, "the entry has no 'data_offsets'", hint: rewrite)
        }

        let supported = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let dtypeName) = dtypeValue else {
            throw problem(.unknownDType, tensor: name,
                "the dtype is \(dtypeValue.kindDescription), not a string", hint: "Use one of \(supported)")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw problem(.unknownDType, tensor: name, "the dtype '\(dtypeName)' is not supported",
                hint: "Convert the tensor to one of \(supported) before export")
        }

        guard case .array(let dimensions) = shapeValue else {
            throw problem(.invalidShape, tensor: name,
                "the shape is \(shapeValue.kindDescription), not an array", hint: rewrite)
        }
        var shape: [Int] = []
        var elementCount = 1
        for (axis, dimension) in dimensions.enumerated() {
            guard case .value(let size) = dimension.nonNegativeInteger else {
                throw problem(.invalidShape, tensor: name,
                    "shape dimension \(axis) is \(dimension.kindDescription), not a non-negative integer",
                    hint: rewrite)
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw problem(.invalidShape, tensor: name,
                    "the shape's element count overflows", hint: rewrite)
            }
            shape.append(size)
            elementCount = product
        }

        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
            case .value(let begin) = offsets[0].nonNegativeInteger,
            case .value(let end) = offsets[1].nonNegativeInteger
        else {
            throw problem(.invalidDataOffsets, tensor: name,
                "data_offsets is not an array of two non-negative integers", hint: rewrite)
        }
        guard begin <= end else {
            throw problem(.offsetsReversed, tensor: name,
                "data_offsets [\(begin), \(end)] begin after they end", hint: rewrite)
        }
        guard end <= bufferSize else {
            throw problem(.offsetsOutOfBuffer, tensor: name,
                "data_offsets [\(begin), \(end)] end past the \(bufferSize)-byte data buffer",
                hint: "The file is truncated or damaged; copy or export it again")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, byteCount == end - begin else {
            throw problem(.sizeMismatch, tensor: name,
                "shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more than Int.max" : String(byteCount)) bytes but data_offsets [\(begin), \(end)] span \(end - begin)",
                hint: rewrite)
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// The tensors must tile the data buffer: no two share a byte, and no byte is left over.
    private static func validateLayout(
        of entries: [SafeTensorsEntry], bufferSize: Int, problem: ProblemReporter
    ) throws(CheckpointError) {
        let sorted = entries.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var covered = 0  // bytes [0, covered) belong to tensors seen so far
        var last: SafeTensorsEntry? = nil
        for entry in sorted {
            let span = entry.dataOffsets
            if let last, span.lowerBound < covered {
                throw problem(.overlappingTensors, tensor: entry.name,
                    "its bytes [\(span.lowerBound), \(span.upperBound)) overlap those of tensor '\(last.name)' [\(last.dataOffsets.lowerBound), \(last.dataOffsets.upperBound))",
                    hint: "The file is damaged; export it again")
            }
            if span.lowerBound > covered {
                throw problem(.uncoveredBytes, tensor: entry.name,
                    "data buffer bytes [\(covered), \(span.lowerBound)) before it belong to no tensor",
                    hint: "The file is damaged or was written by a non-conforming tool; export it again")
            }
            covered = span.upperBound
            last = entry
        }
        guard covered == bufferSize else {
            throw problem(.uncoveredBytes,
                "data buffer bytes [\(covered), \(bufferSize)) at its end belong to no tensor",
                hint: "The file has trailing bytes or is damaged; export it again")
        }
    }
}

/// Builds the errors of one file: "Cannot load safetensors file '<path>'[, tensor '<name>']:
/// <why>. <what to try>."
struct ProblemReporter {
    var path: String

    func callAsFunction(
        _ code: CheckpointError.Code, tensor: String? = nil, _ why: String, hint: String
    ) -> CheckpointError {
        let subject = tensor.map { "Cannot load tensor '\($0)' from '\(path)'" } ?? "Cannot load '\(path)'"
        return CheckpointError(code: code, path: path, tensorName: tensor, message: "\(subject): \(why). \(hint).")
    }
}
