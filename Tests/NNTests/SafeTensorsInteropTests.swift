import Foundation
import NN
import Testing

/// `fixtures/golden/safetensors_interop.safetensors`, written by PyTorch's `safetensors` package.
private let interopFixture = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/golden/safetensors_interop.safetensors")

private let regenerateHint = "re-run `python tools/golden/safetensors_interop.py` (make peers first)"

@Test func fileWrittenByPythonSafetensorsLoads() throws {
    let file = try SafeTensorsFile(contentsOf: interopFixture)
    #expect(file.metadata["format_version"] == "1", "Fixture format changed: \(regenerateHint)")
    #expect(file.metadata["generator"] == "tools/golden/safetensors_interop.py")
    #expect(file.metadata["note"] == "unicode ✓ and \"quotes\"")
    #expect(file.metadata["torch_version"] != nil)
    #expect(file.names == ["bf16", "empty", "f16", "f32", "scalar", "u8"])

    let f32 = try file.tensor(named: "f32")
    #expect(f32.shape == [2, 3])
    #expect(f32.data == [0, 1, -2.5, 3.25, 1e-3, 123456.789])
    #expect(try file.entry(named: "f32").dtype == .f32)

    let f16 = try file.tensor(named: "f16")
    #expect(try file.entry(named: "f16").dtype == .f16)
    #expect(f16.shape == [12])
    let expectedHalves: [Float] = [
        0, -0.0, 1, -2, 0.333251953125, 65504, 0x1p-24, 1023 * 0x1p-24, 0x1p-14, .infinity, -.infinity,
    ]
    #expect(Array(f16.data.prefix(11)).map(\.bitPattern) == expectedHalves.map(\.bitPattern))
    #expect(f16.data[11].isNaN)

    let bf16 = try file.tensor(named: "bf16")
    #expect(try file.entry(named: "bf16").dtype == .bf16)
    #expect(bf16.shape == [2, 3])
    #expect(bf16.data == [1, -3, 0.15625, 0x1p100, -0x1p-100, 0.333984375])

    let u8 = try file.tensor(named: "u8")
    #expect(try file.entry(named: "u8").dtype == .u8)
    #expect(u8.shape == [2, 2, 3])
    #expect(u8.data == [0, 1, 2, 127, 128, 129, 200, 253, 254, 255, 17, 42])
    #expect(try file.bytes(named: "u8") == [0, 1, 2, 127, 128, 129, 200, 253, 254, 255, 17, 42])

    let scalar = try file.tensor(named: "scalar")
    #expect(scalar.shape == [])
    #expect(scalar.data == [42.5])

    let empty = try file.tensor(named: "empty")
    #expect(empty.shape == [0, 3])
    #expect(empty.data.isEmpty)
}

@Test func pythonFileRewrittenBySwiftKeepsEveryValue() throws {
    let python = try SafeTensorsFile(contentsOf: interopFixture)
    let folder = try TemporaryFolder()
    let url = try folder.file("rewritten.safetensors")
    var payloads: [String: SafeTensorsPayload] = [:]
    for name in python.names {
        let entry = try python.entry(named: name)
        payloads[name] = entry.dtype == .u8
            ? .bytes(shape: entry.shape, try python.bytes(named: name))
            : .tensor(try python.tensor(named: name), entry.dtype)
    }
    try SafeTensorsFile.write(payloads, metadata: python.metadata, to: url)
    let swift = try SafeTensorsFile(contentsOf: url)
    #expect(swift.metadata == python.metadata)
    #expect(swift.names == python.names)
    for name in python.names {
        #expect(try swift.entry(named: name).dtype == python.entry(named: name).dtype)
        #expect(try swift.bytes(named: name) == python.bytes(named: name), "\(name)")
    }
}
