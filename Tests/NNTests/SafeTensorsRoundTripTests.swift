import Foundation
import NN
import Testing

/// Floats whose bits must survive F32 storage unchanged: signed zeros, subnormals, extremes,
/// infinities and NaNs with payloads.
private let specialFloats: [Float] = [
    0, -0.0, 1, -1, .pi, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
    .infinity, -.infinity, Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFFA0_0123), Float(bitPattern: 0x0001_1170), 0.1,
]

@Test func f32RoundTripIsBitExact() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("f32.safetensors")
    var random = SplitMix64(seed: 1)
    let noise = (0..<60).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
    let tensors = [
        "special": Tensor(shape: [2, 7], data: specialFloats),
        "noise": Tensor(shape: [3, 4, 5], data: noise),
        "scalar": Tensor(shape: [], data: [-7.25]),
        "empty": Tensor(shape: [0, 4], data: []),
    ]
    try SafeTensorsFile.write(tensors, to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(file.names == ["empty", "noise", "scalar", "special"])
    #expect(file.metadata == [:])
    for (name, tensor) in tensors {
        let read = try file.tensor(named: name)
        #expect(read.shape == tensor.shape, "\(name)")
        #expect(read.data.map(\.bitPattern) == tensor.data.map(\.bitPattern), "\(name)")
        #expect(try file.entry(named: name).dtype == .f32)
    }
}

@Test func f16RoundTripIsBitExactForHalfValues() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("f16.safetensors")
    // Every finite half and the infinities, as floats: stored as F16 they come back unchanged.
    let halves = (0...UInt16.max).map { Float16Conversion.float(fromHalf: $0) }.filter { !$0.isNaN }
    try SafeTensorsFile.write(["all": Tensor(shape: [halves.count], data: halves)], dtype: .f16, to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(try file.entry(named: "all").dtype == .f16)
    #expect(try file.entry(named: "all").dataOffsets == 0..<(2 * halves.count))
    #expect(try file.tensor(named: "all").data.map(\.bitPattern) == halves.map(\.bitPattern))
}

@Test func f16WriteRoundsToNearestEven() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("f16.safetensors")
    let values: [Float] = [1 / 3, 1 + 0x1p-11, 1 + 3 * 0x1p-11, 65519, 65520, 1e9, 0x1p-25, 1e-10, .nan]
    try SafeTensorsFile.write(["v": Tensor(shape: [values.count], data: values)], dtype: .f16, to: url)
    let read = try SafeTensorsFile(contentsOf: url).tensor(named: "v").data
    let expected: [Float] = [0.333251953125, 1, 1 + 4 * 0x1p-11, 65504, .infinity, .infinity, 0, 0]
    #expect(Array(read.prefix(8)) == expected)
    #expect(read[8].isNaN)
    #expect(try SafeTensorsFile(contentsOf: url).bytes(named: "v").count == 2 * values.count)
}

@Test func bf16RoundTripIsBitExactForBFloat16Values() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("bf16.safetensors")
    let values: [Float] = [1, -3, 0.15625, 0x1p100, -0x1p-100, .infinity, -0.0, 0.333984375]
    try SafeTensorsFile.write(["v": Tensor(shape: [2, 4], data: values)], dtype: .bf16, to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(try file.entry(named: "v") == SafeTensorsEntry(name: "v", dtype: .bf16, shape: [2, 4], dataOffsets: 0..<16))
    #expect(try file.tensor(named: "v").data.map(\.bitPattern) == values.map(\.bitPattern))
}

@Test func u8RoundTripsAsBytesAndAsFloats() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("u8.safetensors")
    let bytes = (0...255).map { UInt8($0) }
    try SafeTensorsFile.write(
        [
            "raw": .bytes(shape: [16, 16], bytes),
            "mask": .tensor(Tensor(shape: [2, 2], data: [0, 1, 254, 255]), .u8),
        ],
        to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(try file.bytes(named: "raw") == bytes)
    #expect(try file.tensor(named: "raw").data == bytes.map(Float.init))
    #expect(try file.tensor(named: "raw").shape == [16, 16])
    #expect(try file.bytes(named: "mask") == [0, 1, 254, 255])
    #expect(try file.entry(named: "mask").dtype == .u8)
}

@Test func metadataRoundTripsExactly() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("meta.safetensors")
    let metadata = [
        "architecture": "dcgan-64",
        "quotes \"and\" \\backslashes\\": "line\nbreak\ttab\u{1}control",
        "unicode": "visage ✓ 顔 🙂",
        "empty": "",
        "json": "{\"mean\": [0.5, 0.5, 0.5]}",
    ]
    try SafeTensorsFile.write(["w": Tensor(shape: [1], data: [2])], metadata: metadata, to: url)
    #expect(try SafeTensorsFile(contentsOf: url).metadata == metadata)
}

