import Foundation
import Testing

@testable import Media

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(text: String, digest: String) {
        #expect(SHA256.hash(Data(text.utf8)) == digest)
    }

    @Test func streamingInOddPiecesEqualsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        var hasher = SHA256()
        var offset = 0
        for piece in [1, 63, 64, 65, 7, 300, 500] where offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            hasher.update(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(hasher.finalize() == SHA256.hash(Data(bytes)))
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let path = Paths.fixture("h264_aac.mp4")
        let output = String(decoding: try run("sha256sum", [path]), as: UTF8.self)
        #expect(try SHA256.hash(file: path) == String(output.prefix(64)))
    }
}

@Suite struct ResizeTests {
    @Test func halvingAveragesEachTwoByTwoBlock() {
        let image = RGBImage(width: 4, height: 2, pixels: (0..<24).map { UInt8($0 * 10) })
        let half = image.resized(width: 2, height: 1)
        // Pixel 0 averages source pixels (0,0),(1,0),(0,1),(1,1): red = (0+30+120+150)/4 = 75.
        #expect(half[0, 0] == (75, 85, 95))
        #expect(half[1, 0] == (135, 145, 155))
    }

    @Test func enlargingInterpolatesBilinearlyWithCentresAligned() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 200, 100, 40])
        let wide = image.resized(width: 4, height: 1)
        // Output centres map to source x = -0.25, 0.25, 0.75, 1.25 (clamped to 0 and 1).
        #expect(wide.pixels == [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40])
    }

    @Test func cropsReplicateEdgesOutsideTheFrame() {
        let image = RGBImage(width: 2, height: 2, pixels: [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        let crop = image.cropped(x: -1, y: 1, width: 4, height: 2)
        #expect(crop.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [3, 3, 4, 4, 3, 3, 4, 4])
        #expect(image.centerSquare() == image)
    }
}
