import Foundation
import NN
import Testing

/// One hand-built file that breaks one rule of the format, and the error it must give.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    var label: String
    var bytes: [UInt8]
    var code: CheckpointError.Code
    var tensorName: String? = nil

    var testDescription: String { label }
}

/// `{"name": {"dtype": …, "shape": …, "data_offsets": …}}` as JSON text.
private func entry(_ dtype: String = "\"F32\"", shape: String = "[2]", offsets: String = "[0,8]")
    -> String
{
    "{\"dtype\":\(dtype),\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

private let eightBytes = [UInt8](repeating: 0, count: 8)

let malformedCases: [MalformedCase] = [
    // Framing
    MalformedCase(label: "empty file", bytes: [], code: .fileTooShort),
    MalformedCase(label: "truncated length field", bytes: [16, 0, 0], code: .fileTooShort),
    MalformedCase(
        label: "header length over the 100 MB bound",
        bytes: safetensorsBytes(header: "{}", headerLength: 100_000_001), code: .headerTooLarge),
    MalformedCase(
        label: "header length UInt64.max",
        bytes: safetensorsBytes(header: "{}", headerLength: .max), code: .headerTooLarge),
    MalformedCase(
        label: "header length past end of file",
        bytes: safetensorsBytes(header: "{\"a\":1}", headerLength: 100), code: .headerPastEndOfFile),
    MalformedCase(
        label: "header one byte longer than the file",
        bytes: safetensorsBytes(header: "{}", headerLength: 3), code: .headerPastEndOfFile),

    // Header JSON
    MalformedCase(
        label: "header not UTF-8",
        bytes: safetensorsBytes(headerBytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
        code: .headerNotUTF8),
    MalformedCase(
        label: "truncated JSON",
        bytes: safetensorsBytes(header: "{\"w\":{\"dtype\":\"F32\","), code: .invalidJSON),
    MalformedCase(
        label: "text after the JSON", bytes: safetensorsBytes(header: "{} x"), code: .invalidJSON),
    MalformedCase(label: "empty header", bytes: safetensorsBytes(header: ""), code: .invalidJSON),
    MalformedCase(
        label: "nesting 200 deep",
        bytes: safetensorsBytes(
            header: String(repeating: "[", count: 200) + String(repeating: "]", count: 200)),
        code: .invalidJSON),
    MalformedCase(
        label: "unpaired surrogate escape",
        bytes: safetensorsBytes(header: "{\"\\ud800\":\(entry())}", buffer: eightBytes),
        code: .invalidJSON),
    MalformedCase(
        label: "raw newline inside a string",
        bytes: safetensorsBytes(header: "{\"a\nb\":\(entry())}", buffer: eightBytes),
        code: .invalidJSON),
    MalformedCase(
        label: "header is an array", bytes: safetensorsBytes(header: "[1, 2]"),
        code: .headerNotObject),
    MalformedCase(
        label: "header is a string", bytes: safetensorsBytes(header: "\"w\""),
        code: .headerNotObject),
    MalformedCase(
        label: "duplicate tensor name",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry()),\"w\":\(entry(offsets: "[8,16]"))}",
            buffer: eightBytes + eightBytes),
        code: .duplicateTensorName, tensorName: "w"),
    MalformedCase(
        label: "metadata value not a string",
        bytes: safetensorsBytes(header: "{\"__metadata__\":{\"epochs\":5}}"), code: .invalidMetadata
    ),
    MalformedCase(
        label: "metadata not an object",
        bytes: safetensorsBytes(header: "{\"__metadata__\":\"v1\"}"), code: .invalidMetadata),

    // Entries
    MalformedCase(
        label: "entry not an object",
        bytes: safetensorsBytes(header: "{\"w\":[0,8]}", buffer: eightBytes), code: .entryNotObject,
        tensorName: "w"),
    MalformedCase(
        label: "entry with dtype twice",
        bytes: safetensorsBytes(
            header:
                "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            buffer: eightBytes),
        code: .duplicateField, tensorName: "w"),
    MalformedCase(
        label: "entry without dtype",
        bytes: safetensorsBytes(
            header: "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", buffer: eightBytes),
        code: .missingDType, tensorName: "w"),
    MalformedCase(
        label: "entry without shape",
        bytes: safetensorsBytes(
            header: "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", buffer: eightBytes),
        code: .missingShape, tensorName: "w"),
    MalformedCase(
        label: "entry without data_offsets",
        bytes: safetensorsBytes(
            header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", buffer: eightBytes),
        code: .missingDataOffsets, tensorName: "w"),
    MalformedCase(
        label: "unsupported dtype F64",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry("\"F64\"", shape: "[1]"))}", buffer: eightBytes),
        code: .unknownDType, tensorName: "w"),
    MalformedCase(
        label: "lower-case dtype",
        bytes: safetensorsBytes(header: "{\"w\":\(entry("\"f32\""))}", buffer: eightBytes),
        code: .unknownDType, tensorName: "w"),
    MalformedCase(
        label: "dtype not a string",
        bytes: safetensorsBytes(header: "{\"w\":\(entry("4"))}", buffer: eightBytes),
        code: .unknownDType, tensorName: "w"),
    MalformedCase(
        label: "negative dimension",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "[-2]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "dimension -0",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "[-0,2]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "fractional dimension",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "[2.0]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "dimension in exponent notation",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "[2e0]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "dimension past Int.max",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry(shape: "[99999999999999999999]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "element count overflows",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry(shape: "[4294967296,4294967296]"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "shape not an array",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "2"))}", buffer: eightBytes),
        code: .invalidShape, tensorName: "w"),
    MalformedCase(
        label: "one data offset",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(offsets: "[8]"))}", buffer: eightBytes),
        code: .invalidDataOffsets, tensorName: "w"),
    MalformedCase(
        label: "negative data offset",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(offsets: "[-8,0]"))}", buffer: eightBytes),
        code: .invalidDataOffsets, tensorName: "w"),
    MalformedCase(
        label: "data offset as a string",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry(offsets: "[0,\"8\"]"))}", buffer: eightBytes),
        code: .invalidDataOffsets, tensorName: "w"),
    MalformedCase(
        label: "offsets begin after end",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(offsets: "[8,0]"))}", buffer: eightBytes),
        code: .offsetsReversed, tensorName: "w"),
    MalformedCase(
        label: "offsets past the buffer",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry(shape: "[4]", offsets: "[0,16]"))}", buffer: eightBytes),
        code: .offsetsOutOfBuffer, tensorName: "w"),
    MalformedCase(
        label: "offsets near Int.max",
        bytes: safetensorsBytes(
            header: "{\"w\":\(entry(offsets: "[9223372036854775800,9223372036854775807]"))}",
            buffer: eightBytes),
        code: .offsetsOutOfBuffer, tensorName: "w"),
    MalformedCase(
        label: "shape × dtype size differs from the span",
        bytes: safetensorsBytes(header: "{\"w\":\(entry(shape: "[3]"))}", buffer: eightBytes),
        code: .sizeMismatch, tensorName: "w"),
    MalformedCase(
        label: "F16 span sized for F32",
        bytes: safetensorsBytes(header: "{\"w\":\(entry("\"F16\""))}", buffer: eightBytes),
        code: .sizeMismatch, tensorName: "w"),
    MalformedCase(
        label: "overlapping tensors",
        bytes: safetensorsBytes(
            header: "{\"a\":\(entry()),\"b\":\(entry(offsets: "[4,12]"))}",
            buffer: eightBytes + [0, 0, 0, 0]),
        code: .overlappingTensors, tensorName: "b"),
    MalformedCase(
        label: "two tensors on the same bytes",
        bytes: safetensorsBytes(header: "{\"a\":\(entry()),\"b\":\(entry())}", buffer: eightBytes),
        code: .overlappingTensors, tensorName: "b"),
    MalformedCase(
        label: "gap between tensors",
        bytes: safetensorsBytes(
            header:
                "{\"a\":\(entry(shape: "[1]", offsets: "[0,4]")),\"b\":\(entry(shape: "[1]", offsets: "[8,12]"))}",
            buffer: eightBytes + [0, 0, 0, 0]),
        code: .uncoveredBytes, tensorName: "b"),
    MalformedCase(
        label: "trailing bytes after the last tensor",
        bytes: safetensorsBytes(
            header: "{\"a\":\(entry(shape: "[1]", offsets: "[0,4]"))}", buffer: eightBytes),
        code: .uncoveredBytes),
]

