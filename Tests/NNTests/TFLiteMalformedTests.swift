import Foundation
@testable import NN
import Testing
import TestSupport

/// The TFLite reader on damaged and unsupported files: each is a typed error naming the file, never
/// a crash.
@Suite("TFLite malformed files")
struct TFLiteMalformedTests {
    static func scratch(_ name: String, _ bytes: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tflite-tests-\(getpid())-\(name)")
        try bytes.write(to: url)
        return url
    }

    @Test func missingFile() {
        let path = "/nonexistent/face.tflite"
        #expect(throws: TFLiteError(code: .fileNotFound, path: path,
                                    message: "Cannot load TFLite model '\(path)': no such file. Fetch the face models with `make models`.")) {
            try TFLiteModel(contentsOf: URL(fileURLWithPath: path))
        }
    }

    @Test func textFile() throws {
        let url = try Self.scratch("text.tflite", Data("not a model at all".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: TFLiteError(code: .notTFLite, path: url.path,
                                    message: "'\(url.path)' is not a TFLite model: it does not carry the TFL3 identifier. Check the path, or fetch the models again (make models).")) {
            try TFLiteModel(contentsOf: url)
        }
    }

    @Test func emptyFile() throws {
        let url = try Self.scratch("empty.tflite", Data())
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: TFLiteError.self) { try TFLiteModel(contentsOf: url) }
        #expect(error?.code == .notTFLite)
        #expect(error?.message.contains("only 0 bytes") == true)
    }

    @Test("truncated models", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)), arguments: MediaPipeModels.stems)
    func truncated(stem: String) throws {
        let bytes = try Data(contentsOf: MediaPipeModels.url(stem))
        for fraction in [0.02, 0.3, 0.6, 0.9, 0.999] {
            let cut = bytes.prefix(Int(Double(bytes.count) * fraction))
            let error = #expect(throws: TFLiteError.self) { try TFLiteModel(data: cut, path: "cut.tflite") }
            #expect(error?.path == "cut.tflite")
            #expect(error?.code == .malformed || error?.code == .invalidTensor, "\(stem) cut at \(fraction): \(String(describing: error))")
        }
    }

    /// Byte flips anywhere in the file: each copy loads (and then runs) or fails with a TFLiteError.
    @Test("byte-flipped models never crash", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
    func byteFlips() throws {
        let bytes = try Data(contentsOf: MediaPipeModels.url("face_detection_short_range"))
        var generator = SeededGenerator(seed: 17)
        var loaded = 0, rejected = 0
        for _ in 0..<150 {
            var copy = bytes
            for _ in 0..<4 {
                let at = Int.random(in: 0..<copy.count, using: &generator)
                copy[at] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let model = try TFLiteModel(data: copy, path: "flipped.tflite")
                _ = try model.run([Float](repeating: 0.1, count: model.inputShape.reduce(1, *)))
                loaded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(loaded + rejected == 150)
    }

    /// The position of `slot` of operator code `index` in the file (for forging files).
    static func operatorCodeField(_ bytes: UnsafeRawBufferPointer, index: Int, slot: Int) throws -> Int? {
        let fb = FlatBuffer(bytes: bytes)
        let codes = try fb.vector(try fb.root(), 1, elementSize: 4, "codes")!
        return try fb.field(try fb.table(in: codes, index, "code"), slot)
    }

    @Test("an unsupported operator is named", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
    func unsupportedOperator() throws {
        var bytes = try Data(contentsOf: MediaPipeModels.url("face_detection_short_range"))
        // Turn operator code 0 into SOFTMAX (25) in both of its code fields.
        let (old, new) = try bytes.withUnsafeBytes { raw in
            (try Self.operatorCodeField(raw, index: 0, slot: 0), try Self.operatorCodeField(raw, index: 0, slot: 3))
        }
        if let old { bytes[old] = 25 }
        if let new { bytes.replaceSubrange(new..<(new + 4), with: [25, 0, 0, 0]) }
        let error = #expect(throws: TFLiteError.self) { try TFLiteModel(data: bytes, path: "softmax.tflite") }
        #expect(error?.code == .unsupportedOperator)
        #expect(error?.op?.hasPrefix("builtin operator 25 #") == true)
        #expect(error?.message.contains("does not implement") == true)
    }

    @Test("a NaN weight names its tensor", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
    func nanWeight() throws {
        var bytes = try Data(contentsOf: MediaPipeModels.url("face_landmark"))
        let (offset, name) = try bytes.withUnsafeBytes { raw in
            let graph = try TFLiteGraph(bytes: raw, path: "x")
            let tensor = graph.tensors.first { $0.type == .float16 && $0.buffer > 0 && !graph.buffers[$0.buffer].isEmpty }!
            return (graph.buffers[tensor.buffer].lowerBound, tensor.name)
        }
        bytes.replaceSubrange(offset..<(offset + 2), with: [0x00, 0x7E])  // a float16 NaN
        let error = #expect(throws: TFLiteError.self) { try TFLiteModel(data: bytes, path: "nan.tflite") }
        #expect(error?.code == .nonFiniteWeight)
        #expect(error?.tensor == name)
        #expect(error?.message.contains("nan at element 0") == true)
    }

    @Test("wrong input size and non-finite input", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
    func badInput() throws {
        let model = try TFLiteModel(contentsOf: MediaPipeModels.url("face_detection_short_range"))
        #expect(throws: TFLiteError.self) { try model.run([0, 1, 2]) }
        var input = [Float](repeating: 0, count: 128 * 128 * 3)
        input[5] = .nan
        let error = #expect(throws: TFLiteError.self) { try model.run(input) }
        #expect(error?.code == .badInput)
    }
}
