import Datasets
import Faces
import Foundation
import GAN
import Media
import NN

/// How a replaced face is obtained from the generator.
public enum AlterMode: String, Sendable, Codable, CaseIterable {
    /// A new identity: one seeded latent per track, the same face on every frame of the track.
    case replace
    /// The original face re-synthesised: each frame's latent is optimised to reproduce its crop
    /// (see ``GANInverter``), warm-started from the previous frame's.
    case invert
    /// Nothing altered: every frame goes through the same writer (the laundering control for
    /// detectors: a detector of compression would call these fake). The truth file lists no frame.
    case reencode
}

/// Settings of `deepfake alter`.
public struct AlterSettings: Sendable {
    public var mode: AlterMode = .replace
    /// Seeds the replacement latents, the inversion's cold starts and the frozen statistics.
    public var seed: UInt64 = 1
    public var compositor = Compositor()
    /// How faces are framed for the generator; must be the one its training chips used.
    public var crop: CropConvention = .utkface
    /// Detect on every Nth frame; the tracker interpolates the others.
    public var detectEvery = 1
    /// Smallest face side in pixels.
    public var minFace = 40
    /// Box smoothing: a centred mean over ±N frames of the track.
    public var smoothingRadius = 2
    /// Tracks with fewer detected boxes are left alone (the cascade's brief false positives).
    /// Still images use 1.
    public var minTrackDetections = 3
    public var inversion = GANInverter.Settings()
    /// Frames whose faces are inverted together (one batch).
    public var inversionChunk = 8
    /// H.264 constant rate factor and preset of the output video.
    public var crf = 18
    public var preset = "veryfast"

    public init() {}
}

/// A failure of `deepfake alter`, naming the file, what went wrong and what to do.
public struct AlterError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case noFace = "no-face"
        case unsupportedModel = "unsupported-model"
        case unsupportedOutput = "unsupported-output"
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ reason: String) {
        self.code = code
        self.path = path
        message = "'\(path)': \(reason)."
    }

    public var description: String { message }
}

/// What an alter run did.
public struct AlterSummary: Sendable {
    public var framesRead = 0
    public var framesAltered = 0
    public var facesAltered = 0
    public var tracks = 0
    /// Seconds per stage: decode, detect, generate, blend, encode, total.
    public var timings: [String: Double] = [:]
    /// Mean absolute error of the generated faces to the crops they replace (0–1 scale), after
    /// colour matching, inside the mask: how much of the original look is kept.
    public var meanFaceError: Double?
    public var truth: TruthRecord?
}

/// The face-replacement pipeline: frames → faces (detected, tracked, boxes smoothed) → a
/// generated face per face (``AlterMode``) → colour-matched, feathered paste → output, plus the
/// ground-truth record of every altered face.
public final class FaceAlterer {
    public let generator: Generator
    public let generatorPath: String
    public let settings: AlterSettings
    private let detector: any FrameFaceDetector
    private let inverter: GANInverter?
    private var replacementFaces: [Int: Tensor] = [:]
    private var lastLatent: [Int: [Float]] = [:]
    private var errorSum = 0.0, errorCount = 0
    private var chunkIndex: UInt64 = 0

    /// - Parameters:
    ///   - generator: an unconditional colour DCGAN generator; its batch statistics get frozen.
    ///   - discriminator: D of the same GAN, for the inversion's feature distance (optional).
    ///   - generatorPath: the file it came from (recorded with its SHA-256 in the truth file).
    public init(generator: Generator, discriminator: Discriminator?, generatorPath: String, detector: any FrameFaceDetector,
                settings: AlterSettings) throws(AlterError) {
        let a = generator.architecture
        guard a.kind == .dcgan, !a.isConditional, a.channels == 3 else {
            throw AlterError(.unsupportedModel, path: generatorPath,
                             "holds a \(a.summary) generator; alter needs an unconditional colour DCGAN (models/utkface64-dcgan32.safetensors)")
        }
        self.generator = generator
        self.generatorPath = generatorPath
        self.settings = settings
        self.detector = detector
        generator.freezeBatchStatistics(seed: settings.seed)
        inverter = settings.mode == .invert
            ? GANInverter(generator: generator, discriminator: discriminator, settings: settings.inversion) : nil
    }

    // MARK: - Video

