import Media

/// The per-video pipeline: shot changes on every decoded frame, detection on every Nth sampled
/// frame (and always on the first after a cut, or after a gap longer than `maxTrackingGap`), and
/// tracking that carries boxes in between. With
/// `confirmBetween`, the frames between full scans are scanned near the open tracks' boxes only
/// (``FaceDetector/detect(in:near:margin:sizeRange:)``), so tracked faces are detected on every
/// frame for a fraction of a full scan's cost.
///
/// Used by `deepfake faces` and by the benchmark, so both measure the same thing.
public final class VideoFaceFinder {
    /// Pipeline parameters.
    public struct Settings: Sendable, Equatable {
        /// Detect on every Nth sampled frame; the tracker interpolates the others.
        public var detectEvery: Int
        /// Shot-change threshold (see ``ShotChangeDetector``).
        public var shotThreshold: Double
        public var tracker: FaceTracker.Settings
        /// Between full scans, scan near the open tracks (when there are any).
        public var confirmBetween: Bool
        /// Scan the whole frame whenever more than this many seconds passed since the previous
        /// sampled frame, whatever `detectEvery` says: faces move too far between samples that
        /// far apart for a scan near the old boxes (nil: no limit).
        public var maxTrackingGap: Double?

        /// What `deepfake score` and `deepfake faces` use: a whole-frame scan on every
        /// `detectEvery`th sampled frame, scans near the tracks between, and a whole-frame scan
        /// whenever samples are more than ``VideoFaceFinder/trackingGap`` seconds apart (32
        /// samples of a video up to 16 s long are tracked; of a longer one, all scanned whole).
        public static func tracking(detectEvery: Int) -> Settings {
            Settings(detectEvery: detectEvery, confirmBetween: detectEvery > 1, maxTrackingGap: VideoFaceFinder.trackingGap)
        }

        public init(detectEvery: Int = 1, shotThreshold: Double = 0.2, tracker: FaceTracker.Settings = .init(),
                    confirmBetween: Bool = false, maxTrackingGap: Double? = nil) {
            precondition(detectEvery >= 1, "detectEvery must be at least 1")
            self.detectEvery = detectEvery
            self.confirmBetween = confirmBetween
            self.maxTrackingGap = maxTrackingGap
            self.shotThreshold = shotThreshold
            self.tracker = tracker
        }
    }

    /// The default tracking gap (``Settings/maxTrackingGap``) of `deepfake score` and `deepfake faces`.
    public static let trackingGap = 0.5
    /// The default `detectEvery` of `deepfake score` and `deepfake faces`: a whole-frame scan on
    /// every 3rd sampled frame (chosen by `make bench-faces`: agreement against speed).
    public static let defaultDetectEvery = 3

    public let detector: any FrameFaceDetector
    public let settings: Settings
    private let tracker: FaceTracker
    private var shots: ShotChangeDetector
    private var cutSinceLastSample = false
    private var samplesSinceDetection = Int.max
    private var lastSampledTime: Double?
    /// Frame indices at which a new shot starts.
    public private(set) var shotChanges: [Int] = []
    /// Sampled frames seen, and how many of them were scanned by the detector.
    public private(set) var sampledFrames = 0
    public private(set) var detectedFrames = 0
    /// Sampled frames scanned only near the open tracks.
    public private(set) var confirmedFrames = 0

    /// Number of tracks started so far.
    public var trackCount: Int { tracker.trackCount }

    /// Longer side of the previews the shot-change detector sees in
    /// ``process(frameIndex:time:preview:image:)``. On the Hamilton clip, previews of this size give
    /// the same three cuts as full frames (a test checks it).
    public static let previewSide = SampledFrameWalk.previewSide

    public init(detector: any FrameFaceDetector, settings: Settings = .init()) {
        self.detector = detector
        self.settings = settings
        tracker = FaceTracker(settings: settings.tracker)
        shots = ShotChangeDetector(threshold: settings.shotThreshold)
    }

    /// Feeds a decoded frame. Pass every decoded frame in order (for shot changes); `sampled` marks
    /// those whose faces are wanted.
    /// - Returns: frames whose boxes are now final.
    public func process(frameIndex: Int, time: Double, image: RGBImage, sampled: Bool) -> [FaceTracker.FinishedFrame] {
        process(frameIndex: frameIndex, time: time, preview: image, image: sampled ? image : nil)
    }

    /// As ``process(frameIndex:time:image:sampled:)``, with shot changes found on `preview`, a small
    /// copy of every frame (``FrameIterator/nextPreviewed(previewSide:full:)``), and faces on
    /// `image`, the full-size frame, given for sampled frames only. Feed a video's frames all one
    /// way or all the other, as histograms of previews and of full frames differ a little.
    public func process(frameIndex: Int, time: Double, preview: RGBImage, image: RGBImage?) -> [FaceTracker.FinishedFrame] {
        if shots.isCut(preview) {
            cutSinceLastSample = true
            shotChanges.append(frameIndex)
        }
        guard let image else { return [] }
        sampledFrames += 1
        let farApart = settings.maxTrackingGap.map { gap in lastSampledTime.map { time - $0 > gap } ?? true } ?? false
        lastSampledTime = time
        let detectNow = cutSinceLastSample || farApart || samplesSinceDetection >= settings.detectEvery
        var detections: [Detection]?
        if detectNow {
            detections = detector.detect(in: image)
            detectedFrames += 1
            samplesSinceDetection = 1
        } else {
            samplesSinceDetection += 1
            let open = tracker.openTracks(missedAtMost: detector.followsLandmarks ? 1 : Int.max)
            if settings.confirmBetween && !open.isEmpty {
                detections = detector.detect(in: image, near: open)
                confirmedFrames += 1
            }
        }
        let cut = cutSinceLastSample
        cutSinceLastSample = false
        return tracker.update(frameIndex: frameIndex, time: time, detections: detections, shotChange: cut, fullScan: detectNow)
    }

    /// Ends all tracks and returns the remaining frames.
    public func finish() -> [FaceTracker.FinishedFrame] {
        tracker.finish()
    }
}
