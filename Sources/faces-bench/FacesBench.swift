import ArgumentParser
import Foundation
import Faces
import Media

/// Measures the Faces detector against OpenCV on frames that tools/faces/bench_frames.py decoded
/// to raw RGB, so both read identical pixels. Run through tools/bench/faces.sh.
@main
struct FacesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces-bench",
        abstract: "Agreement and speed of the Faces detector against OpenCV's detectMultiScale.",
        subcommands: [DetectFrames.self, CompareBoxes.self, FitCrop.self, PipelineBench.self, MediaPipeBench.self, FitLandmarkBox.self, FitAligned.self, TensorBench.self]
    )
}

/// One frame of a bench manifest.
struct ManifestFrame: Codable {
    var path: String
    var width: Int
    var height: Int
    var source: String
    var frame: Int
}

/// The detections and timings of one run, in the format opencv_faces.py writes.
struct BoxFile: Codable {
    struct Frame: Codable {
        var boxes: [[Int]]
        var seconds: Double
    }
    var frames: [Frame]
}

func loadManifest(_ path: String) throws -> [ManifestFrame] {
    try JSONDecoder().decode([ManifestFrame].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}

func loadFrame(_ frame: ManifestFrame) throws -> RGBImage {
    let data = try Data(contentsOf: URL(fileURLWithPath: frame.path))
    return RGBImage(width: frame.width, height: frame.height, pixels: [UInt8](data))
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

struct DetectFrames: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Run our detector on a manifest's frames; write boxes and times.")
    @Argument var manifest: String
    @Argument var output: String
    @Option var cascade = CascadeLocator.defaultName
    @Option var scale = 1.1
    @Option var neighbors = 5
    @Option(name: .customLong("min-size")) var minSize = 40
    @Option var threads = 2
    @Option var repeats = 1

    func run() throws {
        let detector = CascadeDetector(cascade: try Cascade.named(cascade))
        let settings = DetectionSettings(scaleFactor: scale, minNeighbors: neighbors, minSize: minSize, threads: threads)
        var frames: [BoxFile.Frame] = []
        for entry in try loadManifest(manifest) {
            let image = try loadFrame(entry)
            var best = Double.infinity
            var found: [Detection] = []
            for _ in 0..<max(repeats, 1) {
                let t0 = now()
                found = detector.detect(in: image, settings: settings)
                best = min(best, now() - t0)
            }
            frames.append(.init(
                boxes: found.map { [Int($0.box.x), Int($0.box.y), Int($0.box.width), Int($0.box.height)] },
                seconds: best))
        }
        try JSONEncoder().encode(BoxFile(frames: frames)).write(to: URL(fileURLWithPath: output), options: .atomic)
        let total = frames.reduce(0) { $0 + $1.seconds }
        print(String(format: "ours: %d frames, %d boxes, %.2f frames/s (%.1f ms/frame, %d threads)",
                     frames.count, frames.reduce(0) { $0 + $1.boxes.count }, Double(frames.count) / total,
                     1000 * total / Double(frames.count), threads))
    }
}

struct CompareBoxes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Agreement at IoU >= 0.5 and speed ratio of two box files.")
    @Argument var ours: String
    @Argument var opencv: String
    @Option var iou = 0.5
    @Flag var listMisses = false

    func run() throws {
        let a = try JSONDecoder().decode(BoxFile.self, from: Data(contentsOf: URL(fileURLWithPath: ours)))
        let b = try JSONDecoder().decode(BoxFile.self, from: Data(contentsOf: URL(fileURLWithPath: opencv)))
        guard a.frames.count == b.frames.count else {
            throw ValidationError("\(ours) has \(a.frames.count) frames, \(opencv) has \(b.frames.count)")
        }
        let result = Agreement.measure(ours: a.frames.map { $0.boxes.map(FaceBox.init) },
                                       reference: b.frames.map { $0.boxes.map(FaceBox.init) }, iou: iou)
        print(result.summary)
        if listMisses {
            for (i, (x, y)) in zip(a.frames, b.frames).enumerated() where x.boxes != y.boxes {
                print("frame \(i): ours \(x.boxes) opencv \(y.boxes)")
            }
        }
        let ta = a.frames.reduce(0) { $0 + $1.seconds }, tb = b.frames.reduce(0) { $0 + $1.seconds }
        print(String(format: "speed: ours %.2f frames/s, opencv %.2f frames/s, ratio %.2fx",
                     Double(a.frames.count) / ta, Double(b.frames.count) / tb, tb / ta))
    }
}

extension FaceBox {
    init(_ v: [Int]) { self.init(x: Double(v[0]), y: Double(v[1]), width: Double(v[2]), height: Double(v[3])) }
}

/// Share of boxes matched one-to-one (greedy by IoU) between two detectors, both ways.
enum Agreement {
    struct Result {
        var matched: Int, ours: Int, reference: Int
        var referenceMatchedShare: Double { reference == 0 ? 1 : Double(matched) / Double(reference) }
        var oursMatchedShare: Double { ours == 0 ? 1 : Double(matched) / Double(ours) }
        var summary: String {
            String(format: "agreement: %.1f%% of OpenCV's %d boxes matched by ours; %.1f%% of our %d boxes matched by OpenCV's",
                   100 * referenceMatchedShare, reference, 100 * oursMatchedShare, ours)
        }
    }

    static func measure(ours: [[FaceBox]], reference: [[FaceBox]], iou threshold: Double) -> Result {
        var result = Result(matched: 0, ours: 0, reference: 0)
        for (a, b) in zip(ours, reference) {
            result.ours += a.count
            result.reference += b.count
            var pairs: [(Double, Int, Int)] = []
            for (i, x) in a.enumerated() {
                for (j, y) in b.enumerated() {
                    let v = x.iou(y)
                    if v >= threshold { pairs.append((v, i, j)) }
                }
            }
            var usedA = Set<Int>(), usedB = Set<Int>()
            for (_, i, j) in pairs.sorted(by: { $0.0 > $1.0 }) where !usedA.contains(i) && !usedB.contains(j) {
                usedA.insert(i)
                usedB.insert(j)
                result.matched += 1
            }
        }
        return result
    }
}