    /// Alters a video into an H.264 MP4 with the source's audio, the same frame rate and frame
    /// count; writes `OUT.truth.json`, and optionally every frame and mask as PNG.
    /// - Parameters:
    ///   - allowUnchanged: write the output even when no face was found.
    ///   - progress: called after each written frame with the count so far.
    /// - Throws: `MediaError` for unreadable input or unwritable output, `AlterError.noFace`.
    ///   On failure nothing is left at `output`.
    public func alterVideo(input: String, output: String, framesDir: String? = nil, masksDir: String? = nil,
                           allowUnchanged: Bool = false, progress: ((Int) -> Void)? = nil) throws -> AlterSummary {
        let start = Clock.now
        let reader = try VideoReader(path: input)
        let info = reader.info
        try VideoWriter.checkEncodable(width: info.uprightWidth, height: info.uprightHeight, frameRate: info.frameRate,
                                       path: input, what: "video")
        let writer = try VideoWriter(
            path: output, width: info.uprightWidth, height: info.uprightHeight, frameRate: info.frameRate,
            options: .init(crf: settings.crf, preset: settings.preset, audioSource: info.hasAudio ? input : nil))
        let stream = TrackedFaceStream(detector: detector, settings: .init(
            finder: .init(detectEvery: settings.detectEvery), findFaces: settings.mode != .reencode))
        var smoother = BoxSmoother(radius: settings.smoothingRadius)
        var filter = ShortTrackFilter(
            minDetections: settings.minTrackDetections,
            lookahead: max(15, settings.detectEvery * (settings.minTrackDetections + 4)))
        var images: [Int: RGBImage] = [:]
        var summary = AlterSummary()
        var truthFrames: [TruthRecord.Frame] = []
        var timings: [String: Double] = ["detect": 0, "generate": 0, "blend": 0, "encode": 0, "write-png": 0]
        var waiting: [FaceTracker.FinishedFrame] = []

        func render(_ frames: [FaceTracker.FinishedFrame], flush: Bool) throws {
            waiting += frames
            let batch = settings.mode == .invert ? max(settings.inversionChunk, 1) : 1
            while waiting.count >= batch || (flush && !waiting.isEmpty) {
                let chunk = Array(waiting.prefix(batch))
                waiting.removeFirst(chunk.count)
                var pictures = chunk.map { images.removeValue(forKey: $0.frameIndex)! }
                let t0 = Clock.now
                let faces = synthesise(chunk, pictures)
                timings["generate"]! += Clock.now - t0
                for (k, frame) in chunk.enumerated() {
                    let t1 = Clock.now
                    var altered: [TruthRecord.Face] = []
                    var mask = masksDir == nil ? nil : [UInt8](repeating: 0, count: info.uprightWidth * info.uprightHeight)
                    for (box, face) in zip(frame.boxes, faces[k]) {
                        altered.append(paste(face, box: box, into: &pictures[k], mask: &mask))
                    }
                    timings["blend"]! += Clock.now - t1
                    let t2 = Clock.now
                    try writer.write(pictures[k], time: frame.time)
                    timings["encode"]! += Clock.now - t2
                    let t3 = Clock.now
                    let name = String(format: "frame_%06d.png", frame.frameIndex)
                    if let framesDir { try ImageFile.writePNG(pictures[k], to: framesDir + "/" + name, fast: true) }
                    if let masksDir, let mask { try Self.writeMask(mask, width: info.uprightWidth, height: info.uprightHeight, to: masksDir + "/" + name) }
                    timings["write-png"]! += Clock.now - t3
                    if !altered.isEmpty {
                        truthFrames.append(TruthRecord.Frame(index: frame.frameIndex, time: frame.time, faces: altered))
                        summary.framesAltered += 1
                        summary.facesAltered += altered.count
                    }
                    summary.framesRead += 1
                    progress?(summary.framesRead)
                }
            }
        }

        // The face stream `score` uses, every frame sampled (decoded ahead on its own thread):
        // shot changes on previews, as `score` finds them, so both see the same tracks.
        var selector = FrameSelector(.all, frameCount: info.frameCount)
        try stream.run(reader, selector: &selector, frameCount: info.frameCount) { frame in
            images[frame.index] = frame.image
            try render(smoother.push(filter.push([frame.finished])), flush: false)
        }
        timings["decode"] = stream.timings.decode
        timings["detect"] = stream.timings.detect
        try render(smoother.push(filter.flush()) + smoother.flush(), flush: true)
        summary.tracks = stream.trackCount - filter.dropped.count
        if summary.facesAltered == 0 && !allowUnchanged && settings.mode != .reencode {
            throw AlterError(.noFace, path: input,
                             "no face was found in \(summary.framesRead) frames, so nothing was altered and no output was written. "
                                + "Try --min-face smaller than \(settings.minFace), or pass --allow-unchanged to write the copy anyway")
        }
        let t = Clock.now
        try writer.finish()
        timings["encode"]! += Clock.now - t
        summary.truth = try truthRecord(input: input, output: output, frameCount: summary.framesRead, frames: truthFrames)
        try summary.truth!.write(to: TruthRecord.path(for: output))
        timings["total"] = Clock.now - start
        summary.timings = timings
        summary.meanFaceError = errorCount > 0 ? errorSum / Double(errorCount) : nil
        return summary
    }

