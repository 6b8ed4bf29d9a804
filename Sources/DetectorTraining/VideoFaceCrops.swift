import Detection
import Datasets
import Faces
import Foundation
import Media

/// Video → tracked face crops through ``TrackedFaceStream`` (the walk `score`, `faces` and `alter`
/// take: previews of the frames decoded for shot changes, the chosen frames at full size), each
/// tracked box cut by the crop convention. The detector builder's reader of real and altered videos.
public enum VideoFaceCrops {
    /// One face in one sampled frame.
    public struct Crop: Sendable {
        public var frameIndex: Int
        public var time: Double
        public var track: Int
        public var box: FaceBox
        public var image: RGBImage
    }

    /// `count` frame indices evenly spaced over `candidates` (sorted), as NumPy's
    /// `linspace(0, n − 1, count, dtype=int)` picks positions; all of them when there are fewer.
    public static func evenly(_ candidates: [Int], count: Int) -> [Int] {
        guard candidates.count > count else { return candidates }
        guard count > 1 else { return [candidates[0]] }
        return (0..<count).map { candidates[$0 * (candidates.count - 1) / (count - 1)] }
    }

    /// Crops of the faces tracked in the chosen frames.
    /// - Parameters:
    ///   - path: the video.
    ///   - frames: the frame indices whose faces are wanted.
    ///   - detector: the face detector (a fresh face finder is made for this video).
    ///   - convention: how crops are cut around boxes.
    ///   - size: the crop side.
    /// - Throws: `MediaError` when the video cannot be read.
    public static func crops(
        path: String, frames: Set<Int>, detector: any FrameFaceDetector, convention: CropConvention, size: Int
    ) throws -> [Crop] {
        let reader = try VideoReader(path: path)
        let stream = TrackedFaceStream(detector: detector, settings: .init(crop: .box(convention, size: size)))
        var out: [Crop] = []
        var selector = FrameSelector(indices: frames)
        try stream.run(reader, selector: &selector, frameCount: reader.info.frameCount) { frame in
            for (tracked, crop) in zip(frame.faces, frame.crops) {
                guard let crop else { continue }
                out.append(Crop(frameIndex: frame.index, time: frame.time, track: tracked.trackID, box: tracked.box, image: crop))
            }
        }
        return out.sorted { ($0.frameIndex, $0.track) < ($1.frameIndex, $1.track) }
    }

    /// The number of frames of a video (the header's count, else counted by decoding).
    public static func frameCount(path: String) throws(MediaError) -> Int {
        let reader = try VideoReader(path: path)
        if let count = reader.info.frameCount { return count }
        return try reader.countFrames()
    }
}

/// Which tracked faces of an altered video are fake: those whose box overlaps a box the truth file
/// lists for that frame. Faces in frames the truth file does not list, or that overlap no listed
/// box, are left out (not used as fake, and not as real either: they came out of the altering
/// pipeline).
public enum TruthMatching {
    /// The overlap a tracked box needs with a truth box to count as that altered face.
    public static let minimumIoU = 0.3

    /// The crops that match an altered face of the truth record.
    public static func fakeCrops(_ crops: [VideoFaceCrops.Crop], truth: TruthRecord) -> [VideoFaceCrops.Crop] {
        var boxesByFrame: [Int: [FaceBox]] = [:]
        for frame in truth.frames {
            for face in frame.faces where face.box.count == 4 {
                boxesByFrame[frame.index, default: []].append(
                    FaceBox(x: face.box[0], y: face.box[1], width: face.box[2], height: face.box[3]))
            }
        }
        return crops.filter { crop in
            guard let boxes = boxesByFrame[crop.frameIndex] else { return false }
            return boxes.contains { $0.iou(crop.box) >= minimumIoU }
        }
    }

    /// The frames with at least one altered face, in order.
    public static func alteredFrames(_ truth: TruthRecord) -> [Int] {
        truth.frames.filter { !$0.faces.isEmpty }.map(\.index).sorted()
    }
}
