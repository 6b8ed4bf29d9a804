import Testing
@testable import Faces

/// Synthetic box sequences: the tracker sees detections only, no pixels.
struct TrackerTests {
    func det(_ x: Double, _ y: Double, _ s: Double = 50) -> Detection {
        Detection(box: FaceBox(x: x, y: y, width: s, height: s), neighbors: 10)
    }

    /// Runs the tracker over per-frame detections (nil: detection skipped) and returns
    /// track id → frames it covers.
    func run(_ frames: [[Detection]?], cuts: Set<Int> = [], settings: FaceTracker.Settings = .init()) -> (tracks: [Int: [Int]], boxes: [TrackedBox]) {
        let tracker = FaceTracker(settings: settings)
        var finished: [FaceTracker.FinishedFrame] = []
        for (i, d) in frames.enumerated() {
            finished += tracker.update(frameIndex: i, time: Double(i) / 25, detections: d, shotChange: cuts.contains(i))
        }
        finished += tracker.finish()
        #expect(finished.map(\.frameIndex) == Array(frames.indices), "every frame is handed back once, in order")
        var tracks: [Int: [Int]] = [:]
        let boxes = finished.flatMap(\.boxes)
        for b in boxes { tracks[b.trackID, default: []].append(b.frameIndex) }
        return (tracks, boxes)
    }

    @Test func twoFacesCrossingKeepTheirIDs() {
        // Face A moves right, face B moves left; they cross around frame 10 at different heights.
        let frames: [[Detection]?] = (0..<21).map { i in
            [det(100 + Double(i) * 10, 100), det(300 - Double(i) * 10, 140)]
        }
        let (tracks, boxes) = run(frames)
        #expect(tracks.count == 2)
        #expect(tracks[0] == Array(0..<21))
        #expect(tracks[1] == Array(0..<21))
        // Track 0 started on the left and ends on the right.
        let zero = boxes.filter { $0.trackID == 0 }
        #expect(zero.first!.box.centerX < zero.last!.box.centerX)
        #expect(zero.allSatisfy { abs($0.box.centerY - 125) < 1 })
    }

    @Test func aShortGapIsBridgedByInterpolation() {
        var frames: [[Detection]?] = (0..<10).map { i in [det(100 + Double(i) * 4, 100)] }
        frames[4] = []
        frames[5] = []
        let (tracks, boxes) = run(frames, settings: .init(smoothing: 1))
        #expect(tracks.count == 1)
        #expect(tracks[0] == Array(0..<10))
        let bridged = boxes.filter { $0.origin == .interpolated }.map(\.frameIndex)
        #expect(bridged == [4, 5])
        let at4 = boxes.first { $0.frameIndex == 4 }!
        #expect(abs(at4.box.x - 116) < 1e-9, "linear between frame 3 (x 112) and frame 6 (x 124)")
    }

    @Test func aFaceThatLeavesAndComesBackLaterGetsANewTrack() {
        var frames: [[Detection]?] = (0..<20).map { _ in [det(100, 100)] }
        for i in 6..<14 { frames[i] = [] }
        let (tracks, _) = run(frames, settings: .init(maxGap: 3))
        #expect(tracks.count == 2)
        #expect(tracks[0] == Array(0..<6))
        #expect(tracks[1] == Array(14..<20))
    }

    @Test func skippedDetectionsAreCarriedBetweenDetections() {
        // Detect on every third frame only: the frames between get interpolated boxes.
        let frames: [[Detection]?] = (0..<10).map { i in i % 3 == 0 ? [det(100 + Double(i) * 3, 100)] : nil }
        let (tracks, boxes) = run(frames, settings: .init(smoothing: 1))
        #expect(tracks[0] == Array(0..<10).filter { $0 <= 9 })
        #expect(boxes.filter { $0.origin == .detected }.map(\.frameIndex) == [0, 3, 6, 9])
    }

    @Test func aShotChangeEndsEveryTrack() {
        let frames: [[Detection]?] = (0..<10).map { _ in [det(100, 100), det(300, 100)] }
        let (tracks, _) = run(frames, cuts: [5])
        #expect(tracks.count == 4)
        #expect(tracks[0] == Array(0..<5))
        #expect(tracks[1] == Array(0..<5))
        #expect(tracks[2] == Array(5..<10))
        #expect(tracks[3] == Array(5..<10))
    }

    @Test func outputLagsOnlyWhileATrackIsCoasting() {
        let tracker = FaceTracker(settings: .init(maxGap: 3))
        #expect(tracker.update(frameIndex: 0, time: 0, detections: [det(10, 10)]).map(\.frameIndex) == [0])
        #expect(tracker.update(frameIndex: 1, time: 0, detections: []).isEmpty, "held: the face may come back")
        #expect(tracker.update(frameIndex: 2, time: 0, detections: [det(11, 10)]).map(\.frameIndex) == [1, 2])
    }
}

@Suite struct TrackerShapeTests {
    /// Keypoints and landmarks ride with the boxes: a detected frame keeps its own, a skipped
    /// frame between two detections gets them mixed, and open tracks offer their last shape.
    @Test func shapesFollowTheTrack() {
        let tracker = FaceTracker()
        func detection(_ x: Double, _ k: Float) -> Detection {
            Detection(box: FaceBox(x: x, y: 10, width: 50, height: 50), neighbors: 0,
                      shape: FaceShape(keypoints: Array(repeating: SIMD2(k, k), count: 6), landmarks: [SIMD3(k, k, k)], presence: 0.9))
        }
        var done = tracker.update(frameIndex: 0, time: 0, detections: [detection(10, 0)])
        #expect(tracker.openTracks.first?.shape?.keypoints.first == SIMD2(0, 0))
        done += tracker.update(frameIndex: 1, time: 0.1, detections: nil)
        done += tracker.update(frameIndex: 2, time: 0.2, detections: [detection(14, 10)])
        #expect(tracker.openTracks.first?.shape?.keypoints.first == SIMD2(10, 10))
        done += tracker.finish()
        let boxes = done.flatMap(\.boxes).sorted { $0.frameIndex < $1.frameIndex }
        #expect(boxes.map(\.origin) == [.detected, .interpolated, .detected])
        #expect(boxes[0].shape?.keypoints.first == SIMD2(0, 0))
        #expect(boxes[1].shape?.keypoints.first == SIMD2(5, 5))
        #expect(boxes[1].shape?.landmarks.first == SIMD3(5, 5, 5))
        #expect(boxes[2].shape?.presence == 0.9)
    }
}
