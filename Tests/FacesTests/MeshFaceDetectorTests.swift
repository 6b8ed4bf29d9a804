import Foundation
import Media
import NN
import Testing
import TestSupport

@testable import Faces

/// The CNN face pipeline (BlazeFace + FaceMesh from MediaPipe's files) on real and synthetic frames.
@Suite("MeshFaceDetector", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
struct MeshFaceDetectorTests {
    static let files = FaceModelFiles(directory: MediaPipeModels.directory.path)
    static let sharedData = TestPaths.sharedData

    /// Frames `indices` of a video, upright RGB.
    static func frames(_ path: String, _ indices: [Int]) throws -> [Int: RGBImage] {
        let reader = try VideoReader(path: path)
        var out: [Int: RGBImage] = [:]
        let frames = try reader.frames(.all)
        while let frame = try frames.next() {
            if indices.contains(frame.index) { out[frame.index] = frame.image }
            if frame.index >= indices.max()! { break }
        }
        return out
    }

    @Test("a talking head: one face, keypoints in place, landmarks on it, and tracked from them", .enabled(if: TestPaths.hasCascades, TestPaths.cascadesAbsent),
          .enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent))
    func talkingHead() throws {
        let path = Self.sharedData.appendingPathComponent("liveportrait/videos/driving_d13.mp4").path
        let images = try Self.frames(path, [0, 1, 30])
        let detector = try MeshFaceDetector(files: Self.files)
        let found = detector.detect(in: images[0]!)
        #expect(found.count == 1)
        let face = try #require(found.first)
        let shape = try #require(face.shape)
        #expect(shape.landmarks.count == 468)
        #expect((shape.presence ?? 0) > 0.9)
        #expect((shape.detectionScore ?? 0) > 0.6)
        let k = shape.keypoints
        #expect(k.count == 6)
        // The person's right eye is on the image's left; the nose lies between the eyes and
        // below them; the mouth below the nose; the ear points outside the eyes.
        #expect(k[0].x < k[1].x)
        #expect(k[2].x > k[0].x && k[2].x < k[1].x && k[2].y > (k[0].y + k[1].y) / 2)
        #expect(k[3].y > k[2].y)
        #expect(k[4].x < k[0].x && k[5].x > k[1].x)
        // Every landmark lies near the box (the box is fitted to the cascade's, which is a little
        // smaller than the face's outline).
        let b = face.box
        #expect(shape.landmarks.allSatisfy {
            Double($0.x) > b.x - 0.3 * b.width && Double($0.x) < b.x + 1.3 * b.width
                && Double($0.y) > b.y - 0.3 * b.height && Double($0.y) < b.y + 1.3 * b.height
        })
        // The cascade frames the same face: boxes overlap well.
        do {
            let cascade = try TestPaths.cascade("haarcascade_frontalface_default")
            let haar = FaceDetector(frontal: try Cascade.load(path: cascade)).detect(in: images[0]!)
            #expect(haar.contains { $0.box.iou(face.box) > 0.6 }, "cascade \(haar.map(\.box)), mesh \(face.box)")
        }
        // Next frame: found again from the landmarks alone, about where it was.
        let tracked = detector.detect(in: images[1]!, near: [face])
        #expect(tracked.count == 1)
        #expect((tracked.first?.box.iou(face.box) ?? 0) > 0.85)
        #expect(tracked.first?.shape?.detectionScore == nil)
        // A box without landmarks (from the cascade, say) is followed too.
        let fromBox = detector.detect(in: images[30]!, near: [Detection(box: face.box, neighbors: 0)])
        #expect(fromBox.count == 1)
    }

    @Test("no face on synthetic test patterns or a flat frame")
    func noFaceOnPatterns() throws {
        let detector = try MeshFaceDetector(files: Self.files)
        let clip = TestPaths.repositoryRoot.appendingPathComponent("fixtures/video/h264_aac.mp4").path
        for (_, image) in try Self.frames(clip, [0, 10, 20]) {
            #expect(detector.detect(in: image).isEmpty)
        }
        #expect(detector.detect(in: RGBImage(width: 640, height: 360, fill: (128, 128, 128))).isEmpty)
        // FaceMesh on a flat crop: no face present.
        let (_, presence) = detector.landmarks(in: RGBImage(width: 200, height: 200, fill: (90, 90, 90)),
                                               roi: RotatedRect(centerX: 100, centerY: 100, width: 150, height: 150))
        #expect(presence < 0.5)
    }

    @Test("a missing folder and a damaged file name the file and say make models")
    func modelErrors() throws {
        let missing = #expect(throws: FacesError.self) { try FaceModelFiles.locate(modelsFolders: ["/nonexistent/models"]) }
        #expect(missing?.code == .modelNotFound)
        #expect(missing?.path == "/nonexistent/models/third-party/mediapipe/face_detection_full_range_sparse.tflite")
        #expect(missing?.description.contains("make models") == true)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-models-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = try Data(contentsOf: MediaPipeModels.url("face_landmark"))
        bytes[bytes.count / 2] ^= 0x40
        let damaged = folder.appendingPathComponent("face_landmark.tflite")
        try bytes.write(to: damaged)
        let error = #expect(throws: FacesError.self) { try FaceModelFiles(directory: folder.path).load(.landmarks) }
        #expect(error?.code == .modelInvalid)
        #expect(error?.path == damaged.path)
        #expect(error?.description.contains("not the pinned \(FaceModel.landmarks.sha256)") == true)
        #expect(error?.description.contains("make models") == true)
    }

    @Test("the landmark box does not depend on the face's roll")
    func landmarkBoxIgnoresRoll() throws {
        // A synthetic "face": an ellipse of points with the eye corners level, then turned by 30°.
        var points = (0..<468).map { i -> SIMD3<Float> in
            let a = Float(i) / 468 * 2 * .pi
            return SIMD3(100 + 40 * cos(a), 120 + 55 * sin(a), 0)
        }
        points[33] = SIMD3(80, 110, 0)
        points[263] = SIMD3(120, 110, 0)
        let level = try #require(LandmarkBox.cascadeEquivalent.box(for: points))
        let angle: Float = .pi / 6
        let turned = points.map { p -> SIMD3<Float> in
            let x = p.x - 100, y = p.y - 120
            return SIMD3(100 + x * cos(angle) - y * sin(angle), 120 + x * sin(angle) + y * cos(angle), 0)
        }
        let box = try #require(LandmarkBox.cascadeEquivalent.box(for: turned))
        #expect(abs(box.width - level.width) < 1e-3)
        // Bounds 80 × 110, mean side 95: the box side is the fitted scale times that.
        #expect(abs(level.width - 95 * LandmarkBox.cascadeEquivalent.scale) < 1e-3)
        #expect(LandmarkBox.bounds.box(for: Array(points.prefix(100))) == nil)
    }

    @Test("keypoints from landmarks use valid indices and average them")
    func keypointsFromLandmarks() {
        #expect(FaceShape.keypointLandmarks.flatMap { $0 }.allSatisfy { (0..<468).contains($0) })
        let points = (0..<468).map { SIMD3<Float>(Float($0), Float(2 * $0), 0) }
        let k = FaceShape.keypoints(fromLandmarks: points)
        #expect(k[2] == SIMD2(1, 2))
        #expect(k[4] == SIMD2(234, 468))
        #expect(k[3] == SIMD2(Float(13 + 14 + 78 + 308) / 4, Float(2 * (13 + 14 + 78 + 308)) / 4))
    }
}
