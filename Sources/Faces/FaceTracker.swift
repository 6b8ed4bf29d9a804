import Foundation

/// One face box on one frame, after tracking.
public struct TrackedBox: Sendable, Equatable {
    /// How the box was obtained.
    public enum Origin: String, Sendable, Codable {
        /// A detection on this frame (smoothed over the track).
        case detected
        /// Interpolated between two detections of the same track (a missed or skipped frame).
        case interpolated
        /// Carried from the track's first or last detection over the nearer half of the frames
        /// between it and the neighbouring detection attempt (never across a shot change).
        case held
    }
    /// Stable id of the track, from 0 in order of appearance.
    public var trackID: Int
    /// Frame index in the video (0 for a still image).
    public var frameIndex: Int
    /// Presentation time in seconds.
    public var time: Double
    /// The box in pixels of the upright frame.
    public var box: FaceBox
    /// Neighbour count of the detection (0 for interpolated boxes).
    public var neighbors: Int
    public var origin: Origin
    /// Keypoints and landmarks: the detection's own (detected), mixed between the two detections
    /// either side (interpolated), or those of the held detection; nil for the cascade.
    public var shape: FaceShape?

    public init(trackID: Int, frameIndex: Int, time: Double, box: FaceBox, neighbors: Int, origin: Origin, shape: FaceShape? = nil) {
        self.trackID = trackID
        self.frameIndex = frameIndex
        self.time = time
        self.box = box
        self.neighbors = neighbors
        self.origin = origin
        self.shape = shape
    }
}

/// Links detections across sampled frames into face tracks with stable ids.
///
/// Matching is greedy: first by IoU (at least ``Settings/minIoU``), then by centre distance (at most
/// ``Settings/maxCenterShift`` box sizes, sizes within 1.5×) for fast motion. A matched box is
/// smoothed towards the track's previous box; a track survives up to ``Settings/maxGap`` detection
/// attempts without a match, and the frames it missed get boxes interpolated between the detections
/// either side. A shot change ends every track. Several faces per frame are tracked independently.
///
/// Output lags the input: a frame is handed back once no open track can still add an interpolated
/// box to it, so callers keep only a few frames in memory.
public final class FaceTracker {
    /// Tracking parameters.
    public struct Settings: Sendable, Equatable {
        /// Smallest IoU that links a detection to a track.
        public var minIoU: Double
        /// Largest centre shift, in box sizes, for linking when boxes do not overlap enough.
        public var maxCenterShift: Double
        /// Detection attempts a track may miss in a row before it ends.
        public var maxGap: Int
        /// Weight of the new detection in the smoothed box (1 = no smoothing).
        public var smoothing: Double
        /// Hold a track's first and last boxes over the nearer half of the frames to the
        /// neighbouring detection attempts (only tracks with two or more detections are held
        /// forward; single detections are often the cascade's flicker).
        public var holdEnds: Bool

        /// Creates settings; defaults suit faces sampled at up to a few frames apart.
        public init(
            minIoU: Double = 0.3, maxCenterShift: Double = 0.5, maxGap: Int = 3, smoothing: Double = 0.6,
            holdEnds: Bool = true
        ) {
            self.holdEnds = holdEnds
            self.minIoU = minIoU
            self.maxCenterShift = maxCenterShift
            self.maxGap = maxGap
            self.smoothing = smoothing
        }
    }

    /// A frame whose boxes are final.
    public struct FinishedFrame: Sendable {
        public var frameIndex: Int
        public var time: Double
        public var boxes: [TrackedBox]

        public init(frameIndex: Int, time: Double, boxes: [TrackedBox]) {
            self.frameIndex = frameIndex
            self.time = time
            self.boxes = boxes
        }
    }

    private struct Track {
        var id: Int
        var open = true
        var smoothed: FaceBox
        var misses = 0
        var lastDetection: Int
        /// Detected (smoothed) boxes of frames not yet handed back, by frame index.
        var detections: [Int: (box: FaceBox, neighbors: Int, shape: FaceShape?)] = [:]
        /// The last detection handed back, kept as the left end for interpolation.
        var anchor: (frame: Int, box: FaceBox, shape: FaceShape?)?
        /// The first detection, and the earliest frame it is held back to.
        var first: (frame: Int, box: FaceBox, shape: FaceShape?)
        /// The latest detection as found (unsmoothed), for trackers that follow landmarks.
        var latest: Detection
        var holdFrom: Int
        /// The first detection attempt this track missed after its last detection.
        var firstMiss: Int?
        var detectionCount = 1
        /// The shot change that closed the track, if one did.
        var cutAt: Int?
        /// The last frame the last detection is held to, once the track is closed.
        var holdUntil: Int?
    }

