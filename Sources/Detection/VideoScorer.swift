import Datasets
import Dispatch
import Faces
import Foundation
import Media
import NN

/// How `VideoScorer` samples, detects and scores.
public struct ScoreSettings: Sendable, Equatable {
    public var sampling: ScoreSampling
    /// Replaces the model's threshold when set.
    public var threshold: Double?
    /// The face detector and its settings (smallest face, presence, cascade options).
    public var faces: FaceDetectorConfiguration
    /// Smallest face side in pixels of the frame.
    public var minFace: Int { faces.minFace }
    /// Scan whole frames on every Nth sampled frame, and near the tracks in between; nil: 3. Samples
    /// more than ``VideoFaceFinder/trackingGap`` seconds apart are always scanned whole (as
    /// `deepfake faces`).
    public var detectEvery: Int?
    /// Faces scored per forward pass of the detector.
    public var batchSize: Int
    /// Decode every frame, even unsampled ones no other frame needs (``SampledFrameWalk``): shot
    /// changes are then reported at their exact frame. The scores are the same either way.
    public var decodeAll: Bool
    /// Tracks whose most and least suspicious crops are kept for the HTML page: the most
    /// suspicious ones (by their highest face score so far), at most this many; 0 keeps none.
    /// Bounded so that memory does not grow with the video (an hour at one frame a second can
    /// hold thousands of short tracks).
    public var thumbnailTracks: Int

    public init(sampling: ScoreSampling = .standard, threshold: Double? = nil, faces: FaceDetectorConfiguration = .init(),
                detectEvery: Int? = nil, batchSize: Int = 32, decodeAll: Bool = false, thumbnailTracks: Int = 64) {
        precondition(batchSize >= 1 && faces.minFace >= 1 && thumbnailTracks >= 0)
        self.thumbnailTracks = thumbnailTracks
        self.sampling = sampling
        self.threshold = threshold
        self.faces = faces
        self.detectEvery = detectEvery
        self.batchSize = batchSize
        self.decodeAll = decodeAll
    }

    /// The detection interval in sampled frames.
    public var detectionInterval: Int { detectEvery ?? VideoFaceFinder.defaultDetectEvery }
}

/// One scored input: the report, and each track's most and least suspicious crop for the HTML page.
public struct ScoredInput: Sendable {
    public var report: Report
    public var thumbnails: ReportHTML.Thumbnails

    public init(report: Report, thumbnails: ReportHTML.Thumbnails) {
        self.report = report
        self.thumbnails = thumbnails
    }
}

/// Scores a video or a still image: sampled frames → face tracks (`VideoFaceFinder`, the settings
/// `deepfake faces` uses) → crops by the model's crop convention at its image size → the
/// detector in batches → `Report.assemble` → a `Report`.
///
/// Every decoded frame goes through the shot-change detector, sampled or not, so tracks never
/// cross a cut; only sampled frames are converted at full size, the rest as 320-pixel previews,
/// and unsampled frames that no other frame refers to are not decoded (``SampledFrameWalk``).
/// Memory is bounded: only sampled frames the tracker has not released yet and one batch of crops
/// are held. A failure never gives a score: the report then carries `error` and no
/// summary, and no face gives the verdict `no-face`.
public final class VideoScorer {
    public let model: DetectorModel
    public let detector: any FrameFaceDetector
    public let settings: ScoreSettings
    /// The model as the report names it.
    public let modelFacts: Report.Model
    public let toolVersion: String
    public let aggregation: Aggregation

    /// File extensions read as still images rather than videos.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "ppm", "pgm"]

