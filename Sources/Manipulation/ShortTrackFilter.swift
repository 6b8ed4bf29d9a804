import Faces

/// Drops face tracks with fewer than `minDetections` detected boxes: a cascade's one- or
/// two-frame false positive would otherwise flash a pasted face. Frames are held back by
/// `lookahead` frames, long enough for a real track to collect its detections (a track ends after
/// a few missed detection attempts, so a live track reaches the count within that window).
struct ShortTrackFilter {
    let minDetections: Int
    let lookahead: Int
    private var queue: [FaceTracker.FinishedFrame] = []
    private var detections: [Int: Int] = [:]
    /// Tracks dropped so far.
    private(set) var dropped: Set<Int> = []

    init(minDetections: Int, lookahead: Int) {
        precondition(minDetections >= 1 && lookahead >= 0)
        self.minDetections = minDetections
        self.lookahead = lookahead
    }

    mutating func push(_ frames: [FaceTracker.FinishedFrame]) -> [FaceTracker.FinishedFrame] {
        for frame in frames {
            queue.append(frame)
            for box in frame.boxes where box.origin == .detected { detections[box.trackID, default: 0] += 1 }
        }
        var ready: [FaceTracker.FinishedFrame] = []
        while queue.count > lookahead { ready.append(filtered(queue.removeFirst())) }
        return ready
    }

    mutating func flush() -> [FaceTracker.FinishedFrame] {
        defer { queue.removeAll() }
        return queue.map { filtered($0) }
    }

    private mutating func filtered(_ frame: FaceTracker.FinishedFrame) -> FaceTracker.FinishedFrame {
        var frame = frame
        frame.boxes.removeAll { box in
            let short = detections[box.trackID, default: 0] < minDetections
            if short { dropped.insert(box.trackID) }
            return short
        }
        return frame
    }
}