    // MARK: - Image

    /// Alters a still image into a PNG, with its truth file.
    public func alterImage(input: String, output: String, masksDir: String? = nil,
                           allowUnchanged: Bool = false) throws -> AlterSummary {
        let start = Clock.now
        guard output.lowercased().hasSuffix(".png") else {
            throw AlterError(.unsupportedOutput, path: output, "an altered image is written as PNG (lossless); name the output *.png")
        }
        var picture = try ImageFile.read(input)
        let stream = TrackedFaceStream(detector: detector, settings: .init(findFaces: settings.mode != .reencode))
        var frames: [FaceTracker.FinishedFrame] = []
        try stream.run(image: picture) { frames.append($0.finished) }
        var summary = AlterSummary()
        summary.framesRead = 1
        summary.tracks = stream.trackCount
        let boxes = frames.flatMap(\.boxes)
        if boxes.isEmpty && !allowUnchanged && settings.mode != .reencode {
            throw AlterError(.noFace, path: input,
                             "no face was found, so nothing was altered and no output was written. "
                                + "Try --min-face smaller than \(settings.minFace), or pass --allow-unchanged to write the copy anyway")
        }
        var mask = masksDir == nil ? nil : [UInt8](repeating: 0, count: picture.width * picture.height)
        var altered: [TruthRecord.Face] = []
        if let frame = frames.first(where: { !$0.boxes.isEmpty }) {
            let faces = synthesise([frame], [picture])[0]
            for (box, face) in zip(frame.boxes, faces) { altered.append(paste(face, box: box, into: &picture, mask: &mask)) }
        }
        summary.facesAltered = altered.count
        summary.framesAltered = altered.isEmpty ? 0 : 1
        try ImageFile.writePNG(picture, to: output)
        if let masksDir, let mask {
            let name = URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent + "_mask.png"
            try Self.writeMask(mask, width: picture.width, height: picture.height, to: masksDir + "/" + name)
        }
        summary.truth = try truthRecord(input: input, output: output, frameCount: 1,
                                        frames: altered.isEmpty ? [] : [.init(index: 0, time: 0, faces: altered)])
        try summary.truth!.write(to: TruthRecord.path(for: output))
        summary.timings = ["total": Clock.now - start]
        summary.meanFaceError = errorCount > 0 ? errorSum / Double(errorCount) : nil
        return summary
    }

    // MARK: - Faces

    /// One generated face (`[1, 3, S, S]` in [-1, 1]) per box of each frame.
    private func synthesise(_ frames: [FaceTracker.FinishedFrame], _ pictures: [RGBImage]) -> [[Tensor]] {
        switch settings.mode {
        case .replace:
            return frames.map { $0.boxes.map { replacementFace(track: $0.trackID) } }
        case .reencode:
            return frames.map { _ in [] }
        case .invert:
            var crops: [RGBImage] = [], starts: [[Float]?] = [], owners: [(frame: Int, track: Int)] = []
            let size = generator.architecture.imageSize
            for (k, frame) in frames.enumerated() {
                for box in frame.boxes {
                    crops.append(FaceCrop.crop(pictures[k], box: box.box, convention: settings.crop, size: size))
                    // Within a chunk, later frames of a track start where the track stood before it.
                    starts.append(lastLatent[box.trackID])
                    owners.append((k, box.trackID))
                }
            }
            guard !owners.isEmpty, let inverter else { return frames.map { _ in [] } }
            let targets = FaceTensors.batch(crops)
            // Cold and warm starts run different iteration counts: invert them separately.
            var images = [Tensor?](repeating: nil, count: owners.count)
            let cold = owners.indices.filter { starts[$0] == nil }, warm = owners.indices.filter { starts[$0] != nil }
            for group in [cold, warm] where !group.isEmpty {
                chunkIndex += 1
                let result = inverter.invert(FaceAlterer.rows(targets, group), starts: group.map { starts[$0] },
                                             seed: settings.seed &+ chunkIndex)
                for (j, i) in group.enumerated() {
                    images[i] = FaceAlterer.rows(result.images, [j])
                    lastLatent[owners[i].track] = result.latents[j]
                }
            }
            var out = frames.map { _ in [Tensor]() }
            for (i, owner) in owners.enumerated() { out[owner.frame].append(images[i]!) }
            return out
        }
    }

