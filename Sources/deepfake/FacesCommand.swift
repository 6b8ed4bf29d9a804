import ArgumentParser
import Datasets
import Faces
import Foundation
import Media

struct FacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Find, track and crop faces in videos, images or folders of images.",
        discussion: """
            Faces are found by MediaPipe's BlazeFace (full range: faces up to about 5 m away) and \
            FaceMesh, run from MediaPipe 0.10.14's own model files (make models) by the project's \
            TFLite reader: BlazeFace finds faces and six keypoints, FaceMesh puts 468 landmarks on \
            each in a crop turned so the eyes are level, and its face-presence score rejects what \
            is not a face (--min-presence). Between whole-frame scans a face is found again from \
            its previous landmarks, as MediaPipe tracks. --detector haar uses OpenCV's frontal \
            cascade instead (no landmarks; --cascade, --profile, --detect-side). In videos, \
            detections are linked into tracks that never cross a shot change; boxes of frames \
            between detections are interpolated. Each face is cut as a square by the crop \
            convention (default: framed like UTKFace's chips; --margin 1.3 for FaceForensics++'s \
            box margin), resized to --size pixels and written as PNG under OUT/crops/. \
            OUT/faces.jsonl indexes every crop with its box and keypoints, and with --landmarks \
            all 468 landmarks (schema: schemas/faces-2.schema.json).

            Defaults: 32 frames evenly spaced per video. The whole frame is scanned on every 3rd \
            sampled frame (--detect-every 3) and, in between, each tracked face is found again \
            from its last landmarks (the cascade scans a box-and-30% region around it); samples \
            more than 0.5 s apart (32 samples of a video longer than 16 s) are always scanned whole.
            """)

    @Argument(help: "Videos, images, or folders of images.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder for crops and faces.jsonl (created if missing).")
    var out: String

    static let sizes = 16...1024

    @Option(parsing: .unconditional, help: "Side of the square crops in pixels (\(sizes.text)).")
    var size = 64

    @Option(parsing: .unconditional, help: "Use FaceForensics++'s convention instead: the box centre and MARGIN times its side (above 0, at most 4).")
    var margin: Double?

    @OptionGroup(title: "Frame sampling")
    var frames: SamplingOptions

    @OptionGroup(title: "Face detection")
    var faces: FaceDetectorOptions

    @Flag(help: "Also write FaceMesh's 468 landmarks in every row (MediaPipe detectors; about 12 KB a row).")
    var landmarks = false

    func validate() throws {
        try Limits.check(size, "--size", in: Self.sizes)
        try Limits.check(margin, "--margin", above: 0, below: 4, includingHigh: true)
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            throw ValidationError("Input '\(input)' does not exist. Check the path.")
        }
    }

    var convention: CropConvention { margin.map { CropConvention.faceForensics(margin: $0) } ?? .default }

    func run() throws {
        var outputs = OutputGuard()
        try MediaInputs.protect(inputs, in: &outputs)
        try faces.protectModels(in: &outputs)
        try outputs.check(out, as: "the crops")
        try outputs.check(FacesIndexWriter.indexPath(in: out), as: "the faces index")
        let detector = try faces.configuration.make()
        try OutputFolder.prepare(out)
        let writer = try FacesIndexWriter(folder: out, convention: convention, size: size, detector: faces.detector.rawValue,
                                          landmarks: landmarks, outputs: outputs)
        var totals = FacesSummary()
        do {
            for source in try MediaInputs.expand(inputs) {
                let summary: FacesSummary
                switch source {
                case .image(let path): summary = try processImage(path, detector: detector, writer: writer)
                case .video(let path): summary = try processVideo(path, detector: detector, writer: writer)
                }
                Terminal.error("\(summary.line(for: source.path))")
                totals.add(summary)
            }
            try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
        Terminal.error(totals.line(for: "total") + " -> \(writer.indexPath)")
    }

    private func processImage(_ path: String, detector: any FrameFaceDetector, writer: FacesIndexWriter) throws -> FacesSummary {
        let image = try ImageFile.read(path)
        let stream = TrackedFaceStream(detector: detector, settings: .init(crop: writer.cropSpec))
        var summary = FacesSummary(framesRead: 1, framesSampled: 1)
        try stream.run(image: image) { frame in summary.faces += try writer.write(frame, source: path) }
        summary.tracks = stream.trackCount
        return summary
    }

    private func processVideo(_ path: String, detector: any FrameFaceDetector, writer: FacesIndexWriter) throws -> FacesSummary {
        let reader = try VideoReader(path: path)
        let sampling = frames.sampling
        var frameCount = reader.info.frameCount
        if frameCount == nil, case .count = sampling { frameCount = try reader.countFrames() }
        var selector = FrameSelector(sampling, frameCount: frameCount)
        let stream = TrackedFaceStream(detector: detector, settings: .init(
            finder: .tracking(detectEvery: frames.detectionInterval), crop: writer.cropSpec, decodeAll: frames.decodeAll))
        var summary = FacesSummary()
        let progress = ProgressBar(URL(fileURLWithPath: path).lastPathComponent, total: selector.expected)
        defer { progress.finish() }
        try stream.run(reader, selector: &selector, frameCount: frameCount, sampled: { _ in progress.advance() }) { frame in
            summary.faces += try writer.write(frame, source: path)
        }
        summary.framesRead = stream.framesRead
        summary.framesSampled = stream.framesSampled
        summary.tracks = stream.trackCount
        summary.shotChanges = stream.shotChanges.count
        return summary
    }
}

