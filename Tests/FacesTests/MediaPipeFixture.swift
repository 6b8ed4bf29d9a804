import Foundation
import Media
@testable import Faces

/// What MediaPipe 0.10.14's own calculators output for synthetic inputs
/// (tools/faces/mediapipe_geometry.py → fixtures/faces/mediapipe-geometry.json). Float arrays are
/// stored as base64 of little-endian float32 bytes, so they compare exactly.
struct MediaPipeFixture: Decodable {
    struct Anchors: Decodable {
        var count: Int
        var indices: [Int]
        var values: String
    }

    struct TensorCase: Decodable {
        var name: String
        var roi: [Float]?
        var width: Int
        var height: Int
        var min: Float
        var max: Float
        var keepAspectRatio: Bool
        var border: String
        var bytes: String
    }

    struct ImageSpec: Decodable {
        var pattern: String
        var width: Int
        var height: Int
    }

    struct TensorCases: Decodable {
        var image: ImageSpec
        var cases: [TensorCase]
    }

    struct Detections: Decodable {
        var count: Int
        var rows: String
    }

    struct DetectionCase: Decodable {
        var image: ImageSpec
        var inputSum: Int
        var inputFNV1a: String
        var minScoreThreshold: Float
        var anchorIndices: [Int]
        var regressors: String
        var logits: String
        var decoded: Detections
        var suppressed: Detections
        var projected: Detections
    }

    struct DetectionROI: Decodable {
        var box: [Float]
        var keypoints: [[Float]]
        var roi: [Float]
    }

    struct LandmarkROI: Decodable {
        var landmarks: String
        var roi: [Float]
    }

    struct ROICases: Decodable {
        var frameWidth: Int
        var frameHeight: Int
        var fromDetection: [DetectionROI]
        var fromLandmarks: [LandmarkROI]
    }

    struct Projection: Decodable {
        var frameWidth: Int
        var frameHeight: Int
        var rect: [Float]
        var output: String
        var projected: String
    }

    var mediapipe: String
    var anchors: [String: Anchors]
    var imageToTensor: TensorCases
    var detection: DetectionCase
    var roi: ROICases
    var landmarkProjection: Projection

    static func load() throws -> MediaPipeFixture {
        let url = TestPaths.fixtures.appendingPathComponent("mediapipe-geometry.json")
        return try JSONDecoder().decode(MediaPipeFixture.self, from: Data(contentsOf: url))
    }

    /// Float32 values from base64 of their little-endian bytes.
    static func floats(_ base64: String) -> [Float] {
        let bytes = [UInt8](Data(base64Encoded: base64)!)
        var values: [Float] = []
        for i in stride(from: 0, to: bytes.count, by: 4) {
            var bits = UInt32(bytes[i + 3])
            for k in (0..<3).reversed() { bits = bits << 8 | UInt32(bytes[i + k]) }
            values.append(Float(bitPattern: bits))
        }
        return values
    }

    /// Detections from rows of score, box, then keypoint x, y.
    static func detections(_ packed: Detections) -> [FaceDetection] {
        let values = floats(packed.rows)
        guard packed.count > 0 else { return [] }
        let row = values.count / packed.count
        return (0..<packed.count).map { i in
            let r = Array(values[i * row..<(i + 1) * row])
            return FaceDetection(
                box: NormalizedBox(xmin: r[1], ymin: r[2], width: r[3], height: r[4]),
                keypoints: stride(from: 5, to: row, by: 2).map { SIMD2(r[$0], r[$0 + 1]) }, score: r[0])
        }
    }
}

/// The synthetic images of tools/faces/mediapipe_geometry.py.
enum SyntheticImages {
    /// R = (37x + 11y) % 256, G = (x² + 3y² + 17) % 256, B = (5xy + 29) % 256.
    static func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8((37 * x + 11 * y) % 256)
                pixels[i + 1] = UInt8((x * x + 3 * y * y + 17) % 256)
                pixels[i + 2] = UInt8((5 * x * y + 29) % 256)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// R = 255x / W, G = 255y / H, B = 7(x ^ y) % 256, with a (220, 180, 150) disc of radius 30
    /// at (80, 45).
    static func picture(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let disc = (x - 80) * (x - 80) + (y - 45) * (y - 45) < 900
                pixels[i] = disc ? 220 : UInt8(x * 255 / width)
                pixels[i + 1] = disc ? 180 : UInt8(y * 255 / height)
                pixels[i + 2] = disc ? 150 : UInt8(((x ^ y) * 7) % 256)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func named(_ spec: MediaPipeFixture.ImageSpec) -> RGBImage {
        spec.pattern == "picture"
            ? picture(width: spec.width, height: spec.height) : pattern(width: spec.width, height: spec.height)
    }
}