    public let settings: Settings
    private var tracks: [Track] = []
    private var pending: [(index: Int, time: Double)] = []
    private var nextID = 0
    private var lastAttempt: Int?
    /// The last attempt that scanned the whole frame (where a new face could have been found).
    private var lastFullAttempt: Int?
    private var attemptInterval = 1
    private var lastCut = Int.min

    /// Number of tracks started so far.
    public var trackCount: Int { nextID }

    /// The smoothed boxes of the tracks still open (where to look for their faces next).
    public var openBoxes: [FaceBox] { tracks.filter(\.open).map(\.smoothed) }

    /// Each open track's smoothed box with the shape (landmarks) last found for it: where to look
    /// for its face next.
    public var openTracks: [Detection] { openTracks(missedAtMost: Int.max) }

    /// As ``openTracks``, only the tracks that missed at most `misses` detection attempts in a
    /// row since their face was last found. A landmark tracker follows a face from where it last
    /// saw it; from a position several attempts old it latches onto what is there now (a hand,
    /// the chin) while the detector starts a second track on the face itself (seen on the
    /// Hamilton clip with no limit), and with no miss allowed it loses faces the landmark model
    /// misses once (the same clip's blurred audience).
    public func openTracks(missedAtMost misses: Int) -> [Detection] {
        tracks.filter { $0.open && $0.misses <= misses }
            .map { Detection(box: $0.smoothed, neighbors: 0, shape: $0.latest.shape) }
    }

    public init(settings: Settings = .init()) {
        self.settings = settings
    }

    /// Feeds one sampled frame.
    /// - Parameters:
    ///   - frameIndex: increasing frame index.
    ///   - detections: the faces found, or `nil` when detection was skipped on this frame.
    ///   - shotChange: a cut happened since the previous frame; every track ends before this one.
    ///   - fullScan: false when only the open tracks' surroundings were scanned: then a face found
    ///     later may still be held back over the frames since the last full scan.
    /// - Returns: frames whose boxes are now final, in order.
    public func update(frameIndex: Int, time: Double, detections: [Detection]?, shotChange: Bool = false,
                       fullScan: Bool = true) -> [FinishedFrame] {
        if shotChange {
            for i in tracks.indices where tracks[i].open { close(i, cut: frameIndex) }
            lastCut = frameIndex
        }
        pending.append((frameIndex, time))
        if let detections {
            match(detections, at: frameIndex, previousAttempt: lastFullAttempt)
            if let lastAttempt { attemptInterval = frameIndex - lastAttempt }
            lastAttempt = frameIndex
            if fullScan { lastFullAttempt = frameIndex }
        }
        return release(all: false)
    }

    /// Ends every track and returns the remaining frames.
    public func finish() -> [FinishedFrame] {
        for i in tracks.indices where tracks[i].open { close(i, cut: nil) }
        return release(all: true)
    }

    /// Closes a track and fixes how far its last box is held: half-way to the attempt that missed
    /// it (or to where the next attempt would be), and never into a new shot.
    private func close(_ i: Int, cut: Int?) {
        tracks[i].open = false
        tracks[i].cutAt = cut
        let last = tracks[i].lastDetection
        let missed = tracks[i].firstMiss ?? (last + attemptInterval)
        var until = last + (missed - last) / 2
        if let cut { until = min(until, cut - 1) }
        if !settings.holdEnds || tracks[i].detectionCount < 2 { until = last }
        tracks[i].holdUntil = until
    }

    // MARK: - Matching

