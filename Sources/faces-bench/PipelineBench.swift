import ArgumentParser
import Foundation
import Faces
import Media

/// The default pipeline (detection on a shrunken copy, every Nth frame, tracking in between) on
/// consecutive frames, against OpenCV's full-resolution detection on every frame.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Agreement and speed of the tracked pipeline against OpenCV on every frame.")

    @Argument var manifest: String
    @Argument(help: "opencv_faces.py output for the same manifest (full resolution, every frame).")
    var opencv: String
    @Option(name: .customLong("detect-side")) var detectSide = 0
    @Option(name: .customLong("detect-every"), help: "3 is what deepfake faces uses on consecutive frames.") var detectEvery = 3
    @Option var threads = 2
    @Option(help: "Tracker smoothing (weight of the new detection).") var smoothing = FaceTracker.Settings().smoothing
    @Option(help: "Hold track ends (true/false).") var hold = FaceTracker.Settings().holdEnds
    @Flag(inversion: .prefixedNo, help: "Between full scans, scan near the open tracks (as deepfake faces does).") var confirm = true

    func run() throws {
        let frames = try loadManifest(manifest)
        let reference = try JSONDecoder().decode(BoxFile.self, from: Data(contentsOf: URL(fileURLWithPath: opencv)))
        guard reference.frames.count == frames.count else {
            throw ValidationError("\(opencv) has \(reference.frames.count) frames, \(manifest) has \(frames.count)")
        }
        let detector = FaceDetector(
            frontal: try Cascade.named(CascadeLocator.defaultName),
            settings: DetectionSettings(scaleFactor: 1.1, minNeighbors: 5, minSize: 40, threads: threads),
            detectSide: detectSide == 0 ? nil : detectSide)
        var ours = [[FaceBox]](repeating: [], count: frames.count)
        var origins = [[TrackedBox.Origin]](repeating: [], count: frames.count)
        var seconds = 0.0
        var start = 0
        var perSource: [(String, Int, Int, Double)] = []
        while start < frames.count {
            var end = start
            while end < frames.count && frames[end].source == frames[start].source { end += 1 }
            let finder = VideoFaceFinder(
                detector: detector,
                settings: .init(detectEvery: detectEvery, tracker: .init(smoothing: smoothing, holdEnds: hold), confirmBetween: confirm))
            var position: [Int: Int] = [:]
            var t = 0.0
            func collect(_ done: [FaceTracker.FinishedFrame]) {
                for f in done {
                    ours[position[f.frameIndex]!] = f.boxes.map(\.box)
                    origins[position[f.frameIndex]!] = f.boxes.map(\.origin)
                }
            }
            for i in start..<end {
                let image = try loadFrame(frames[i])
                position[frames[i].frame] = i
                let t0 = now()
                let done = finder.process(frameIndex: frames[i].frame, time: Double(frames[i].frame) / 30, image: image, sampled: true)
                t += now() - t0
                collect(done)
            }
            let t0 = now()
            let done = finder.finish()
            t += now() - t0
            collect(done)
            seconds += t
            let part = Agreement.measure(
                ours: Array(ours[start..<end]), reference: reference.frames[start..<end].map { $0.boxes.map(FaceBox.init) }, iou: 0.5)
            perSource.append((frames[start].source + " " + part.summary, end - start, finder.detectedFrames + finder.confirmedFrames, t))
            start = end
        }
        for (source, n, detected, t) in perSource {
            print(String(format: "  %@: %d frames, detector ran on %d, %.1f frames/s", source, n, detected, Double(n) / t))
        }
        let agreement = Agreement.measure(ours: ours, reference: reference.frames.map { $0.boxes.map(FaceBox.init) }, iou: 0.5)
        let cvSeconds = reference.frames.reduce(0) { $0 + $1.seconds }
        // Which of our boxes OpenCV has no box for (IoU >= 0.5), by origin.
        var unmatched: [TrackedBox.Origin: (Int, Int)] = [:]
        for i in frames.indices {
            for (box, origin) in zip(ours[i], origins[i]) {
                let hit = reference.frames[i].boxes.contains { FaceBox($0).iou(box) >= 0.5 }
                let emptyFrame = reference.frames[i].boxes.isEmpty
                var entry = unmatched[origin] ?? (0, 0)
                if !hit { entry.0 += 1 }
                if !hit && emptyFrame { entry.1 += 1 }
                unmatched[origin] = entry
            }
        }
        let counts = Dictionary(grouping: origins.joined(), by: { $0 }).mapValues(\.count)
        for (origin, (n, empty)) in unmatched.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("  \(origin.rawValue): \(counts[origin] ?? 0) boxes, \(n) without an OpenCV box (\(empty) on frames where OpenCV found none)")
        }
        print("pipeline (detect-side \(detectSide), detect-every \(detectEvery)\(confirm ? ", near-track scans between" : ""), tracking) vs OpenCV full resolution, every frame:")
        print("  " + agreement.summary)
        print(String(format: "  speed: ours %.2f frames/s, opencv %.2f frames/s, ratio %.2fx",
                     Double(frames.count) / seconds, Double(frames.count) / cvSeconds, cvSeconds / seconds))
    }
}
