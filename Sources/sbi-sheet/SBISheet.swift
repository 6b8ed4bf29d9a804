import ArgumentParser
import Detection
import DetectorTraining
import Faces
import Foundation
import Media

/// A contact sheet of self-blended pairs from real faces, and their speed on one core: the check
/// that blends look like SBI's (subtle, face-shaped, no box edges, no misalignment) and that making
/// them is not what limits training. Run through tools/sbi/sheet.sh.
@main
struct SBISheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbi-sheet",
        abstract: "Write a PNG grid of self-blended pairs (real, fake, difference, mask, boundary) and time pair making on one core.")

    @Option(help: "The shared data folder; faces come from the first frame of each of liveportrait/videos/*.mp4.")
    var data = "../shared/data"
    @Option(help: "Where to write the PNG.")
    var output = "/tmp/sbi-sheet.png"
    @Option(help: "How many faces (rows).")
    var faces = 8
    @Option(help: "The pair stream's seed.")
    var seed: UInt64 = 1
    @Option(help: "Crop side in pixels.")
    var size = 128
    @Option(help: "Blend at this many times the crop side, then shrink.")
    var supersampling = 1
    @Option(help: "Enlarge the sheet's tiles this many times (nearest neighbour), to look closely.")
    var zoom = 1
    @Flag(help: "Show the pairs without the post-augmentation (timing still includes it).")
    var plain = false
    @Option(help: "How many pairs to time (0: none).")
    var time = 2000
    @Option(help: "The models folder holding third-party/mediapipe (or set $DEEPFAKE_FACE_MODELS).")
    var models = "models"

    func run() throws {
        let found = try Self.faces(in: data + "/liveportrait/videos", count: faces, models: FaceModelFiles.locate(modelsFolders: [models]))
        print("faces (landmark box side in the frame): " + found.map { f in
            "\(f.name) \(LandmarkBox.bounds.box(for: f.face.landmarks).map { String(Int($0.width)) } ?? "?") px"
        }.joined(separator: ", "))
        let stream = SelfBlendedPairs(faces: found.map(\.face), seed: seed, crop: .box(.utkface, size: size),
                                      supersampling: supersampling)
        let shown = plain
            ? SelfBlendedPairs(faces: found.map(\.face), seed: seed, crop: .box(.utkface, size: size), augmentation: .none,
                               supersampling: supersampling)
            : stream
        let codec = JPEGCodec()
        // Row i: the first pair of the stream that comes from face i.
        var rows: [SelfBlendedPair] = []
        var k = 0
        for index in found.indices {
            while true {
                let pair = try shown.pair(k, codec: codec)
                k += 1
                if pair.faceIndex == index { rows.append(pair); break }
            }
            let p = rows[index].blendPlan
            print(String(format: "row %d (%@, pair %d): hull %@ offset %+.3f, change on %@ (%@), shift (%+.3f, %+.3f) scale %.3f, ratio %.2f, flip %@",
                         index, found[index].name, k - 1, p.hull.rawValue, p.hullOffset, p.changeSource ? "source" : "target",
                         Self.describe(p.change), p.affine.translation.x, p.affine.translation.y, p.affine.scale, p.steps.ratio,
                         rows[index].augmentationPlan.flip ? "yes" : "no"))
        }
        try ImageFile.writePNG(Self.sheet(rows, zoom: zoom), to: output)
        print("wrote \(output): \(rows.count) rows of real | fake | |fake − real| × 4 | mask | boundary")

        guard time > 0 else { return }
        for (name, pairs) in [("with the standard augmentation", stream),
                              ("blend only (no augmentation)", SelfBlendedPairs(faces: found.map(\.face), seed: seed, crop: .box(.utkface, size: size),
                                                                                  augmentation: .none, supersampling: supersampling))] {
            let (start, startCPU) = (Date(), Self.threadCPUTime())
            for k in 0..<time { _ = try pairs.pair(k, codec: codec) }
            let seconds = Date().timeIntervalSince(start), cpu = Self.threadCPUTime() - startCPU
            print(String(format: "%d pairs at %d px, supersampling %d, one thread, %@: %.2f s wall, %.2f s CPU: %.0f pairs per CPU second (%.0f per wall second)",
                         time, size, supersampling, name, seconds, cpu, Double(time) / cpu, Double(time) / seconds))
        }
    }

    /// This thread's CPU time in seconds: the measure of one core's work while other jobs share the
    /// machine.
    static func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The largest face on the first frame of each of the first `count` videos (by name).
    static func faces(in folder: String, count: Int, models: FaceModelFiles) throws -> [(name: String, face: SelfBlendedPairs.Face)] {
        let detector = try MeshFaceDetector(files: models)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mp4") }.sorted()
        var found: [(name: String, face: SelfBlendedPairs.Face)] = []
        for name in names where found.count < count {
            guard let frame = try VideoReader(path: folder + "/" + name).frames().next()?.image,
                  let face = detector.detect(in: frame).max(by: { $0.box.area < $1.box.area }),
                  let landmarks = face.shape?.landmarks
            else { continue }
            found.append((name, .init(image: frame, landmarks: landmarks)))
        }
        guard !found.isEmpty else { throw ValidationError("no faces found in \(folder)") }
        return found
    }

    static func describe(_ change: SourceChange) -> String {
        var parts: [String] = []
        if let s = change.rgbShift { parts.append(String(format: "rgb %+.0f %+.0f %+.0f", s.x, s.y, s.z)) }
        parts.append(String(format: "hsv %+.1f° %+.3f %+.3f", change.hueShift, change.saturationShift, change.valueShift))
        parts.append(String(format: "b %+.3f c %.3f", change.brightness, change.contrast))
        switch change.quality {
        case .downscale(let factor)?: parts.append("down-up ×\(factor)")
        case .sharpen(let alpha, let lightness)?: parts.append(String(format: "sharpen α %.2f L %.2f", alpha, lightness))
        case nil: break
        }
        return parts.joined(separator: ", ")
    }

    /// Rows of five tiles with 4-pixel white gutters, each tile enlarged `zoom` times.
    static func sheet(_ rows: [SelfBlendedPair], zoom: Int) -> RGBImage {
        let side = rows[0].real.width * zoom, gap = 4, columns = 5
        var sheet = RGBImage(width: columns * side + (columns + 1) * gap, height: rows.count * side + (rows.count + 1) * gap,
                             fill: (255, 255, 255))
        for (r, pair) in rows.enumerated() {
            var difference = pair.real
            for i in difference.pixels.indices {
                difference.pixels[i] = UInt8(min(255, 4 * abs(Int(pair.fake.pixels[i]) - Int(pair.real.pixels[i]))))
            }
            for (c, small) in [pair.real, pair.fake, difference, pair.mask.picture, pair.mask.boundary.picture].enumerated() {
                let tile = zoom == 1 ? small : RGBImage(width: side, height: side, pixels: (0..<(side * side)).flatMap { i -> [UInt8] in
                    let s = ((i / side / zoom) * small.width + (i % side) / zoom) * 3
                    return [small.pixels[s], small.pixels[s + 1], small.pixels[s + 2]]
                })
                let x0 = gap + c * (side + gap), y0 = gap + r * (side + gap)
                for y in 0..<side {
                    let s = y * side * 3, d = ((y0 + y) * sheet.width + x0) * 3
                    sheet.pixels.replaceSubrange(d..<(d + side * 3), with: tile.pixels[s..<(s + side * 3)])
                }
            }
        }
        return sheet
    }
}