    private func match(_ detections: [Detection], at frame: Int, previousAttempt: Int?) {
        var pairs: [(score: Double, track: Int, detection: Int)] = []
        var shiftPairs: [(score: Double, track: Int, detection: Int)] = []
        for (t, track) in tracks.enumerated() where track.open {
            for (d, det) in detections.enumerated() {
                let iou = track.smoothed.iou(det.box)
                if iou >= settings.minIoU {
                    pairs.append((iou, t, d))
                } else {
                    let size = (track.smoothed.width + det.box.width) / 2
                    let shift = hypot(track.smoothed.centerX - det.box.centerX, track.smoothed.centerY - det.box.centerY) / size
                    let ratio = max(track.smoothed.width, det.box.width) / max(min(track.smoothed.width, det.box.width), 1)
                    if shift <= settings.maxCenterShift && ratio <= 1.5 { shiftPairs.append((-shift, t, d)) }
                }
            }
        }
        var usedTracks = Set<Int>(), usedDetections = Set<Int>()
        for pair in pairs.sorted(by: { $0.score > $1.score }) + shiftPairs.sorted(by: { $0.score > $1.score })
        where !usedTracks.contains(pair.track) && !usedDetections.contains(pair.detection) {
            usedTracks.insert(pair.track)
            usedDetections.insert(pair.detection)
            let det = detections[pair.detection]
            let a = settings.smoothing
            let s = tracks[pair.track].smoothed
            let smoothed = FaceBox(
                centerX: a * det.box.centerX + (1 - a) * s.centerX, centerY: a * det.box.centerY + (1 - a) * s.centerY,
                width: a * det.box.width + (1 - a) * s.width, height: a * det.box.height + (1 - a) * s.height)
            tracks[pair.track].smoothed = smoothed
            tracks[pair.track].misses = 0
            tracks[pair.track].detectionCount += 1
            tracks[pair.track].firstMiss = nil
            tracks[pair.track].lastDetection = frame
            tracks[pair.track].detections[frame] = (smoothed, det.neighbors, det.shape)
            tracks[pair.track].latest = det
        }
        for t in tracks.indices where tracks[t].open && !usedTracks.contains(t) {
            if tracks[t].misses == 0 { tracks[t].firstMiss = frame }
            tracks[t].misses += 1
            if tracks[t].misses > settings.maxGap { close(t, cut: nil) }
        }
        // A new face is held back over the later half of the frames since the previous attempt.
        let holdFrom = settings.holdEnds ? previousAttempt.map { max($0 + (frame - $0) / 2 + 1, lastCut) } ?? frame : frame
        for (d, det) in detections.enumerated() where !usedDetections.contains(d) {
            var track = Track(
                id: nextID, smoothed: det.box, lastDetection: frame, first: (frame, det.box, det.shape), latest: det, holdFrom: holdFrom)
            track.detections[frame] = (det.box, det.neighbors, det.shape)
            tracks.append(track)
            nextID += 1
        }
    }

    // MARK: - Handing back finished frames

    private func release(all: Bool) -> [FinishedFrame] {
        // A frame is final when every open track has a detection at or after it, and a detection
        // attempt came at or after it (a face found later may be held back onto it). Scans near
        // the tracks count: holding frames back for a possible new face until the next full scan
        // measured worse (more held boxes where no face was yet) than releasing them.
        let openMin = tracks.filter(\.open).map(\.lastDetection).min() ?? Int.max
        let horizon = all ? Int.max : min(openMin, lastAttempt ?? Int.min)
        var out: [FinishedFrame] = []
        while let first = pending.first, first.index <= horizon {
            pending.removeFirst()
            let g = first.index
            var boxes: [TrackedBox] = []
            func add(_ t: Int, _ box: FaceBox, _ neighbors: Int, _ origin: TrackedBox.Origin, _ shape: FaceShape?) {
                boxes.append(TrackedBox(trackID: tracks[t].id, frameIndex: g, time: first.time,
                                        box: box, neighbors: neighbors, origin: origin, shape: shape))
            }
            for t in tracks.indices {
                if let det = tracks[t].detections.removeValue(forKey: g) {
                    add(t, det.box, det.neighbors, .detected, det.shape)
                    tracks[t].anchor = (g, det.box, det.shape)
                } else if let anchor = tracks[t].anchor, anchor.frame < g, let next = tracks[t].detections.keys.min() {
                    let nextDetection = tracks[t].detections[next]!
                    let b = nextDetection.box
                    let u = Double(g - anchor.frame) / Double(next - anchor.frame)
                    func mix(_ p: Double, _ q: Double) -> Double { p + (q - p) * u }
                    var shape: FaceShape?
                    if let left = anchor.shape, let right = nextDetection.shape { shape = left.mixed(with: right, Float(u)) }
                    add(t, FaceBox(x: mix(anchor.box.x, b.x), y: mix(anchor.box.y, b.y),
                                   width: mix(anchor.box.width, b.width), height: mix(anchor.box.height, b.height)),
                        0, .interpolated, shape)
                } else if tracks[t].anchor == nil, tracks[t].holdFrom <= g, g < tracks[t].first.frame {
                    add(t, tracks[t].first.box, 0, .held, tracks[t].first.shape)
                } else if let anchor = tracks[t].anchor, anchor.frame < g, !tracks[t].open,
                    let until = tracks[t].holdUntil, g <= until
                {
                    add(t, anchor.box, 0, .held, anchor.shape)
                }
            }
            out.append(FinishedFrame(frameIndex: g, time: first.time, boxes: boxes))
        }
        // Closed tracks with nothing left to hand back are dropped.
        let next = pending.first?.index ?? Int.max
        tracks.removeAll { !$0.open && $0.detections.isEmpty && next > ($0.holdUntil ?? Int.min) }
        return out
    }
}
