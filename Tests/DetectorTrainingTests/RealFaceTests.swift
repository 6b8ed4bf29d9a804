import Faces
import Foundation
import Media
import Testing
import TestSupport

@testable import DetectorTraining

/// Where the tests find ../shared/data.
enum SharedData {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/data").standardizedFileURL
    /// Whether it is there; tests that read it are disabled otherwise, with ``absent`` as the reason.
    static var present: Bool { FileManager.default.fileExists(atPath: folder.path) }
    static let absent: Comment = "../shared/data is absent (see DESIGN.md, Testing)"
}

/// A real face: a frame of one of LivePortrait's driving clips in ../shared/data, its landmarks
/// from MediaPipe's models (`make models`).
@Suite("Self-blends of a real face", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)),
       .enabled(if: SharedData.present, SharedData.absent))
struct RealFaceTests {
    static let clip = SharedData.folder.appendingPathComponent("liveportrait/videos/driving_d13.mp4").path

    /// The first frame and its one face.
    static func frameAndFace() throws -> (RGBImage, Detection) {
        let frame = try #require(try VideoReader(path: clip).frames().next()).image
        let detector = try MeshFaceDetector(files: FaceModelFiles(directory: MediaPipeModels.directory.path))
        let faces = detector.detect(in: frame)
        #expect(faces.count == 1)
        return (frame, try #require(faces.first))
    }

    @Test("the whole-hull mask covers most of the face box, its centre whole, and none of the frame's corners")
    func maskOnFrame() throws {
        let (frame, face) = try Self.frameAndFace()
        let landmarks = try #require(face.shape?.landmarks)
        var plan = SelfBlender.Plan()
        plan.steps = BlendMaskSteps(maskWidth: 224, maskHeight: 224, firstKernel: 15, secondKernel: 15, secondSigma: 25, ratio: 1)
        let blend = try #require(SelfBlender.standard.blend(image: frame, landmarks: landmarks, plan: plan))
        // The face box (cascade-equivalent: a loose square with hair, ears and some background) is
        // mostly under the mask, its central half entirely.
        func share(of box: FaceBox, where accept: (Float) -> Bool) -> Double {
            var inside = 0, accepted = 0
            for y in Int(box.y)..<Int(box.y + box.height) {
                for x in Int(box.x)..<Int(box.x + box.width) where x >= 0 && y >= 0 && x < frame.width && y < frame.height {
                    inside += 1
                    if accept(blend.mask[x, y]) { accepted += 1 }
                }
            }
            return Double(accepted) / Double(max(inside, 1))
        }
        let box = face.box, centre = FaceBox(centerX: face.box.centerX, centerY: face.box.centerY, width: box.width / 2, height: box.height / 2)
        let covered = share(of: box) { $0 > 0 }, full = share(of: centre) { $0 >= 0.999 }
        #expect(covered > 0.55 && covered < 0.95, "the mask reaches \(covered) of the face box")
        #expect(full > 0.95, "the mask takes \(full) of the box's central half whole")
        let corner = frame.width / 8
        for (x0, y0) in [(0, 0), (frame.width - corner, 0), (0, frame.height - corner), (frame.width - corner, frame.height - corner)] {
            for y in y0..<(y0 + corner) {
                for x in x0..<(x0 + corner) where blend.mask[x, y] != 0 {
                    Issue.record("mask \(blend.mask[x, y]) at the frame's corner pixel \(x), \(y)")
                    return
                }
            }
        }
        #expect(blend.fake == blend.real, "nothing changed, so the blend is the identity")
    }

    @Test("pairs from the frame: 128-pixel crops whose masks sit on the face and whose fakes differ from the reals only there")
    func pairsFromFrame() throws {
        let (frame, face) = try Self.frameAndFace()
        let pairs = SelfBlendedPairs(faces: [.init(image: frame, landmarks: try #require(face.shape?.landmarks))], seed: 1,
                                     augmentation: .none)
        for k in 0..<8 {
            let pair = try pairs.pair(k, codec: JPEGCodec())
            #expect(pair.mask[64, 64] == pair.mask.maximum, "pair \(k): the crop's centre is inside the face")
            #expect(pair.mask[0, 0] == 0 && pair.mask[127, 0] == 0, "pair \(k): the top corners are background")
            #expect(pair.fake != pair.real)
        }
    }
}
