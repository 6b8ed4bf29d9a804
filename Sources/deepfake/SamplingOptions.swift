import ArgumentParser
import Faces
import Media

/// Which frames of a video are sampled, and how often the whole frame is scanned for faces: the
/// options `deepfake score` and `deepfake faces` share (one rule per mode: `FrameSelector`).
struct SamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sample N frames evenly spaced over each video (\(Limits.frameCount.text); default 32).")
    var count: Int?

    @Option(parsing: .unconditional, help: "Sample every Nth frame (1 for all; \(Limits.every.text)).")
    var every: Int?

    @Option(parsing: .unconditional, help: "Sample about F frames per second (\(Limits.fps.text)).")
    var fps: Double?

    @Flag(help: "Sample every frame.")
    var all = false

    @Option(name: .customLong("detect-every"), parsing: .unconditional, help: "Scan the whole frame on every Nth sampled frame (\(Limits.detectEvery.text)), near the tracked faces in between (samples over 0.5 s apart are always scanned whole).")
    var detectEvery: Int?

    @Flag(name: .customLong("decode-all"), help: "Decode every frame, even unsampled ones no other frame refers to (skipped by default; the faces and scores are the same, shot changes are then found at their exact frame).")
    var decodeAll = false

    func validate() throws {
        if [count != nil, every != nil, fps != nil, all].filter({ $0 }).count > 1 {
            throw ValidationError("Choose one of --count, --every, --fps and --all.")
        }
        try Limits.check(count, "--count", in: Limits.frameCount)
        try Limits.check(every, "--every", in: Limits.every)
        try Limits.check(fps, "--fps", in: Limits.fps)
        try Limits.check(detectEvery, "--detect-every", in: Limits.detectEvery)
    }

    /// The sampling mode the flags name (32 evenly spaced frames by default).
    var sampling: ScoreSampling {
        if let count { return .count(count) }
        if let every { return .every(every) }
        if let fps { return .fps(fps) }
        return all ? .all : .standard
    }

    /// The whole-frame scan interval (the finder's default when not given).
    var detectionInterval: Int { detectEvery ?? VideoFaceFinder.defaultDetectEvery }
}