    public static func isImage(_ path: String) -> Bool {
        imageExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// - Parameters:
    ///   - modelPath, modelSHA256: how the report names the model file.
    ///   - detector: the face detector; nil builds the one `settings.faces` describes.
    public init(model: DetectorModel, modelPath: String, modelSHA256: String, detector: (any FrameFaceDetector)? = nil,
                settings: ScoreSettings = .init(), toolVersion: String) throws(FacesError) {
        self.model = model
        self.settings = settings
        self.toolVersion = toolVersion
        if let detector { self.detector = detector } else { self.detector = try settings.faces.make() }
        let threshold = settings.threshold ?? model.threshold
        aggregation = Aggregation(threshold: threshold, band: model.uncertainBand)
        modelFacts = Report.Model(
            path: modelPath, sha256: modelSHA256, threshold: threshold, uncertainBand: model.uncertainBand,
            temperature: model.calibration.temperature, calibrated: model.isCalibrated, crop: model.cropName,
            imageSize: model.imageSize)
    }

    /// The settings as the report records them.
    public var reportSettings: [String: String] {
        detector.reportSettings.merging([
            "sampling": settings.sampling.description,
            "detectEvery": String(settings.detectionInterval),
            "crop": model.cropName,
            "cropSize": String(model.imageSize),
            "batch": String(settings.batchSize),
            "decode": settings.decodeAll ? "every frame" : "sampled and reference frames",
            "threshold": String(aggregation.threshold),
            "uncertainBand": String(aggregation.band),
            "aggregation": "face: calibrated P(fake); frame: max; track: 10%-trimmed mean; "
                + "video: most suspicious track of at least \(aggregation.minimumTrackFaces) faces",
        ]) { a, _ in a }
    }

    /// How the face stream walks an input for this scorer: tracking at the detection interval, the
    /// model's crop convention and size.
    var streamSettings: TrackedFaceStream.Settings {
        .init(finder: .tracking(detectEvery: settings.detectionInterval), crop: model.cropSpec,
              decodeAll: settings.decodeAll)
    }

    /// Scores crops already cut at the model's size, in batches of `settings.batchSize`.
    public func scoreCrops(_ crops: [RGBImage]) -> [Double] {
        var scores: [Double] = []
        scores.reserveCapacity(crops.count)
        for start in stride(from: 0, to: crops.count, by: settings.batchSize) {
            let chunk = Array(crops[start..<min(start + settings.batchSize, crops.count)])
            scores += model.probabilities(FaceTensors.batch(chunk))
        }
        return scores
    }

    /// Scores one input. Never throws: a failure is the report's `error`.
    /// - Parameters:
    ///   - inputSHA256: the input's SHA-256 and the seconds it took, when the caller has hashed it
    ///     already (to look it up in a results store); the input is then not read twice.
    ///   - progress: called after each sampled frame with (frames sampled, frames expected).
    public func score(_ path: String, inputSHA256: (hash: String, seconds: Double)? = nil,
                      progress: (Int, Int?) -> Void = { _, _ in }) -> ScoredInput {
        let run = ScoringRun(scorer: self, path: path)
        // The total counts the caller's hashing too.
        let now = DispatchTime.now().uptimeNanoseconds
        let started = now - min(now, UInt64(max(0, inputSHA256?.seconds ?? 0) * 1e9))
        do {
            if let inputSHA256 {
                run.input.sha256 = inputSHA256.hash
                run.timings["hash"] = inputSHA256.seconds
            } else {
                try run.hashInput()
            }
            if Self.isImage(path) {
                try run.scoreImage(progress: progress)
            } else {
                try run.scoreVideo(progress: progress)
            }
        } catch let error as MediaError {
            return run.failure(code: error.code.rawValue, message: error.description, started: started)
        } catch {
            return run.failure(code: "failed", message: "'\(path)': \(error)", started: started)
        }
        return run.finish(started: started)
    }
}

/// The state of scoring one input.
private final class ScoringRun {
    let scorer: VideoScorer
    let path: String
    var input: Report.Input
    var timings: [String: Double] = ["decode": 0, "detect": 0, "crop": 0, "score": 0]
    var warnings: [String] = []
    var sampledFrames: [(index: Int, time: Double)] = []
    var faces: [Int: [Report.Face]] = [:]
    var best: [Int: (most: (Double, RGBImage), least: (Double, RGBImage))] = [:]
    var pending: [(crop: RGBImage, frame: Int, time: Double, track: Int, box: FaceBox, keypoints: [SIMD2<Float>]?)] = []
    var framesRead = 0

