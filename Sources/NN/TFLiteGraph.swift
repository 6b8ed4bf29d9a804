import Foundation

/// The parts of a TFLite FlatBuffer the reader runs: one subgraph's tensors, operators and
/// constant buffers, every index and size checked (schema: tensorflow/lite/schema/schema.fbs).
struct TFLiteGraph {
    /// Element types (TensorType in the schema) the reader knows.
    enum ElementType: Int8 {
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4

        var size: Int {
            switch self {
            case .float32, .int32: 4
            case .float16: 2
            case .uint8: 1
            case .int64: 8
            }
        }
    }

    /// A dimension of a sparse tensor (DimensionMetadata): dense, or compressed (CSR).
    struct SparseDimension {
        var isDense: Bool
        var denseSize: Int
        var segments: [Int]
        var indices: [Int]
    }

    /// SparsityParameters: the traversal order, block map and per-dimension formats.
    struct Sparsity {
        var traversalOrder: [Int]
        var blockMap: [Int]
        var dimensions: [SparseDimension]
    }

    struct TensorInfo {
        var name: String
        var shape: [Int]
        var type: ElementType
        /// Index into `buffers`; 0 is the empty sentinel buffer.
        var buffer: Int
        var sparsity: Sparsity?
    }

    /// Padding of convolutions and pools (Padding in the schema).
    enum Padding: Int8 { case same = 0, valid = 1 }

    /// The activation fused into an operator's output (ActivationFunctionType).
    enum Activation: Int8 {
        case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3
    }

    /// An operator with its options decoded.
    enum Operation {
        case add(Activation)
        case concatenation(axis: Int, Activation)
        case conv2D(padding: Padding, strideW: Int, strideH: Int, dilationW: Int, dilationH: Int, Activation)
        case depthwiseConv2D(padding: Padding, strideW: Int, strideH: Int, multiplier: Int, dilationW: Int, dilationH: Int, Activation)
        case depthToSpace(blockSize: Int)
        case dequantize
        case densify
        case maxPool2D(padding: Padding, strideW: Int, strideH: Int, filterW: Int, filterH: Int, Activation)
        case pad
        case prelu
        case relu
        case reshape
        case resizeBilinear(alignCorners: Bool, halfPixelCenters: Bool)
    }

    struct OperatorInfo {
        var name: String
        var operation: Operation
        /// Tensor indices; -1 marks an optional input left out.
        var inputs: [Int]
        var outputs: [Int]
    }

    var tensors: [TensorInfo]
    var operators: [OperatorInfo]
    var inputs: [Int]
    var outputs: [Int]
    /// Each buffer's bytes as a range of the file.
    var buffers: [Range<Int>]

    /// The builtin operator codes (BuiltinOperator in the schema) this reader runs.
    static let operatorNames: [Int: String] = [
        0: "ADD", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE",
        6: "DEQUANTIZE", 17: "MAX_POOL_2D", 19: "RELU", 22: "RESHAPE", 23: "RESIZE_BILINEAR",
        34: "PAD", 54: "PRELU", 124: "DENSIFY",
    ]

    /// Largest element count of one tensor (2²⁸ floats, 1 GiB): larger means a damaged file.
    static let maximumElements = 1 << 28
    /// Largest rank of a tensor.
    static let maximumRank = 8

