import ArgumentParser
import Foundation
import Faces
import Media

/// The face models' folder for the bench: `--models`, else `$DEEPFAKE_FACE_MODELS`, else
/// `models/third-party/mediapipe` of the working directory (the repository root under make).
func benchFaceModels(_ folder: String?) throws -> FaceModelFiles {
    if let folder { return FaceModelFiles(directory: folder) }
    return try FaceModelFiles.locate(modelsFolders: [FileManager.default.currentDirectoryPath + "/models"])
}

/// The CNN pipeline on a list of images, in the JSON-lines format of tools/bench/mediapipe_peer.py,
/// so tools/bench/faces_agreement.py compares the two directly.
struct MediaPipeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mediapipe",
        abstract: "BlazeFace (full range) and FaceMesh on a list of images; JSON lines like the MediaPipe peer's.")

    @Option(help: "A JSON array of objects with at least \"path\" (PNG or JPEG images).")
    var list: String
    @Option(help: "Where to write the JSON lines.")
    var out: String
    @Option(name: .customLong("repeat"), help: "Time each image this many times (best and median are written).")
    var repetitions: Int = 1
    @Flag(help: "Run BlazeFace only, without FaceMesh.")
    var noMesh = false
    @Option(help: "The folder of the .tflite files (default: models/third-party/mediapipe).")
    var models: String?
    @Option(help: "Smallest FaceMesh presence for a mesh to be written.")
    var minPresence: Float = 0.5
    @Option(name: .customLong("blazeface"), help: "BlazeFace models: both (full and short range, the pipeline's default), full (as the peer's FaceDetection model_selection=1) or short.")
    var models_: String = "both"


    struct Entry: Decodable { var path: String }

    func run() throws {
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: URL(fileURLWithPath: list)))
        let choice: [FaceModel] = models_ == "full" ? [.fullRange] : models_ == "short" ? [.shortRange] : [.fullRange, .shortRange]
        let detector = try MeshFaceDetector(files: try benchFaceModels(models), settings: .init(models: choice, minPresence: minPresence))
        var lines: [String] = []
        var detectTotal = 0.0, meshTotal = 0.0
        for entry in entries {
            let image = try ImageFile.read(entry.path)
            var detectTimes: [Double] = [], meshTimes: [Double] = []
            var faces: [(box: FaceBox, keypoints: [SIMD2<Float>], score: Float)] = []
            var meshes: [(landmarks: [SIMD3<Float>], presence: Float)] = []
            for _ in 0..<max(repetitions, 1) {
                let t0 = now()
                faces = detector.detectFaces(in: image)
                let t1 = now()
                meshes = []
                if !noMesh {
                    for face in faces {
                        guard let roi = MeshFaceDetector.landmarkROI(
                            box: face.box, keypoints: face.keypoints, imageWidth: image.width, imageHeight: image.height) else { continue }
                        meshes.append(detector.landmarks(in: image, roi: roi))
                    }
                }
                let t2 = now()
                detectTimes.append(t1 - t0)
                meshTimes.append(t2 - t1)
            }
            func best(_ v: [Double]) -> Double { v.min() ?? 0 }
            func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
            detectTotal += median(detectTimes)
            meshTotal += median(meshTimes)
            let kept = meshes.filter { $0.presence >= minPresence }
            let row: [String: Any] = [
                "image": entry.path, "width": image.width, "height": image.height,
                "detections": faces.map { f in
                    ["box": [f.box.x, f.box.y, f.box.width, f.box.height], "score": Double(f.score),
                     "keypoints": f.keypoints.map { [Double($0.x), Double($0.y)] }] as [String: Any]
                },
                "meshes": kept.map { m in m.landmarks.map { [Double($0.x), Double($0.y), Double($0.z)] } },
                "presence": kept.map { Double($0.presence) },
                // As the peer writes them: the best run, and the median run.
                "detect_seconds": best(detectTimes), "mesh_seconds": best(meshTimes),
                "detect_median_seconds": median(detectTimes), "mesh_median_seconds": median(meshTimes),
            ]
            let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        print(String(format: "%d images; median per image: detect %.2f ms, mesh %.2f ms", entries.count,
                     1000 * detectTotal / Double(max(entries.count, 1)), 1000 * meshTotal / Double(max(entries.count, 1))))
    }
}

/// The UTKFace chips the fits run on, prepared as `fit-crop` prepares them: each chip upscaled
/// `upscale`× and padded by `pad` of its upscaled side with replicated edge pixels.
struct ChipOptions: ParsableArguments {
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
    @Option(help: "The folder of the .tflite files (default: models/third-party/mediapipe).")
    var models: String?

    /// The chip file names of the split.
    func files() throws -> [String] { try utkfaceFiles(utkface, split: split, limit: limit) }

    /// Calls `body` with each chip's prepared frame, the chip's side in it and its padding.
    func forEachChip(_ body: (_ frame: RGBImage, _ side: Int, _ padding: Int) throws -> Void) throws {
        for file in try files() {
            let chip = try ImageFile.read(utkface + "/faces64/" + file)
            let side = chip.width * upscale
            let padding = Int(Double(side) * pad)
            try body(chip.resized(width: side, height: side).cropped(x: -padding, y: -padding, width: side + 2 * padding, height: side + 2 * padding),
                     side, padding)
        }
    }
}

/// The file names of one split of UTKFace's `index.csv` (its last column), at most `limit` (0: all).
func utkfaceFiles(_ utkface: String, split: String, limit: Int) throws -> [String] {
    let index = try String(contentsOfFile: utkface + "/index.csv", encoding: .utf8)
    var files: [String] = []
    for line in index.components(separatedBy: .newlines).dropFirst() where !line.isEmpty {
        let cols = line.split(separator: ",", omittingEmptySubsequences: false)
        if cols.last.map({ String($0).trimmingCharacters(in: .whitespacesAndNewlines) }) == split { files.append(String(cols[0])) }
    }
    return limit > 0 ? Array(files.prefix(limit)) : files
}

