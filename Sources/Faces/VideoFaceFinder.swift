import Media

/// The per-video pipeline: shot changes on every decoded frame, detection on every Nth sampled
/// frame (and always on the first after a cut), and tracking that carries boxes in between. With
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

        public init(detectEvery: Int = 1, shotThreshold: Double = 0.2, tracker: FaceTracker.Settings = .init(),
                    confirmBetween: Bool = false) {
            precondition(detectEvery >= 1, "detectEvery must be at least 1")
            self.detectEvery = detectEvery
            self.confirmBetween = confirmBetween
            self.shotThreshold = shotThreshold
            self.tracker = tracker
        }
    }

    public let detector: FaceDetector
    public let settings: Settings
    private let tracker: FaceTracker
    private var shots: ShotChangeDetector
    private var cutSinceLastSample = false
    private var samplesSinceDetection = Int.max
    /// Frame indices at which a new shot starts.
    public private(set) var shotChanges: [Int] = []
    /// Sampled frames seen, and how many of them were scanned by the detector.
    public private(set) var sampledFrames = 0
    public private(set) var detectedFrames = 0
    /// Sampled frames scanned only near the open tracks.
    public private(set) var confirmedFrames = 0

    /// Number of tracks started so far.
    public var trackCount: Int { tracker.trackCount }

    public init(detector: FaceDetector, settings: Settings = .init()) {
        self.detector = detector
        self.settings = settings
        tracker = FaceTracker(settings: settings.tracker)
        shots = ShotChangeDetector(threshold: settings.shotThreshold)
    }

    /// Feeds a decoded frame. Pass every decoded frame in order (for shot changes); `sampled` marks
    /// those whose faces are wanted.
    /// - Returns: frames whose boxes are now final.
    public func process(frameIndex: Int, time: Double, image: RGBImage, sampled: Bool) -> [FaceTracker.FinishedFrame] {
        if shots.isCut(image) {
            cutSinceLastSample = true
            shotChanges.append(frameIndex)
        }
        guard sampled else { return [] }
        sampledFrames += 1
        let detectNow = cutSinceLastSample || samplesSinceDetection >= settings.detectEvery
        var detections: [Detection]?
        if detectNow {
            detections = detector.detect(in: image)
            detectedFrames += 1
            samplesSinceDetection = 1
        } else {
            samplesSinceDetection += 1
            let open = tracker.openBoxes
            if settings.confirmBetween && !open.isEmpty {
                detections = detector.detect(in: GrayImage(image), near: open)
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
