import DetectorTraining
import Foundation
import Media
import NN

/// A face drawn from FaceMesh's index groups alone, so the mask tests need no model and no data:
/// the 36 oval points on an ellipse in the oval's own order (index 10 at the top, the chin 152 at
/// the bottom), eyebrows, eyes, nose and lips where a frontal face has them, and every other
/// landmark scattered inside the face.
enum SyntheticFace {
    static let width = 200, height = 240
    /// The oval's centre and radii.
    static let centre = SIMD2<Float>(100, 115), radii = SIMD2<Float>(70, 95)

    static let landmarks: [SIMD3<Float>] = {
        var random = SeededGenerator(seed: 468)
        var points = [SIMD3<Float>](repeating: .zero, count: 468)
        for i in points.indices {
            // Inside an ellipse of 0.75 the oval's radii.
            let angle = Float(2 * Double.pi * random.nextUniform()), r = Float(random.nextUniform()).squareRoot() * 0.75
            points[i] = SIMD3(centre.x + radii.x * r * cos(angle), centre.y + radii.y * r * sin(angle), 0)
        }
        for (j, index) in FaceMeshRegions.faceOval.enumerated() {
            let angle = -Float.pi / 2 + 2 * Float.pi * Float(j) / Float(FaceMeshRegions.faceOval.count)
            points[index] = SIMD3(centre.x + radii.x * cos(angle), centre.y + radii.y * sin(angle), 0)
        }
        func ring(_ indices: [Int], centre c: SIMD2<Float>, radii r: SIMD2<Float>) {
            for (j, index) in indices.enumerated() {
                let angle = 2 * Float.pi * Float(j) / Float(indices.count)
                points[index] = SIMD3(c.x + r.x * cos(angle), c.y + r.y * sin(angle), 0)
            }
        }
        func arc(_ indices: [Int], from a: SIMD2<Float>, to b: SIMD2<Float>, lift: Float) {
            for (j, index) in indices.enumerated() {
                let t = Float(j) / Float(indices.count - 1)
                points[index] = SIMD3(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y) - lift * 4 * t * (1 - t), 0)
            }
        }
        ring(FaceMeshRegions.rightEye, centre: SIMD2(72, 100), radii: SIMD2(12, 5))
        ring(FaceMeshRegions.leftEye, centre: SIMD2(128, 100), radii: SIMD2(12, 5))
        arc(FaceMeshRegions.rightEyebrow, from: SIMD2(55, 86), to: SIMD2(90, 84), lift: 6)
        arc(FaceMeshRegions.leftEyebrow, from: SIMD2(110, 84), to: SIMD2(145, 86), lift: 6)
        arc(FaceMeshRegions.nose, from: SIMD2(100, 100), to: SIMD2(100, 140), lift: 0)
        ring(FaceMeshRegions.lips, centre: SIMD2(100, 160), radii: SIMD2(22, 8))
        return points
    }()

    /// A textured picture for the face to be blended in: smooth gradients plus seeded grain, so
    /// that every colour and detail change shows.
    static let image: RGBImage = {
        var random = SeededGenerator(seed: 2022)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let grain = Int(random.next() % 41) - 20
                pixels[i] = UInt8(clamping: 60 + x * 150 / width + grain)
                pixels[i + 1] = UInt8(clamping: 90 + y * 100 / height + grain)
                pixels[i + 2] = UInt8(clamping: 120 + (x + y) % 64 + grain)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }()
}