/// The largest face whose box centre lies inside the chip.
func chipFace(_ faces: [Detection], side: Int, padding: Int) -> Detection? {
    let centre = Double(padding) + Double(side) / 2
    return faces.filter { abs($0.box.centerX - centre) < Double(side) / 2 && abs($0.box.centerY - centre) < Double(side) / 2 }
        .max(by: { $0.box.area < $1.box.area })
}

func quantiles(_ v: [Double]) -> (q1: Double, median: Double, q3: Double) {
    let s = v.sorted()
    return s.isEmpty ? (.nan, .nan, .nan) : (s[s.count / 4], s[s.count / 2], s[3 * s.count / 4])
}

/// Fits ``LandmarkBox/cascadeEquivalent``: on UTKFace chips prepared as `fit-crop` prepares them,
/// where both the Haar cascade and FaceMesh find the face, the cascade box's centre and side
/// relative to the landmarks' bounds (medians).
struct FitLandmarkBox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-landmark-box",
        abstract: "Fit the landmark box to the cascade's boxes on UTKFace chips (upscaled, padded).")

    @OptionGroup var chips: ChipOptions

    func run() throws {
        let cascade = CascadeDetector(cascade: try Cascade.named(CascadeLocator.defaultName))
        let settings = DetectionSettings(scaleFactor: 1.1, minNeighbors: 5, minSize: 40)
        let mesh = try MeshFaceDetector(files: try benchFaceModels(chips.models), landmarkBox: .bounds)
        var dx: [Double] = [], dy: [Double] = [], k: [Double] = []
        var meshFound = 0, cascadeFound = 0, total = 0
        try chips.forEachChip { frame, side, padding in
            total += 1
            let m = chipFace(mesh.detect(in: frame), side: side, padding: padding)?.box
            let c = chipFace(cascade.detect(in: frame, settings: settings), side: side, padding: padding)?.box
            if m != nil { meshFound += 1 }
            if c != nil { cascadeFound += 1 }
            guard let m, let c else { return }
            dx.append((c.centerX - m.centerX) / m.width)
            dy.append((c.centerY - m.centerY) / m.height)
            k.append((c.width + c.height) / (m.width + m.height))
        }
        print(String(format: "chips: %d; FaceMesh found a face on %d (%.2f%%), the cascade on %d (%.2f%%); both on %d",
                     total, meshFound, 100 * Double(meshFound) / Double(max(total, 1)),
                     cascadeFound, 100 * Double(cascadeFound) / Double(max(total, 1)), k.count))
        for (name, v) in [("offsetX", dx), ("offsetY", dy), ("scale", k)] {
            let q = quantiles(v)
            print(String(format: "%@: median %.4f (quartiles %.4f, %.4f)", name, q.median, q.q1, q.q3))
        }
    }
}

/// Fits ``AlignedCropTemplate/alignedV1``: FaceMesh's keypoints on UTKFace chips prepared as
/// `fit-crop` prepares them, mapped back into the chip (fractions of its side), medians.
struct FitAligned: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-aligned",
        abstract: "Fit the aligned crop's eye and mouth positions on UTKFace chips (upscaled, padded).")

    @OptionGroup var chips: ChipOptions

    func run() throws {
        let mesh = try MeshFaceDetector(files: try benchFaceModels(chips.models))
        var coordinates = [[Double]](repeating: [], count: 6)
        var points: [[SIMD2<Double>]] = []
        var total = 0
        try chips.forEachChip { frame, side, padding in
            total += 1
            guard let k = chipFace(mesh.detect(in: frame), side: side, padding: padding)?.shape?.keypoints else { return }
            let chipPoints = [k[0], k[1], k[3]].map { SIMD2((Double($0.x) - Double(padding)) / Double(side), (Double($0.y) - Double(padding)) / Double(side)) }
            points.append(chipPoints)
            for (i, p) in chipPoints.enumerated() { coordinates[2 * i].append(p.x); coordinates[2 * i + 1].append(p.y) }
        }
        let template = AlignedCropTemplate(
            name: "aligned-v1", rightEye: SIMD2(quantiles(coordinates[0]).median, quantiles(coordinates[1]).median),
            leftEye: SIMD2(quantiles(coordinates[2]).median, quantiles(coordinates[3]).median),
            mouth: SIMD2(quantiles(coordinates[4]).median, quantiles(coordinates[5]).median))
        // How far each chip's points lie from the template after the best similarity: how well
        // one template frames them all.
        let target = [template.rightEye, template.leftEye, template.mouth]
        let residuals: [Double] = points.compactMap { p in
            guard let s = AlignedCropTemplate.Similarity.fit(from: p, to: target) else { return nil }
            return zip(p, target).map { let d = s.apply($0) - $1; return (d * d).sum().squareRoot() }.reduce(0, +) / 3
        }
        print(String(format: "chips: %d, face found on %d (%.2f%%)", total, points.count, 100 * Double(points.count) / Double(max(total, 1))))
        for (i, name) in ["rightEye.x", "rightEye.y", "leftEye.x", "leftEye.y", "mouth.x", "mouth.y"].enumerated() {
            let q = quantiles(coordinates[i])
            print(String(format: "%@: median %.4f (quartiles %.4f, %.4f)", name, q.median, q.q1, q.q3))
        }
        let r = quantiles(residuals)
        print(String(format: "residual after alignment (chip sides): median %.4f (quartiles %.4f, %.4f)", r.median, r.q1, r.q3))
    }
}