/// Counts for the summary on standard error.
struct FacesSummary {
    var framesRead = 0, framesSampled = 0, faces = 0, tracks = 0, shotChanges = 0

    mutating func add(_ other: FacesSummary) {
        framesRead += other.framesRead
        framesSampled += other.framesSampled
        faces += other.faces
        tracks += other.tracks
        shotChanges += other.shotChanges
    }

    func line(for name: String) -> String {
        "\(name): \(framesRead) frames read, \(framesSampled) sampled, \(faces) faces, \(tracks) tracks, \(shotChanges) shot changes"
    }
}

/// Expands the command's inputs into images and videos.
enum MediaInputs {
    enum Source {
        case image(String), video(String)
        var path: String {
            switch self {
            case .image(let p), .video(let p): return p
            }
        }
    }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "ppm", "pgm"]

    /// Extensions of the videos a folder input may hold (`evaluate detector` reads them).
    static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi"]

    /// Registers the inputs with `outputs`, each as "the input image", "the input video" or "the
    /// input folder" (whose images and videos are protected too), with a video's
    /// `VIDEO.truth.json` when `truthFiles` and it exists.
    static func protect(_ inputs: [String], truthFiles: Bool = false, in outputs: inout OutputGuard) throws {
        for input in inputs {
            var isDirectory: ObjCBool = false
            let isFolder = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue
            let ext = (input as NSString).pathExtension.lowercased()
            let role = isFolder ? "the input folder" : imageExtensions.contains(ext) ? "the input image"
                : ext == "safetensors" ? "the input model" : "the input video"
            try outputs.addInput(input, as: role, readsExtensions: imageExtensions.union(videoExtensions))
            let truth = TruthRecord.path(for: input)
            if truthFiles && !isFolder && FileManager.default.fileExists(atPath: truth) {
                try outputs.addInput(truth, as: "the truth file")
            }
        }
    }

    static func expand(_ inputs: [String]) throws -> [Source] {
        var out: [Source] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                let images = names.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                if images.isEmpty {
                    throw CleanError("Folder '\(input)' contains no images (\(imageExtensions.sorted().joined(separator: ", "))). Pass videos as files.")
                }
                out += images.map { .image((input as NSString).appendingPathComponent($0)) }
            } else if imageExtensions.contains((input as NSString).pathExtension.lowercased()) {
                out.append(.image(input))
            } else {
                out.append(.video(input))
            }
        }
        return out
    }
}
