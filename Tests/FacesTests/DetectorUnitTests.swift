import Foundation
import Media
import Testing
@testable import Faces

struct DetectorUnitTests {
    @Test func integralImagesMatchDirectSums() {
        let w = 7, h = 5
        let pixels = (0..<(w * h)).map { UInt8(($0 * 37 + 11) % 256) }
        let stride = w + 3
        var sum = [Int32](repeating: -1, count: stride * (h + 1))
        var sq = sum, tilted = sum
        pixels.withUnsafeBufferPointer { p in
            sum.withUnsafeMutableBufferPointer { s in
                sq.withUnsafeMutableBufferPointer { q in
                    IntegralImage.compute(p.baseAddress!, width: w, height: h, stride: stride, sum: s.baseAddress!, squareSum: q.baseAddress!)
                }
            }
            tilted.withUnsafeMutableBufferPointer { t in
                IntegralImage.computeTilted(p.baseAddress!, width: w, height: h, stride: stride, into: t.baseAddress!)
            }
        }
        for Y in 0...h {
            for X in 0...w {
                var s = 0, q = 0, t = 0
                for y in 0..<h {
                    for x in 0..<w {
                        let v = Int(pixels[y * w + x])
                        if x < X && y < Y { s += v; q += v * v }
                        // OpenCV: tilted(X, Y) = Σ_{y < Y, |x − X + 1| ≤ Y − y − 1} I(x, y)
                        if y < Y && abs(x - X + 1) <= Y - y - 1 { t += v }
                    }
                }
                #expect(Int(sum[Y * stride + X]) == s)
                #expect(Int(sq[Y * stride + X]) == q)
                #expect(Int(tilted[Y * stride + X]) == t, "tilted at (\(X), \(Y))")
            }
        }
    }

    @Test func groupingAveragesClustersAndDropsThinOnes() {
        let a = (0..<6).map { IntRect(x: 100 + $0, y: 100, width: 50, height: 50) }
        let b = (0..<2).map { IntRect(x: 300, y: 300 + $0, width: 40, height: 40) }
        let grouped = RectangleGrouping.group(a + b, threshold: 3)
        #expect(grouped.count == 1)
        #expect(grouped[0].rect == IntRect(x: 102, y: 100, width: 50, height: 50), "mean of 100…105 is 102.5, rounded to even")
        #expect(grouped[0].neighbors == 6)
        // A small cluster inside a bigger, better-supported one is dropped.
        let inner = (0..<4).map { _ in IntRect(x: 110, y: 110, width: 20, height: 20) }
        #expect(RectangleGrouping.group(a + inner, threshold: 3).count == 1)
    }

    @Test(.enabled(if: TestPaths.hasCascades, TestPaths.cascadesAbsent)) func scalesFollowOpenCVsRounding() throws {
        let path = try TestPaths.cascade("haarcascade_frontalface_default")
        let detector = CascadeDetector(cascade: try Cascade.load(path: path))
        let scales = detector.scales(width: 640, height: 360, settings: DetectionSettings(minSize: 40))
        // 24·1.1^k rounds to ≥ 40 first at k = 6 (42.5) and stays ≤ 360 rows up to k = 28 (356.9).
        #expect(abs(Double(scales[0]) - pow(1.1, 6)) < 1e-5)
        #expect(scales.count == 23)
        #expect(24 * Double(scales.last!) <= 360)
    }

    @Test func bilinearResizeKeepsFlatImagesFlatAndEdgesInRange() {
        let flat = GrayImage(width: 50, height: 40, pixels: Array(repeating: 77, count: 2000))
        #expect(flat.resizedBilinear(width: 23, height: 17).pixels.allSatisfy { $0 == 77 })
        #expect(flat.resizedBilinear(width: 120, height: 90).pixels.allSatisfy { $0 == 77 })
        let ramp = GrayImage(width: 64, height: 1, pixels: (0..<64).map { UInt8($0 * 4) })
        let half = ramp.resizedBilinear(width: 32, height: 1)
        let expected: [UInt8] = (0..<32).map { UInt8($0 * 8 + 2) }
        #expect(half.pixels == expected, "samples fall between source pixel pairs")
    }

    @Test func grayConversionUsesOpenCVsFixedPointWeights() {
        let image = RGBImage(width: 3, height: 1, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255])
        #expect(GrayImage(image).pixels == [76, 150, 29])
    }

    @Test(.enabled(if: TestPaths.hasCascades, TestPaths.cascadesAbsent)) func aBlankFrameHasNoFaces() throws {
        let path = try TestPaths.cascade("haarcascade_frontalface_default")
        let detector = CascadeDetector(cascade: try Cascade.load(path: path))
        #expect(detector.detect(in: RGBImage(width: 200, height: 150, fill: (120, 120, 120))).isEmpty)
    }
}

/// The scan evaluates a stump cascade's first stage for eight windows at once; every window must
/// come out exactly as when evaluated alone (same candidates, in the same order).
@Test(.enabled(if: TestPaths.hasCascades, TestPaths.cascadesAbsent), .enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent),
      arguments: ["haarcascade_frontalface_default", "haarcascade_frontalface_alt", "haarcascade_profileface"])
func eightWindowFirstStageGivesTheSameCandidatesAsOneAtATime(name: String) throws {
    let path = try TestPaths.cascade(name)
    let data = TestPaths.sharedData
    let detector = CascadeDetector(cascade: try Cascade.load(path: path))
    let folder = data.appendingPathComponent("face_recognition/images")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
    var images = try names.prefix(6).map { GrayImage(try ImageFile.read(folder.appendingPathComponent($0).path)) }
    // Noise, and flat areas beside edges, for windows too flat to normalise.
    var random = UInt64(7)
    images.append(GrayImage(width: 203, height: 157, pixels: (0..<(203 * 157)).map { _ in
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: random >> 56)
    }))
    images.append(GrayImage(width: 120, height: 97, pixels: (0..<(120 * 97)).map { $0 % 120 < 60 ? 30 : 220 }))
    var total = 0
    for (i, image) in images.enumerated() {
        for settings in [DetectionSettings(minSize: 24), DetectionSettings(scaleFactor: 1.25, minSize: 30, threads: 1)] {
            let eight = detector.candidates(in: image, settings: settings)
            let alone = detector.candidates(in: image, settings: settings, vectorized: false)
            #expect(eight == alone, "image \(i) (\(image.width)×\(image.height)), \(name)")
            total += alone.count
        }
    }
    #expect(total > 20, "the portraits give windows that pass every stage")
}
