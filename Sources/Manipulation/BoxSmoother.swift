import Faces

/// Steadies face boxes over time: each box becomes the mean of its track's boxes within ±`radius`
/// frames (a centred window, so a moving face is not lagged). Tracks never cross a shot change, so
/// neither does the window. Output lags input by `radius` frames.
struct BoxSmoother {
    let radius: Int
    /// Frames received, not yet handed back.
    private var waiting: [FaceTracker.FinishedFrame] = []
    /// The last `radius` frames handed back, as received (unsmoothed), for the window's left side.
    private var history: [FaceTracker.FinishedFrame] = []

    init(radius: Int) {
        precondition(radius >= 0)
        self.radius = radius
    }

    /// Adds frames (in order) and returns those whose window is complete.
    mutating func push(_ frames: [FaceTracker.FinishedFrame]) -> [FaceTracker.FinishedFrame] {
        waiting += frames
        var ready: [FaceTracker.FinishedFrame] = []
        while waiting.count > radius {
            ready.append(emitFirst())
        }
        return ready
    }

    /// Returns every remaining frame (end of the video).
    mutating func flush() -> [FaceTracker.FinishedFrame] {
        var ready: [FaceTracker.FinishedFrame] = []
        while !waiting.isEmpty { ready.append(emitFirst()) }
        return ready
    }

    private mutating func emitFirst() -> FaceTracker.FinishedFrame {
        let frame = waiting.removeFirst()
        let window = history + [frame] + waiting.prefix(radius)
        var smoothed = frame
        for (k, box) in frame.boxes.enumerated() {
            let same = window.filter { abs($0.frameIndex - frame.frameIndex) <= radius }
                .flatMap { $0.boxes.filter { $0.trackID == box.trackID } }
            let n = Double(same.count)
            smoothed.boxes[k].box = FaceBox(
                centerX: same.map(\.box.centerX).reduce(0, +) / n, centerY: same.map(\.box.centerY).reduce(0, +) / n,
                width: same.map(\.box.width).reduce(0, +) / n, height: same.map(\.box.height).reduce(0, +) / n)
        }
        history.append(frame)
        if history.count > radius { history.removeFirst() }
        return smoothed
    }
}