@Test(arguments: malformedCases)
func malformedFileGivesItsError(_ malformed: MalformedCase) throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("bad.safetensors", bytes: malformed.bytes)
    do {
        _ = try SafeTensorsFile(contentsOf: url)
        Issue.record("\(malformed.label): loaded without error")
    } catch {
        #expect(error.code == malformed.code)
        #expect(error.path == url.path)
        #expect(error.tensorName == malformed.tensorName)
        #expect(error.message.contains("'\(url.path)'"))
        if let name = malformed.tensorName {
            #expect(error.message.contains("'\(name)'"))
        }
    }
}

@Test func everyValidationCodeHasAMalformedCase() {
    let covered = Set(malformedCases.map(\.code))
    let notFromParsing: Set<CheckpointError.Code> = [
        .fileNotFound, .readFailed, .writeFailed, .tensorNotFound, .valueNotRepresentable,
        .invalidTensorName, .shapeMismatch,
        // File kind and loading into a model: NonFiniteWeightTests covers them.
        .notRegularFile, .nonFiniteValue,
    ]
    #expect(
        Set(CheckpointError.Code.allCases).subtracting(notFromParsing).subtracting(covered).isEmpty)
}

@Test func errorMessageSaysWhatWhyAndWhatToTry() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file(
        "g.safetensors",
        bytes: safetensorsBytes(
            header: "{\"main.0.weight\":\(entry(shape: "[3]"))}", buffer: eightBytes))
    #expect(
        throws: CheckpointError(
            code: .sizeMismatch, path: url.path, tensorName: "main.0.weight",
            message:
                "Cannot load tensor 'main.0.weight' from '\(url.path)': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8. Export the file again, e.g. with safetensors.torch.save_file."
        )
    ) {
        try SafeTensorsFile(contentsOf: url)
    }
}

