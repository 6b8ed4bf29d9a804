import Foundation
import Media
import Testing
import TestSupport

@testable import Faces

/// The one media-to-faces path: the same tracks as the walk and the finder wired by hand, the
/// sampled frames in order, a crop per face by either spec, and no faces when asked for none.
@Suite("TrackedFaceStream", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)),
       .enabled(if: TestPaths.hasSharedData, TestPaths.sharedDataAbsent))
struct TrackedFaceStreamTests {
    static let clip = TestPaths.sharedData.appendingPathComponent("liveportrait/videos/driving_d13.mp4").path

    static func detector() throws -> MeshFaceDetector {
        try MeshFaceDetector(files: FaceModelFiles(directory: MediaPipeModels.directory.path))
    }

    @Test("hands out the sampled frames in order with the tracks the walk and finder give by hand")
    func sameAsHandWired() throws {
        let reader = try VideoReader(path: Self.clip)
        let frameCount = try #require(reader.info.frameCount)
        let settings = VideoFaceFinder.Settings.tracking(detectEvery: 3)

        // By hand: the walk, the finder, frames held until the tracker settles them.
        var expected: [(index: Int, boxes: [TrackedBox])] = []
        do {
            let finder = VideoFaceFinder(detector: try Self.detector(), settings: settings)
            var selector = FrameSelector(.count(16), frameCount: frameCount)
            try SampledFrameWalk.run(try VideoReader(path: Self.clip), selector: &selector, frameCount: frameCount) { frame in
                expected += finder.process(frameIndex: frame.index, time: frame.time, preview: frame.preview, image: frame.image)
                    .map { ($0.frameIndex, $0.boxes) }
            }
            expected += finder.finish().map { ($0.frameIndex, $0.boxes) }
        }

        let stream = TrackedFaceStream(detector: try Self.detector(), settings: .init(finder: settings, crop: .box(.utkface, size: 64)))
        var selector = FrameSelector(.count(16), frameCount: frameCount)
        var got: [TrackedFrame] = []
        var announced = 0
        try stream.run(reader, selector: &selector, frameCount: frameCount, sampled: { announced = $0 }) { got.append($0) }

        #expect(got.map(\.index) == expected.map(\.index))
        #expect(got.map(\.index) == (0..<16).map { $0 * (frameCount - 1) / 15 })
        #expect(zip(got, expected).allSatisfy { $0.faces == $1.boxes })
        #expect(announced == 16 && stream.framesSampled == 16)
        #expect(stream.framesRead == frameCount)
        #expect(got.allSatisfy { $0.faces.count == 1 }, "one face on every sampled frame: \(got.map(\.faces.count))")
        #expect(stream.trackCount == 1)
        for frame in got {
            #expect(frame.image.width == reader.info.uprightWidth && frame.image.height == reader.info.uprightHeight)
            #expect(frame.crops.count == frame.faces.count)
            for (face, crop) in zip(frame.faces, frame.crops) {
                let crop = try #require(crop)
                #expect(crop == FaceCrop.crop(frame.image, box: face.box, convention: .utkface, size: 64))
            }
        }
        #expect(stream.timings.detect > 0 && stream.timings.crop > 0)
    }

    @Test("aligned crops from keypoints; none where a face has no keypoints; no faces when not asked to find them")
    func alignedAndNoFaces() throws {
        let reader = try VideoReader(path: Self.clip)
        let stream = TrackedFaceStream(
            detector: try Self.detector(), settings: .init(finder: .tracking(detectEvery: 3), crop: .aligned(.alignedV1, size: 96)))
        var selector = FrameSelector(.count(6), frameCount: reader.info.frameCount)
        var crops = 0
        try stream.run(reader, selector: &selector, frameCount: reader.info.frameCount) { frame in
            for (face, crop) in zip(frame.faces, frame.crops) {
                if let keypoints = face.shape?.keypoints {
                    let crop = try #require(crop)
                    #expect(crop == AlignedCropTemplate.alignedV1.crop(frame.image, keypoints: keypoints, size: 96))
                    #expect(crop.width == 96 && crop.height == 96)
                    crops += 1
                } else {
                    #expect(crop == nil)
                }
            }
        }
        #expect(crops >= 5, "aligned crops on most of 6 frames, got \(crops)")

        let plain = TrackedFaceStream(detector: try Self.detector(), settings: .init(crop: .box(.utkface, size: 32), findFaces: false))
        var frames = 0
        var selector2 = FrameSelector(.count(4), frameCount: reader.info.frameCount)
        try plain.run(try VideoReader(path: Self.clip), selector: &selector2, frameCount: reader.info.frameCount) { frame in
            frames += 1
            #expect(frame.faces.isEmpty && frame.crops.isEmpty)
        }
        #expect(frames == 4 && plain.trackCount == 0)

        // A still image is a one-frame video.
        var still: [TrackedFrame] = []
        let image = try #require(try MeshFaceDetectorTests.frames(Self.clip, [10])[10])
        let one = TrackedFaceStream(detector: try Self.detector(), settings: .init(crop: .box(.utkface, size: 64)))
        try one.run(image: image) { still.append($0) }
        #expect(still.count == 1 && still[0].index == 0 && still[0].faces.count == 1 && still[0].crops.count == 1)
    }
}