    init(scorer: VideoScorer, path: String) {
        self.scorer = scorer
        self.path = path
        input = Report.Input(path: path)
    }

    func hashInput() throws {
        let t = now()
        input.sha256 = try SHA256.hash(file: path)
        timings["hash"] = seconds(since: t)
    }

    func scoreImage(progress: (Int, Int?) -> Void) throws {
        let t = now()
        let image = try ImageFile.read(path)
        timings["decode", default: 0] += seconds(since: t)
        input.container = "image"
        input.codec = (path as NSString).pathExtension.lowercased()
        input.width = image.width
        input.height = image.height
        input.frameCount = 1
        let stream = TrackedFaceStream(detector: scorer.detector, settings: scorer.streamSettings)
        sampledFrames.append((0, 0))
        framesRead = 1
        try stream.run(image: image) { frame in take(frame) }
        timings["detect", default: 0] += stream.timings.detect
        timings["crop", default: 0] += stream.timings.crop
        progress(1, 1)
        try flush()
    }

    func scoreVideo(progress: (Int, Int?) -> Void) throws {
        let t = now()
        let reader = try VideoReader(path: path)
        let info = reader.info
        input.container = info.container
        input.codec = info.videoCodec
        input.width = info.uprightWidth
        input.height = info.uprightHeight
        input.fps = info.frameRate.value > 0 ? Report.round(info.frameRate.value) : nil
        input.duration = Report.round(info.duration)
        var frameCount = info.frameCount
        if frameCount == nil, case .count = scorer.settings.sampling { frameCount = try reader.countFrames() }
        var selector = FrameSelector(scorer.settings.sampling, frameCount: frameCount)
        timings["decode", default: 0] += seconds(since: t)

        let stream = TrackedFaceStream(detector: scorer.detector, settings: scorer.streamSettings)
        let expected = selector.expected
        try stream.run(reader, selector: &selector, frameCount: frameCount, sampled: { progress($0, expected) }) { frame in
            sampledFrames.append((frame.index, frame.time))
            take(frame)
            if pending.count >= scorer.settings.batchSize { try flush() }
        }
        framesRead = stream.framesRead
        timings["decode", default: 0] += stream.timings.decode
        timings["detect", default: 0] += stream.timings.detect
        timings["crop", default: 0] += stream.timings.crop
        try flush()
        input.frameCount = framesRead
        if let header = info.frameCount, header != framesRead {
            warnings.append("the container's header gives \(header) frames; \(framesRead) decoded")
        }
        if stream.damagedPackets > 0 {
            warnings.append("the decoder skipped \(stream.damagedPackets) damaged packets")
        }
        if !stream.shotChanges.isEmpty {
            warnings.append("\(stream.shotChanges.count) shot changes (at frames \(stream.shotChanges.map(String.init).joined(separator: ", "))); tracks end at each")
        }
        if framesRead == 0 {
            throw MediaError(.corruptStream, path: path, reason: "no frame could be decoded", hint: "Check that the video plays; re-encode it")
        }
    }

    /// Queues the crops of a tracked frame for scoring.
    func take(_ frame: TrackedFrame) {
        for (tracked, crop) in zip(frame.faces, frame.crops) {
            guard let crop else { continue }
            pending.append((crop, frame.index, frame.time, tracked.trackID, tracked.box, tracked.shape?.keypoints))
        }
    }