@Test func missingFileAndFolderAreReported() throws {
    let folder = try TemporaryFolder()
    let missing = try folder.file("absent.safetensors")
    #expect(throws: CheckpointError.self) { try SafeTensorsFile(contentsOf: missing) }
    do {
        _ = try SafeTensorsFile(contentsOf: missing)
    } catch {
        #expect(error.code == .fileNotFound)
        #expect(error.message.contains(missing.path))
    }
    do {
        _ = try SafeTensorsFile(contentsOf: folder.url)
        Issue.record("a folder loaded")
    } catch {
        #expect(error.code == .readFailed)
        #expect(error.message.contains(folder.url.path))
    }
}

@Test func missingTensorNamesTheFileAndTheTensor() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("m.safetensors")
    try SafeTensorsFile.write(["main.0.weight": Tensor(shape: [1], data: [1])], to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    do {
        _ = try file.tensor(named: "main.1.running_mean")
        Issue.record("a missing tensor loaded")
    } catch {
        #expect(error.code == .tensorNotFound)
        #expect(error.tensorName == "main.1.running_mean")
        #expect(error.message.contains("'main.1.running_mean'"))
        #expect(error.message.contains(url.path))
        #expect(error.message.contains("'main.0.weight'"))
    }
}

@Test(arguments: [
    ("trailing spaces", "{\"w\":\(entry())}     "),
    ("leading and trailing whitespace", " \n\t{ \"w\" : \(entry()) }\r\n "),
    (
        "unknown entry members ignored",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":null}}"
    ),
    ("escaped name", "{\"\\u0077\":\(entry())}"),
    ("null metadata", "{\"__metadata__\":null,\"w\":\(entry())}"),
])
func acceptedHeaderVariants(_ label: String, _ header: String) throws {
    let folder = try TemporaryFolder()
    var buffer = [UInt8](repeating: 0, count: 8)
    buffer[3] = 0x3F
    buffer[2] = 0x80  // 1.0 as little-endian F32
    let url = try folder.file(
        "ok.safetensors", bytes: safetensorsBytes(header: header, buffer: buffer))
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(file.names == ["w"], "\(label)")
    #expect(try file.tensor(named: "w").data == [1, 0])
}

/// Random damage to a valid file must load or throw a `CheckpointError`, never crash.
@Test func randomMutationsNeverCrash() throws {
    let folder = try TemporaryFolder()
    let valid = try folder.file("valid.safetensors")
    try SafeTensorsFile.write(
        [
            "a": .tensor(Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), .f32),
            "b": .tensor(Tensor(shape: [4], data: [0.5, -1, 65504, 0]), .f16),
            "c": .bytes(shape: [3], [7, 8, 9]),
        ],
        metadata: ["format_version": "1"], to: valid)
    let original = [UInt8](try Data(contentsOf: valid))
    let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
    var random = SplitMix64(seed: 20_261_127)
    let iterations = 1000
    var loaded = 0
    var rejected = 0
    let mutated = try folder.file("mutated.safetensors")
    for _ in 0..<iterations {
        var bytes = original
        switch random.next() % 4 {
        case 0:  // change 1–4 bytes, mostly in the length field and header
            for _ in 0...(random.next() % 4) {
                let position = Int(
                    random.next() % UInt64(random.next() % 3 == 0 ? bytes.count : headerEnd))
                bytes[position] = UInt8(truncatingIfNeeded: random.next())
            }
        case 1:  // truncate
            bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
        case 2:  // insert a byte
            bytes.insert(
                UInt8(truncatingIfNeeded: random.next()), at: Int(random.next() % UInt64(headerEnd))
            )
        default:  // replace a header byte with a JSON-significant character
            let significant = Array("{}[]\",:0123456789-.eE \\u".utf8)
            bytes[8 + Int(random.next() % UInt64(headerEnd - 8))] =
                significant[Int(random.next() % UInt64(significant.count))]
        }
        try writeBytes(bytes, to: mutated)
        do {
            let file = try SafeTensorsFile(contentsOf: mutated)
            for name in file.names {
                let tensor = try file.tensor(named: name)
                #expect(tensor.data.count == tensor.shape.reduce(1, *))
            }
            loaded += 1
        } catch {
            #expect(!error.message.isEmpty)
            rejected += 1
        }
    }
    #expect(loaded + rejected == iterations)
    #expect(rejected > iterations / 3)
}