    private func replacementFace(track: Int) -> Tensor {
        if let face = replacementFaces[track] { return face }
        // One latent per track from (seed, track): the same identity on every frame of it.
        var random = SeededGenerator(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(track))
        let z = Tensor.randomNormal(shape: [1, generator.architecture.noiseSize, 1, 1], using: &random)
        let face = generator.forward(z, recording: false)
        replacementFaces[track] = face
        return face
    }

    /// Pastes one face over the crop square of `box`; returns its truth entry.
    private func paste(_ face: Tensor, box: TrackedBox, into picture: inout RGBImage, mask: inout [UInt8]?) -> TruthRecord.Face {
        let region = FaceCrop.region(for: box.box, convention: settings.crop)
        let original = picture.cropped(x: region.x, y: region.y, width: region.side, height: region.side)
        let pasted = settings.compositor.paste(
            FaceTensors.image(face), into: &picture, x: Double(region.x), y: Double(region.y),
            width: Double(region.side), height: Double(region.side))
        recordError(original: original, altered: picture.cropped(x: region.x, y: region.y, width: region.side, height: region.side),
                    mask: pasted.mask)
        let e = pasted.mask.extent
        // The mask's extent in frame pixels, clipped to the frame.
        let x0 = max(pasted.box.x + e.x, 0), y0 = max(pasted.box.y + e.y, 0)
        let x1 = min(pasted.box.x + e.x + e.width, picture.width), y1 = min(pasted.box.y + e.y + e.height, picture.height)
        if mask != nil {
            for row in 0..<pasted.box.height {
                let fy = pasted.box.y + row
                guard fy >= 0 && fy < picture.height else { continue }
                for col in 0..<pasted.box.width {
                    let fx = pasted.box.x + col
                    guard fx >= 0 && fx < picture.width else { continue }
                    let v = UInt8(min(max((pasted.mask[col, row] * 255).rounded(), 0), 255))
                    mask![fy * picture.width + fx] = max(mask![fy * picture.width + fx], v)
                }
            }
        }
        let b = box.box
        return TruthRecord.Face(
            track: box.trackID, box: [b.x, b.y, b.width, b.height].map { ($0 * 100).rounded() / 100 },
            mask: [x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)])
    }

    /// Accumulates the mask-weighted mean absolute difference of the pasted region (0–1).
    private func recordError(original: RGBImage, altered: RGBImage, mask: FaceMask) {
        var sum = 0.0, weight = 0.0
        for i in 0..<mask.weights.count where mask.weights[i] > 0 {
            let w = Double(mask.weights[i])
            for c in 0..<3 {
                sum += w * Double(abs(Int(original.pixels[i * 3 + c]) - Int(altered.pixels[i * 3 + c])))
            }
            weight += 3 * w
        }
        guard weight > 0 else { return }
        errorSum += sum / weight / 255
        errorCount += 1
    }

    private func truthRecord(input: String, output: String, frameCount: Int, frames: [TruthRecord.Frame]) throws -> TruthRecord {
        var encoder: [String: String]
        if output.lowercased().hasSuffix(".png") {
            encoder = ["codec": "png"]
        } else {
            encoder = ["codec": "libx264", "crf": String(settings.crf), "preset": settings.preset, "pixel_format": "yuv420p",
                       "audio": "copied from the source"]
        }
        encoder["blending"] = settings.compositor.blending.rawValue
        encoder["crop"] = settings.crop.name
        return TruthRecord(
            source: .init(path: input, sha256: try SHA256.hash(file: input)),
            output: .init(path: output, sha256: try SHA256.hash(file: output)),
            generator: .init(path: generatorPath, sha256: try SHA256.hash(file: generatorPath)),
            mode: settings.mode.rawValue, seed: settings.seed, encoder: encoder, frameCount: frameCount, frames: frames)
    }

    // MARK: - Pixels

    static func writeMask(_ mask: [UInt8], width: Int, height: Int, to path: String) throws {
        try ImageFile.writePNG(PNGImage(width: width, height: height, channels: 1, bitDepth: 8, samples: mask.map(UInt16.init)),
                               to: path, fast: true)
    }
}

/// Seconds on the monotonic clock.
enum Clock {
    static var now: Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

extension FaceAlterer {
    /// Images `indices` of a `[N, …]` batch, in that order.
    static func rows(_ batch: Tensor, _ indices: [Int]) -> Tensor {
        let perImage = batch.count / batch.shape[0]
        var values: [Float] = []
        values.reserveCapacity(indices.count * perImage)
        batch.withUnsafeBufferPointer { b in for i in indices { values += b[i * perImage..<(i + 1) * perImage] } }
        return Tensor(shape: [indices.count] + Array(batch.shape.dropFirst()), data: values)
    }
}