@Test func mixedDTypesAreAlignedAndDeterministic() throws {
    let folder = try TemporaryFolder()
    let first = try folder.file("a.safetensors")
    let second = try folder.file("b.safetensors")
    let payloads: [String: SafeTensorsPayload] = [
        "u": .bytes(shape: [3], [1, 2, 3]),
        "h": .tensor(Tensor(shape: [3], data: [1, 2, 3]), .f16),
        "f": .tensor(Tensor(shape: [1], data: [4]), .f32),
        "g": .tensor(Tensor(shape: [2], data: [5, 6]), .f32),
    ]
    try SafeTensorsFile.write(payloads, metadata: ["k": "v"], to: first)
    try SafeTensorsFile.write(payloads, metadata: ["k": "v"], to: second)
    #expect(try Data(contentsOf: first) == Data(contentsOf: second))

    let file = try SafeTensorsFile(contentsOf: first)
    let headerLength = try Data(contentsOf: first).prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
    #expect((8 + headerLength) % 8 == 0)
    for name in file.names {
        let entry = try file.entry(named: name)
        #expect(entry.dataOffsets.lowerBound % entry.dtype.byteSize == 0, "\(name) misaligned")
    }
    // Larger elements first, then by name.
    #expect(try ["f", "g", "h", "u"].map { try file.entry(named: $0).dataOffsets.lowerBound } == [0, 4, 12, 18])
}

@Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("model.safetensors")
    try SafeTensorsFile.write(["w": Tensor(shape: [1], data: [1])], to: url)
    try SafeTensorsFile.write(["v": Tensor(shape: [2], data: [2, 3])], to: url)
    #expect(try SafeTensorsFile(contentsOf: url).names == ["v"])
    #expect(try folder.contents() == ["model.safetensors"])
}

@Test func failedWriteLeavesNoFileBehind() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("mask.safetensors")
    do {
        try SafeTensorsFile.write(["mask": Tensor(shape: [3], data: [0, 0.5, 1])], dtype: .u8, to: url)
        Issue.record("0.5 was written as U8")
    } catch {
        #expect(error.code == .valueNotRepresentable)
        #expect(error.tensorName == "mask")
        #expect(error.message.contains("element 1 is 0.5"))
    }
    #expect(try folder.contents() == [])

    try SafeTensorsFile.write(["w": Tensor(shape: [1], data: [1])], to: url)
    let before = try Data(contentsOf: url)
    #expect(throws: CheckpointError.self) {
        try SafeTensorsFile.write(["w": Tensor(shape: [1], data: [300])], dtype: .u8, to: url)
    }
    #expect(try Data(contentsOf: url) == before)
    #expect(try folder.contents() == ["mask.safetensors"])
}

@Test(arguments: [Float(-1), 256, 1.5, .nan, .infinity])
func u8RejectsValuesOutsideWholeBytes(_ value: Float) throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("u8.safetensors")
    do {
        try SafeTensorsFile.write(["x": Tensor(shape: [1], data: [value])], dtype: .u8, to: url)
        Issue.record("\(value) was written as U8")
    } catch {
        #expect(error.code == .valueNotRepresentable)
    }
}

@Test func writeErrorsNameTheFile() throws {
    let folder = try TemporaryFolder()
    let nowhere = folder.url.appendingPathComponent("missing-folder/model.safetensors")
    do {
        try SafeTensorsFile.write(["w": Tensor(shape: [1], data: [1])], to: nowhere)
        Issue.record("wrote into a missing folder")
    } catch {
        #expect(error.code == .writeFailed)
        #expect(error.message.contains(nowhere.path))
    }

    let url = try folder.file("m.safetensors")
    do {
        try SafeTensorsFile.write(["__metadata__": Tensor(shape: [1], data: [1])], to: url)
        Issue.record("wrote a tensor named __metadata__")
    } catch {
        #expect(error.code == .invalidTensorName)
    }
    do {
        try SafeTensorsFile.write(["b": .bytes(shape: [2, 2], [1, 2, 3])], to: url)
        Issue.record("wrote 3 bytes as shape [2, 2]")
    } catch {
        #expect(error.code == .sizeMismatch)
        #expect(error.tensorName == "b")
    }
    #expect(try folder.contents() == [])
}

@Test func emptyFileOfNoTensorsRoundTrips() throws {
    let folder = try TemporaryFolder()
    let url = try folder.file("none.safetensors")
    try SafeTensorsFile.write([String: Tensor](), metadata: ["only": "metadata"], to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(file.names.isEmpty)
    #expect(file.metadata == ["only": "metadata"])
}