    /// Scores the pending crops.
    /// - Throws: `DetectorError.invalidModel` naming the model when a score is not a number (weights
    ///   so large that D overflows; non-finite weights are refused when the model is loaded).
    func flush() throws {
        guard !pending.isEmpty else { return }
        let t = now()
        let scores = scorer.model.probabilities(FaceTensors.batch(pending.map(\.crop)))
        timings["score", default: 0] += seconds(since: t)
        if let bad = scores.first(where: { !$0.isFinite }) {
            throw DetectorError(.invalidModel, path: scorer.modelFacts.path,
                                "gave a score of \(bad) on a face crop, so its weights are damaged (too large for float32). "
                                    + "Use another model, or rebuild it")
        }
        for (face, score) in zip(pending, scores) {
            func r(_ v: Double) -> Double { (v * 100).rounded() / 100 }
            let box = Report.Box(x: r(face.box.x), y: r(face.box.y), width: r(face.box.width), height: r(face.box.height))
            faces[face.track, default: []].append(Report.Face(frame: face.frame, time: face.time, box: box, score: score, keypoints: face.keypoints))
            keepThumbnail(face.crop, score: score, track: face.track)
        }
        pending.removeAll(keepingCapacity: true)
        ProcessMemory.releaseFreedMemory()
    }

    /// Keeps the crop as its track's most or least suspicious thumbnail, for at most
    /// `thumbnailTracks` tracks: beyond that, the track whose highest score is lowest gives way.
    func keepThumbnail(_ crop: RGBImage, score: Double, track: Int) {
        let limit = scorer.settings.thumbnailTracks
        guard limit > 0 else { return }
        if var pair = best[track] {
            if score > pair.most.0 { pair.most = (score, crop) }
            if score < pair.least.0 { pair.least = (score, crop) }
            best[track] = pair
            return
        }
        if best.count >= limit {
            guard let weakest = best.min(by: { ($0.value.most.0, $0.key) < ($1.value.most.0, $1.key) }),
                  weakest.value.most.0 < score
            else { return }
            best.removeValue(forKey: weakest.key)
        }
        best[track] = ((score, crop), (score, crop))
    }

    func baseWarnings() -> [String] {
        var list: [String] = []
        if !scorer.model.isCalibrated {
            list.append("model is an uncalibrated GAN discriminator: scores are 1 − D(x) with temperature 1 and threshold 0.5, not fitted on labelled data")
        }
        if let threshold = scorer.settings.threshold, threshold != scorer.model.threshold {
            list.append("threshold \(threshold) set on the command line replaces the model's \(scorer.model.threshold)")
        }
        return list
    }

    func finish(started: UInt64) -> ScoredInput {
        let a = scorer.aggregation
        let parts = Report.assemble(sampledFrames: sampledFrames, faces: faces, aggregation: a)
        var notes = baseWarnings() + warnings
        let short = parts.tracks.filter { $0.faces.count < a.minimumTrackFaces }
        if !short.isEmpty && short.count < parts.tracks.count {
            notes.append("\(short.count) of \(parts.tracks.count) tracks have fewer than \(a.minimumTrackFaces) faces and do not count towards the video's score")
        }
        if parts.summary.verdict == .noFace {
            notes.append("no face found in \(parts.summary.framesSampled) sampled frames: no score")
        }
        timings["total"] = seconds(since: started)
        let report = Report(
            tool: .init(version: scorer.toolVersion), model: scorer.modelFacts, input: input, settings: scorer.reportSettings,
            summary: parts.summary, tracks: parts.tracks, frames: parts.frames, segments: parts.segments,
            timings: timings.mapValues(Report.round), warnings: notes)
        return ScoredInput(report: report, thumbnails: best.mapValues { ($0.most.1, $0.least.1) })
    }

    func failure(code: String, message: String, started: UInt64) -> ScoredInput {
        timings["total"] = seconds(since: started)
        let report = Report(
            tool: .init(version: scorer.toolVersion), model: scorer.modelFacts, input: input, settings: scorer.reportSettings,
            summary: nil, tracks: [], frames: [], segments: [], timings: timings.mapValues(Report.round),
            warnings: baseWarnings() + warnings, error: .init(code: code, message: message))
        return ScoredInput(report: report, thumbnails: [:])
    }

    private func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    private func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
