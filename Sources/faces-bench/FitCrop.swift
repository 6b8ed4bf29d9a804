import ArgumentParser
import Foundation
import Faces
import Media

/// Measures where OpenCV's frontal cascade puts its box inside UTKFace's chips, and fits the crop
/// convention (centre offset and scale k) that maps a detected box back onto a chip-like square.
struct FitCrop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-crop",
        abstract: "Fit the crop convention on UTKFace chips (upscaled, padded, re-detected).")

    @Argument(help: "The UTKFace folder (with index.csv and faces64/).")
    var utkface: String
    @Option(help: "Which split of index.csv to use.")
    var split = "holdout"
    @Option(help: "Use at most N chips (0 for all).")
    var limit = 0
    @Option(help: "Upscale factor for the 64×64 chips.")
    var upscale = 3
    @Option(help: "Padding on each side, in upscaled chip widths.")
    var pad = 0.5
    @Flag(help: "Pad with mid grey instead of replicating the chip's edge pixels.")
    var greyPad = false
    @Option(help: "Write per-chip measurements to this JSON file.")
    var output: String?

    func run() throws {
        let detector = CascadeDetector(cascade: try Cascade.named(CascadeLocator.defaultName))
        let settings = DetectionSettings(scaleFactor: 1.1, minNeighbors: 5, minSize: 40)
        let files = try utkfaceFiles(utkface, split: split, limit: limit)
        var dx: [Double] = [], dy: [Double] = [], k: [Double] = [], rows: [[String: Double]] = []
        var found = 0
        for file in files {
            let chip = try ImageFile.read(utkface + "/faces64/" + file)
            let side = chip.width * upscale
            let big = chip.resized(width: side, height: side)
            let padding = Int(Double(side) * pad)
            let frame: RGBImage
            if greyPad {
                var canvas = RGBImage(width: side + 2 * padding, height: side + 2 * padding, fill: (128, 128, 128))
                for y in 0..<side {
                    let src = y * side * 3, dst = ((y + padding) * canvas.width + padding) * 3
                    canvas.pixels.replaceSubrange(dst..<(dst + side * 3), with: big.pixels[src..<(src + side * 3)])
                }
                frame = canvas
            } else {
                frame = big.cropped(x: -padding, y: -padding, width: side + 2 * padding, height: side + 2 * padding)
            }
            let chipBox = FaceBox(x: Double(padding), y: Double(padding), width: Double(side), height: Double(side))
            let candidates = detector.detect(in: frame, settings: settings).filter {
                $0.box.centerX > chipBox.x && $0.box.centerX < chipBox.x + chipBox.width
                    && $0.box.centerY > chipBox.y && $0.box.centerY < chipBox.y + chipBox.height
            }
            guard let best = candidates.max(by: { $0.box.area < $1.box.area }) else { continue }
            found += 1
            let s = (best.box.width + best.box.height) / 2
            dx.append((chipBox.centerX - best.box.centerX) / s)
            dy.append((chipBox.centerY - best.box.centerY) / s)
            k.append(chipBox.width / s)
            rows.append(["dx": dx.last!, "dy": dy.last!, "k": k.last!])
        }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? .nan : s[s.count / 2] }
        func quartiles(_ v: [Double]) -> (Double, Double) { let s = v.sorted(); return s.isEmpty ? (.nan, .nan) : (s[s.count / 4], s[3 * s.count / 4]) }
        print(String(format: "chips: %d, face found in %d (%.1f%%)", files.count, found, 100 * Double(found) / Double(max(files.count, 1))))
        for (name, v) in [("centerOffsetX", dx), ("centerOffsetY", dy), ("scale", k)] {
            let (q1, q3) = quartiles(v)
            print(String(format: "%@: median %.4f (quartiles %.4f, %.4f)", name, median(v), q1, q3))
        }
        if let output {
            let json = try JSONSerialization.data(withJSONObject: ["chips": files.count, "found": found, "rows": rows])
            try json.write(to: URL(fileURLWithPath: output), options: .atomic)
        }
    }
}
