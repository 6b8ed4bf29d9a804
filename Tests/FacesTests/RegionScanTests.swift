import Foundation
import Media
import Testing

@testable import Faces

/// Scanning near known faces (between full scans on consecutive frames).
@Suite struct RegionScanTests {
    static func astronaut() throws -> GrayImage {
        GrayImage(try ImageFile.read(TestPaths.sharedData.appendingPathComponent("scikit-image/astronaut.png").path))
    }

    @Test(.enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent))
    func scanNearAFaceFindsTheFullScansBoxAndNothingElsewhere() throws {
        let gray = try Self.astronaut()
        let detector = FaceDetector(frontal: try Cascade.named(CascadeLocator.defaultName))
        let full = detector.detect(in: gray)
        #expect(full.count == 1, "astronaut.png has one face: \(full)")
        let face = try #require(full.first).box
        // Near a slightly shifted box (a track's prediction), the region scan finds the same face.
        let predicted = FaceBox(x: face.x + 0.1 * face.width, y: face.y - 0.05 * face.height, width: face.width * 1.1, height: face.height * 1.1)
        let near = detector.detect(in: gray, near: [predicted])
        #expect(near.count == 1)
        #expect((near.first?.box.iou(face) ?? 0) >= 0.9, "\(near) vs \(face)")
        // Far from any face there is nothing to find, and a box off the image is ignored.
        let empty = FaceBox(x: 400, y: 380, width: face.width, height: face.height)
        #expect(detector.detect(in: gray, near: [empty]).isEmpty)
        #expect(detector.detect(in: gray, near: [FaceBox(x: -900, y: -900, width: 100, height: 100)]).isEmpty)
    }

    @Test(.enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent))
    func samplesFarApartAreAlwaysScannedWhole() throws {
        let gray = try Self.astronaut()
        let rgb = RGBImage(width: gray.width, height: gray.height, pixels: gray.pixels.flatMap { [$0, $0, $0] })
        let detector = FaceDetector(frontal: try Cascade.named(CascadeLocator.defaultName))
        func scans(times: [Double]) -> (full: Int, near: Int, faces: Int) {
            let finder = VideoFaceFinder(detector: detector, settings: .tracking(detectEvery: 3))
            var frames: [FaceTracker.FinishedFrame] = []
            for (i, time) in times.enumerated() {
                frames += finder.process(frameIndex: i, time: time, preview: rgb, image: rgb)
            }
            frames += finder.finish()
            return (finder.detectedFrames, finder.confirmedFrames, frames.map { $0.boxes.count }.reduce(0, +))
        }
        // 0.1 s apart: a whole-frame scan on every third sample, near the face between.
        let close = scans(times: (0..<7).map { Double($0) * 0.1 })
        #expect(close.full == 3 && close.near == 4 && close.faces == 7)
        // Over VideoFaceFinder.trackingGap apart: every sample scanned whole.
        let far = scans(times: (0..<7).map { Double($0) * (VideoFaceFinder.trackingGap + 0.01) })
        #expect(far.full == 7 && far.near == 0 && far.faces == 7)
    }

    @Test func clippedRegionCopiesTheInsideOnly() {
        let image = GrayImage(width: 4, height: 3, pixels: Array(0..<12))
        let region = image.clippedRegion(x: -1, y: 1, width: 3, height: 5)
        #expect(region?.x == 0 && region?.y == 1)
        #expect(region?.image.width == 2 && region?.image.height == 2)
        #expect(region?.image.pixels == [4, 5, 8, 9])
        #expect(image.clippedRegion(x: 5, y: 0, width: 2, height: 2) == nil)
    }

    /// A face first found by a full scan is not held back onto frames a full scan saw without it.
    @Test func newFaceIsHeldBackToTheLastFullScan() {
        let tracker = FaceTracker()
        let a = Detection(box: FaceBox(x: 10, y: 10, width: 50, height: 50), neighbors: 9)
        let b = Detection(box: FaceBox(x: 200, y: 10, width: 50, height: 50), neighbors: 9)
        var frames: [FaceTracker.FinishedFrame] = []
        frames += tracker.update(frameIndex: 0, time: 0, detections: [a])
        frames += tracker.update(frameIndex: 1, time: 0.04, detections: [a], fullScan: false)
        frames += tracker.update(frameIndex: 2, time: 0.08, detections: [a], fullScan: false)
        frames += tracker.update(frameIndex: 3, time: 0.12, detections: [a])
        frames += tracker.update(frameIndex: 4, time: 0.16, detections: [a, b])
        frames += tracker.update(frameIndex: 5, time: 0.2, detections: [a, b], fullScan: false)
        frames += tracker.update(frameIndex: 6, time: 0.24, detections: [a, b])
        frames += tracker.finish()
        func hasB(_ index: Int) -> Bool { frames.first { $0.frameIndex == index }!.boxes.contains { $0.box.x > 150 } }
        // b first appears at the full scan of frame 4; the previous full scan was frame 3, so
        // nothing is held back (frame 3 saw the whole frame without b).
        #expect(!hasB(3) && hasB(4))
    }
}
