import Foundation
import Media

/// How ``TrackedFaceStream`` cuts a crop of each tracked face.
public enum FaceCropSpec: Sendable, Equatable {
    /// A square around the box by a ``CropConvention`` (what every shipped model uses), `size` a side.
    case box(CropConvention, size: Int)
    /// A similarity-aligned crop from the eye centres and mouth (``AlignedCropTemplate``), `size`
    /// a side. Faces without keypoints (a box the tracker carried) get no crop.
    case aligned(AlignedCropTemplate, size: Int)

    /// The crop of `face` in `image`, or nil when the spec needs keypoints the face lacks.
    public func crop(_ image: RGBImage, face: TrackedBox) -> RGBImage? {
        switch self {
        case .box(let convention, let size):
            return FaceCrop.crop(image, box: face.box, convention: convention, size: size)
        case .aligned(let template, let size):
            guard let keypoints = face.shape?.keypoints else { return nil }
            return template.crop(image, keypoints: keypoints, size: size)
        }
    }
}

/// One sampled frame with its tracked faces, in frame order: what ``TrackedFaceStream`` hands out.
public struct TrackedFrame {
    public let index: Int
    public let time: Double
    /// The full-size frame.
    public let image: RGBImage
    /// The faces the tracker settled on for this frame: track, box, and (with the CNN pipeline)
    /// keypoints, landmarks and presence in ``TrackedBox/shape``.
    public let faces: [TrackedBox]
    /// One crop per face when the stream's settings ask for crops (nil where the spec cannot cut
    /// one); empty otherwise.
    public let crops: [RGBImage?]

    /// The frame as the tracker finished it (for filters that work on boxes).
    public var finished: FaceTracker.FinishedFrame {
        FaceTracker.FinishedFrame(frameIndex: index, time: time, boxes: faces)
    }
}

/// Video (or still image) → tracked faces, frame by frame: the one path every command takes from
/// media to faces (`score`, `faces`, `alter` and the detector's training crops).
///
/// Frames are walked by ``SampledFrameWalk`` (every decoded frame previewed for shot changes,
/// sampled ones at full size, decoded ahead on a second thread, frames nothing needs left
/// undecoded), faces found and followed by ``VideoFaceFinder``, and each sampled frame handed to
/// the body once the tracker has settled its boxes, with its image and, if asked, a crop per face.
/// Only frames the tracker has not settled yet are held.
public final class TrackedFaceStream {
    public struct Settings: Sendable, Equatable {
        /// Detection cadence, shot changes and tracking.
        public var finder: VideoFaceFinder.Settings
        /// Crops to cut per face (nil: none).
        public var crop: FaceCropSpec?
        /// Decode every frame, even those no sampled frame refers to (`--decode-all`).
        public var decodeAll: Bool
        /// Find faces at all (false: every sampled frame comes with no faces, as for a plain
        /// re-encode).
        public var findFaces: Bool

        public init(finder: VideoFaceFinder.Settings = .init(), crop: FaceCropSpec? = nil, decodeAll: Bool = false,
                    findFaces: Bool = true) {
            self.finder = finder
            self.crop = crop
            self.decodeAll = decodeAll
            self.findFaces = findFaces
        }
    }

    /// Where the walk's time went, in seconds.
    public struct Timings: Sendable, Equatable {
        /// Waiting for frames (decoding ahead, and for still images reading the file).
        public var decode = 0.0
        /// Shot changes, face detection and tracking.
        public var detect = 0.0
        /// Cutting crops.
        public var crop = 0.0
        /// The body (the caller's own work).
        public var body = 0.0
    }

    public let settings: Settings
    public let finder: VideoFaceFinder
    public private(set) var timings = Timings()
    /// Frames decoded (for a still image, 1).
    public private(set) var framesRead = 0
    /// Sampled frames handed to the body.
    public private(set) var framesSampled = 0
    /// Packets the decoder skipped as damaged.
    public private(set) var damagedPackets = 0
    private var images: [Int: RGBImage] = [:]

    public init(detector: any FrameFaceDetector, settings: Settings = .init()) {
        self.settings = settings
        finder = VideoFaceFinder(detector: detector, settings: settings.finder)
    }

    /// Tracks started.
    public var trackCount: Int { finder.trackCount }
    /// Frame indices where a new shot starts.
    public var shotChanges: [Int] { finder.shotChanges }

    /// Walks a video: each sampled frame reaches `body` in order, with its faces.
    /// - Parameters:
    ///   - selector: which frames are sampled.
    ///   - frameCount: the frame count the selector was made with (the header's, or counted).
    ///   - sampled: called as each sampled frame is decoded, before its faces are settled (for
    ///     progress bars).
    /// - Throws: the reader's `MediaError` (after every frame before the damage reached `body`),
    ///   or what `body` throws.
    public func run(
        _ reader: VideoReader, selector: inout FrameSelector, frameCount: Int?,
        sampled: (Int) -> Void = { _ in }, _ body: (TrackedFrame) throws -> Void
    ) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var inside = 0.0
        let (read, iterator) = try SampledFrameWalk.run(
            reader, selector: &selector, frameCount: frameCount, decodeAll: settings.decodeAll
        ) { frame in
            let t = DispatchTime.now().uptimeNanoseconds
            defer { inside += Self.seconds(since: t) }
            if let image = frame.image {
                images[frame.index] = image
                framesSampled += 1
                sampled(framesSampled)
            }
            let finished: [FaceTracker.FinishedFrame]
            if settings.findFaces {
                finished = finder.process(frameIndex: frame.index, time: frame.time, preview: frame.preview, image: frame.image)
            } else {
                finished = frame.image == nil ? [] : [.init(frameIndex: frame.index, time: frame.time, boxes: [])]
            }
            timings.detect += Self.seconds(since: t)
            try emit(finished, body)
        }
        framesRead = read
        damagedPackets = iterator.damagedPackets
        timings.decode += Self.seconds(since: start) - inside
        try finish(body)
    }

    /// A still image as a one-frame video (frame 0, time 0).
    public func run(image: RGBImage, _ body: (TrackedFrame) throws -> Void) throws {
        let t = DispatchTime.now().uptimeNanoseconds
        images[0] = image
        framesRead = 1
        framesSampled = 1
        let finished = settings.findFaces
            ? finder.process(frameIndex: 0, time: 0, image: image, sampled: true)
            : [.init(frameIndex: 0, time: 0, boxes: [])]
        timings.detect += Self.seconds(since: t)
        try emit(finished, body)
        try finish(body)
    }

    private func finish(_ body: (TrackedFrame) throws -> Void) throws {
        let t = DispatchTime.now().uptimeNanoseconds
        let rest = settings.findFaces ? finder.finish() : []
        timings.detect += Self.seconds(since: t)
        try emit(rest, body)
    }

    private func emit(_ frames: [FaceTracker.FinishedFrame], _ body: (TrackedFrame) throws -> Void) throws {
        for frame in frames {
            guard let image = images.removeValue(forKey: frame.frameIndex) else { continue }
            var crops: [RGBImage?] = []
            if let spec = settings.crop {
                let t = DispatchTime.now().uptimeNanoseconds
                crops = frame.boxes.map { spec.crop(image, face: $0) }
                timings.crop += Self.seconds(since: t)
            }
            let t = DispatchTime.now().uptimeNanoseconds
            try body(TrackedFrame(index: frame.frameIndex, time: frame.time, image: image, faces: frame.boxes, crops: crops))
            timings.body += Self.seconds(since: t)
        }
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