    /// Parses the FlatBuffer in `bytes`; `path` names the file in errors.
    init(bytes: UnsafeRawBufferPointer, path: String) throws(TFLiteError) {
        let fb = FlatBuffer(bytes: bytes)
        func malformed(_ failure: FlatBuffer.Failure) -> TFLiteError {
            TFLiteError(code: .malformed, path: path,
                        message: "Cannot read TFLite model '\(path)': \(failure.what). The file is truncated or damaged; "
                            + "fetch it again (make models).")
        }
        guard bytes.count >= 8,
              bytes[4] == UInt8(ascii: "T"), bytes[5] == UInt8(ascii: "F"), bytes[6] == UInt8(ascii: "L"), bytes[7] == UInt8(ascii: "3")
        else {
            throw TFLiteError(code: .notTFLite, path: path,
                              message: "'\(path)' is not a TFLite model: it does not carry the TFL3 identifier"
                                + (bytes.count < 8 ? " (it has only \(bytes.count) bytes)" : "") + ". Check the path, or fetch the models again (make models).")
        }
        do {
            let model = try fb.root()
            // Buffers.
            var buffers: [Range<Int>] = []
            if let list = try fb.vector(model, 4, elementSize: 4, "buffers") {
                buffers.reserveCapacity(list.count)
                for i in 0..<list.count {
                    let buffer = try fb.table(in: list, i, "buffer \(i)")
                    if let data = try fb.vector(buffer, 0, elementSize: 1, "buffer \(i) data") {
                        buffers.append(data.start..<(data.start + data.count))
                    } else {
                        // Large models keep data after the FlatBuffer: an offset and a size in the file.
                        let offset = try fb.scalar(buffer, 1, default: UInt64(0), "buffer \(i) offset")
                        let size = try fb.scalar(buffer, 2, default: UInt64(0), "buffer \(i) size")
                        if offset > 1 {
                            guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                                throw FlatBuffer.Failure(what: "buffer \(i)'s data (offset \(offset), \(size) bytes) lies outside the file")
                            }
                            buffers.append(Int(offset)..<Int(offset + size))
                        } else {
                            buffers.append(0..<0)
                        }
                    }
                }
            }
            // Operator codes.
            var codes: [(code: Int, custom: String?)] = []
            if let list = try fb.vector(model, 1, elementSize: 4, "operator codes") {
                for i in 0..<list.count {
                    let entry = try fb.table(in: list, i, "operator code \(i)")
                    let deprecated = Int(try fb.scalar(entry, 0, default: Int8(0), "operator code \(i)"))
                    let builtin = Int(try fb.scalar(entry, 3, default: Int32(0), "operator code \(i)"))
                    codes.append((max(deprecated, builtin), try fb.string(entry, 1, "custom code \(i)")))
                }
            }
            guard let subgraphs = try fb.vector(model, 2, elementSize: 4, "subgraphs"), subgraphs.count == 1 else {
                throw TFLiteError(code: .unsupportedGraph, path: path,
                                  message: "Cannot run TFLite model '\(path)': it must have exactly one subgraph. "
                                    + "Only single-graph models such as MediaPipe's face models are supported.")
            }
            let graph = try fb.table(in: subgraphs, 0, "subgraph 0")
            // Tensors.
            var tensors: [TensorInfo] = []
            if let list = try fb.vector(graph, 0, elementSize: 4, "tensors") {
                tensors.reserveCapacity(list.count)
                for i in 0..<list.count {
                    let t = try fb.table(in: list, i, "tensor \(i)")
                    let name = try fb.string(t, 3, "tensor \(i) name") ?? "tensor \(i)"
                    let shape = try fb.int32s(t, 0, "tensor \(i) shape").map(Int.init)
                    let rawType = try fb.scalar(t, 1, default: Int8(0), "tensor \(i) type")
                    let buffer = Int(try fb.scalar(t, 2, default: UInt32(0), "tensor \(i) buffer"))
                    guard let type = ElementType(rawValue: rawType) else {
                        throw TFLiteError(code: .invalidTensor, path: path, tensor: name,
                                          message: "Cannot run TFLite model '\(path)': tensor '\(name)' has element type \(rawType), "
                                            + "which the reader does not support (float32, float16, int32, uint8, int64).")
                    }
                    guard shape.count <= Self.maximumRank, shape.allSatisfy({ $0 >= 0 }),
                          shape.reduce(1, { $0 == 0 || $1 == 0 ? 0 : ($0 > Self.maximumElements / $1 ? Self.maximumElements + 1 : $0 * $1) }) <= Self.maximumElements
                    else {
                        throw TFLiteError(code: .invalidTensor, path: path, tensor: name,
                                          message: "Cannot run TFLite model '\(path)': tensor '\(name)' has shape \(shape), "
                                            + "which is negative, of rank above \(Self.maximumRank) or over \(Self.maximumElements) elements.")
                    }
                    guard buffer < buffers.count || (buffer == 0 && buffers.isEmpty) else {
                        throw TFLiteError(code: .invalidTensor, path: path, tensor: name,
                                          message: "Cannot run TFLite model '\(path)': tensor '\(name)' refers to buffer \(buffer) of \(buffers.count).")
                    }
                    var sparsity: Sparsity?
                    if let s = try fb.tableField(t, 6, "tensor \(i) sparsity") {
                        sparsity = try Self.sparsity(s, fb, "tensor \(i) sparsity")
                    }
                    tensors.append(TensorInfo(name: name, shape: shape, type: type, buffer: buffer, sparsity: sparsity))
                }
            }
            func tensorIndices(_ values: [Int32], optional: Bool, _ what: String) throws(TFLiteError) -> [Int] {
                try values.map { v throws(TFLiteError) in
                    let index = Int(v)
                    guard (index >= 0 && index < tensors.count) || (optional && index == -1) else {
                        throw TFLiteError(code: .malformed, path: path,
                                          message: "Cannot read TFLite model '\(path)': \(what) names tensor \(index), but the graph has \(tensors.count). "
                                            + "The file is damaged; fetch it again (make models).")
                    }
                    return index
                }
            }
            let inputs = try tensorIndices(try fb.int32s(graph, 1, "graph inputs"), optional: false, "the graph's input list")
            let outputs = try tensorIndices(try fb.int32s(graph, 2, "graph outputs"), optional: false, "the graph's output list")
            // Operators.
            var operators: [OperatorInfo] = []
            if let list = try fb.vector(graph, 3, elementSize: 4, "operators") {
                operators.reserveCapacity(list.count)
                for i in 0..<list.count {
                    let op = try fb.table(in: list, i, "operator \(i)")
                    let codeIndex = Int(try fb.scalar(op, 0, default: UInt32(0), "operator \(i) code index"))
                    guard codeIndex < codes.count else {
                        throw TFLiteError(code: .malformed, path: path, op: "#\(i)",
                                          message: "Cannot read TFLite model '\(path)': operator #\(i) uses operator code \(codeIndex) of \(codes.count). "
                                            + "The file is damaged; fetch it again (make models).")
                    }
                    let (code, custom) = codes[codeIndex]
                    guard custom == nil || code != 32, let name = Self.operatorNames[code] else {
                        let label = code == 32 ? "custom operator '\(custom ?? "")'" : "builtin operator \(code)"
                        throw TFLiteError(code: .unsupportedOperator, path: path, op: "\(label) #\(i)",
                                          message: "Cannot run TFLite model '\(path)': operator #\(i) is \(label), which this reader does not implement. "
                                            + "Supported: \(Self.operatorNames.values.sorted().joined(separator: ", ")).")
                    }
                    let opInputs = try tensorIndices(try fb.int32s(op, 1, "operator \(i) inputs"), optional: true, "operator #\(i) (\(name))")
                    let opOutputs = try tensorIndices(try fb.int32s(op, 2, "operator \(i) outputs"), optional: false, "operator #\(i) (\(name))")
                    let options = try fb.tableField(op, 4, "operator \(i) options")
                    let operation = try Self.operation(code: code, options: options, fb, path: path, label: "\(name) #\(i)")
                    operators.append(OperatorInfo(name: "\(name) #\(i)", operation: operation, inputs: opInputs, outputs: opOutputs))
                }
            }
            self.tensors = tensors
            self.operators = operators
            self.inputs = inputs
            self.outputs = outputs
            self.buffers = buffers
        } catch let failure as FlatBuffer.Failure {
            throw malformed(failure)
        } catch let error as TFLiteError {
            throw error
        } catch {
            throw TFLiteError(code: .malformed, path: path, message: "Cannot read TFLite model '\(path)': \(error).")
        }
    }

    private static func sparsity(_ table: FlatBuffer.Table, _ fb: FlatBuffer, _ what: String) throws(FlatBuffer.Failure) -> Sparsity {
        let order = try fb.int32s(table, 0, "\(what) traversal order").map(Int.init)
        let blockMap = try fb.int32s(table, 1, "\(what) block map").map(Int.init)
        var dimensions: [SparseDimension] = []
        if let list = try fb.vector(table, 2, elementSize: 4, "\(what) dimensions") {
            for i in 0..<list.count {
                let d = try fb.table(in: list, i, "\(what) dimension \(i)")
                let format = try fb.scalar(d, 0, default: Int8(0), "\(what) dimension \(i) format")
                let denseSize = Int(try fb.scalar(d, 1, default: Int32(0), "\(what) dimension \(i) size"))
                func indexVector(_ typeSlot: Int, _ valueSlot: Int, _ label: String) throws(FlatBuffer.Failure) -> [Int] {
                    let type = try fb.scalar(d, typeSlot, default: UInt8(0), "\(what) \(label) type")
                    guard let values = try fb.tableField(d, valueSlot, "\(what) \(label)") else { return [] }
                    switch type {
                    case 1: return try fb.int32s(values, 0, "\(what) \(label)").map(Int.init)
                    case 2: return try fb.unsigneds(UInt16.self, values, 0, "\(what) \(label)")
                    case 3: return try fb.unsigneds(UInt8.self, values, 0, "\(what) \(label)")
                    default: throw FlatBuffer.Failure(what: "\(what) \(label) has index vector type \(type)")
                    }
                }
                dimensions.append(SparseDimension(
                    isDense: format == 0, denseSize: denseSize,
                    segments: format == 0 ? [] : try indexVector(2, 3, "dimension \(i) segments"),
                    indices: format == 0 ? [] : try indexVector(4, 5, "dimension \(i) indices")))
            }
        }
        return Sparsity(traversalOrder: order, blockMap: blockMap, dimensions: dimensions)
    }

    /// Decodes an operator's options table (schema field slots) for `code`.
    private static func operation(code: Int, options: FlatBuffer.Table?, _ fb: FlatBuffer, path: String, label: String) throws -> Operation {
        func int(_ slot: Int, _ defaultValue: Int32 = 0) throws -> Int {
            guard let options else { return Int(defaultValue) }
            return Int(try fb.scalar(options, slot, default: defaultValue, "\(label) options"))
        }
        func byte(_ slot: Int) throws -> Int8 {
            guard let options else { return 0 }
            return try fb.scalar(options, slot, default: Int8(0), "\(label) options")
        }
        func bool(_ slot: Int) throws -> Bool { try byte(slot) != 0 }
        func unsupported(_ what: String) -> TFLiteError {
            TFLiteError(code: .unsupportedOptions, path: path, op: label,
                        message: "Cannot run TFLite model '\(path)': operator \(label) has \(what), which this reader does not support.")
        }
        func activation(_ slot: Int) throws -> Activation {
            let raw = try byte(slot)
            guard let value = Activation(rawValue: raw) else { throw unsupported("fused activation \(raw)") }
            return value
        }
        func padding(_ slot: Int) throws -> Padding {
            let raw = try byte(slot)
            guard let value = Padding(rawValue: raw) else { throw unsupported("padding \(raw)") }
            return value
        }
        func positive(_ value: Int, _ what: String) throws -> Int {
            guard value >= 1, value <= 1 << 16 else { throw unsupported("\(what) \(value)") }
            return value
        }
        switch code {
        case 0: return .add(try activation(0))
        case 2: return .concatenation(axis: try int(0), try activation(1))
        case 3:
            return .conv2D(padding: try padding(0), strideW: try positive(try int(1), "stride"), strideH: try positive(try int(2), "stride"),
                           dilationW: try positive(try int(4, 1), "dilation"), dilationH: try positive(try int(5, 1), "dilation"), try activation(3))
        case 4:
            return .depthwiseConv2D(padding: try padding(0), strideW: try positive(try int(1), "stride"), strideH: try positive(try int(2), "stride"),
                                    multiplier: try positive(try int(3, 1), "depth multiplier"),
                                    dilationW: try positive(try int(5, 1), "dilation"), dilationH: try positive(try int(6, 1), "dilation"), try activation(4))
        case 5: return .depthToSpace(blockSize: try positive(try int(0), "block size"))
        case 6: return .dequantize
        case 17:
            return .maxPool2D(padding: try padding(0), strideW: try positive(try int(1), "stride"), strideH: try positive(try int(2), "stride"),
                              filterW: try positive(try int(3), "filter width"), filterH: try positive(try int(4), "filter height"), try activation(5))
        case 19: return .relu
        case 22: return .reshape
        case 23: return .resizeBilinear(alignCorners: try bool(2), halfPixelCenters: try bool(3))
        case 34: return .pad
        case 54: return .prelu
        case 124: return .densify
        default: throw unsupported("builtin code \(code)")
        }
    }
}
