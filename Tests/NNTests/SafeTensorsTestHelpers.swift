import Foundation
import NN

/// A fresh folder under the system's temporary directory, removed when the test's scope ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A path in the folder; the file is written only if `bytes` is given.
    func file(_ name: String, bytes: [UInt8]? = nil) throws -> URL {
        let file = url.appendingPathComponent(name)
        if let bytes {
            try Data(bytes).write(to: file)
        }
        return file
    }

    /// The names of the files in the folder, sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// Builds safetensors bytes by hand: the 8-byte little-endian `headerLength` (by default the
/// header's own length), the header's UTF-8, then `buffer`.
func safetensorsBytes(header: String, buffer: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    safetensorsBytes(headerBytes: Array(header.utf8), buffer: buffer, headerLength: headerLength)
}

func safetensorsBytes(headerBytes: [UInt8], buffer: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let length = headerLength ?? UInt64(headerBytes.count)
    var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> UInt64(8 * $0)) }
    bytes += headerBytes
    bytes += buffer
    return bytes
}

/// SplitMix64: a small seeded generator so fuzz and random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
