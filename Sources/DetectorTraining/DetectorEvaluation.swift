import Detection
import Datasets
import Faces
import Foundation
import Media

/// `deepfake evaluate detector`: a detector's metrics on labelled real and fake inputs
/// (`schema: "deepfake-detector-evaluation/1"`, JSON Schema in
/// `schemas/deepfake-detector-evaluation-1.schema.json`).
///
/// Inputs are videos, images, or folders of them (not recursive). What counts as one item:
/// - **Frame level**: each sampled video frame with at least one face scores the maximum over its
///   faces; each face of a still image is an item of its own (an image is one frame). A square
///   image whose side is the model's image size is taken as an already cut face chip and scored as
///   it is; any other image goes through face detection and the crop convention.
/// - **Video level**: each video's score (its most suspicious track).
///
/// Labels: everything under `--real` is real (0) and under `--fake` fake (1), except in a fake video
/// with a `VIDEO.truth.json` sidecar (`TruthRecord`): there a frame the record lists with faces is
/// fake and scores the maximum over the faces that overlap a truth box (IoU ≥ 0.3, the tracker's
/// linking rule); other frames are real. A listed frame where no detected face overlaps a truth box
/// cannot be labelled and is counted as unscorable. Nothing is dropped silently: every input,
/// frame or image that gives no score is listed with the reason.
public struct DetectorEvaluation: Codable, Sendable {
    public static let schemaName = "deepfake-detector-evaluation/1"
    /// IoU with a truth box at which a detected face counts as the altered one.
    public static let truthOverlap = 0.3

    public var schema = DetectorEvaluation.schemaName
    public var tool: Report.Tool
    public var model: Report.Model
    public var settings: [String: String]
    /// Video frames and image faces.
    public var frameLevel: Level?
    /// Whole videos.
    public var videoLevel: Level?
    public var sources: [Source]
    /// Items that gave no score (the sum of the entries' counts).
    public var unscorableCount: Int
    public var unscorable: [Unscorable]
    public var warnings: [String]

    /// Metrics over one level's items.
    public struct Level: Codable, Sendable {
        public var items: Int
        public var real: Int
        public var fake: Int
        /// ROC AUC with its percentile-bootstrap 95% interval (1,000 resamples, seed 2026).
        public var auc: Metrics.Interval?
        public var equalErrorRate: Double?
        public var equalErrorThreshold: Double?
        public var averagePrecision: Double?
        public var logLoss: Double
        public var threshold: Double
        public var accuracy: Double
        public var confusion: Metrics.Confusion

        public init(labels: [Int], scores: [Double], threshold: Double, resamples: Int = 1000) {
            items = labels.count
            fake = labels.filter { $0 == 1 }.count
            real = items - fake
            auc = Metrics.bootstrap(labels: labels, scores: scores, resamples: resamples) { Metrics.auc(labels: $0, scores: $1) }
            let eer = Metrics.equalErrorRate(labels: labels, scores: scores)
            equalErrorRate = eer?.rate
            equalErrorThreshold = eer?.threshold
            averagePrecision = Metrics.averagePrecision(labels: labels, scores: scores)
            logLoss = Metrics.logLoss(labels: labels, probabilities: scores)
            self.threshold = threshold
            confusion = Metrics.confusion(labels: labels, scores: scores, threshold: threshold)
            accuracy = confusion.accuracy
        }
    }

    /// One command-line PATH's share.
    public struct Source: Codable, Sendable {
        public var path: String
        public var label: String
        /// Frame-level items and video count.
        public var items: Int
        public var videos: Int
        public var meanScore: Double?
        /// Items at or above the threshold.
        public var flagged: Int
        /// Share of its items on the right side of the threshold.
        public var accuracy: Double?
        public var unscorable: Int
    }

    /// Something that gave no score, and why.
    public struct Unscorable: Codable, Sendable, Equatable {
        public var path: String
        public var label: String
        public var reason: String
        /// Items this entry stands for (several frames of one video share an entry).
        public var count: Int
        public init(path: String, label: String, reason: String, count: Int = 1) {
            self.path = path
            self.label = label
            self.reason = reason
            self.count = count
        }
    }

    /// One scored item, as the metrics and the ROC plot see it.
    public struct Item: Sendable, Equatable {
        public var path: String
        public var source: String
        /// The frame index in a video; nil for images and video-level items.
        public var frame: Int?
        public var label: Int
        public var score: Double
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .throw
        return try encoder.encode(self)
    }
}

/// Runs a `VideoScorer` over labelled inputs and computes a `DetectorEvaluation`.
public final class DetectorEvaluator {
    public let scorer: VideoScorer
    /// Bootstrap resamples for the AUC intervals.
    public var resamples = 1000
    public private(set) var frameItems: [DetectorEvaluation.Item] = []
    public private(set) var videoItems: [DetectorEvaluation.Item] = []
    private var unscorable: [DetectorEvaluation.Unscorable] = []
    private var unscorableBySource: [String: Int] = [:]
    private var videosBySource: [String: Int] = [:]
    private var warnings: [String] = []
    private var chips: [(path: String, source: String, label: Int, image: RGBImage)] = []

    public init(scorer: VideoScorer) {
        self.scorer = scorer
    }

    static let videoExtensions: Set<String> = ["mp4", "mov", "m4v", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "flv", "wmv"]

    /// Scores every input. `progress` is told each file as it starts.
    public func evaluate(real: [String], fake: [String], progress: (String) -> Void = { _ in }) -> DetectorEvaluation {
        for (sources, label) in [(real, 0), (fake, 1)] {
            for source in sources {
                for file in expand(source, label: label) {
                    progress(file)
                    add(file, source: source, label: label)
                }
            }
        }
        flushChips()
        return result(real: real, fake: fake)
    }

    /// The files under a PATH; a missing path or an empty folder is listed as unscorable.
    private func expand(_ source: String, label: Int) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            skip(source, source: source, label: label, "no such file or folder")
            return []
        }
        guard isDirectory.boolValue else { return [source] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted()
        let files = names.filter {
            let ext = ($0 as NSString).pathExtension.lowercased()
            return VideoScorer.imageExtensions.contains(ext) || Self.videoExtensions.contains(ext)
        }.map { (source as NSString).appendingPathComponent($0) }
        if files.isEmpty { skip(source, source: source, label: label, "the folder holds no images or videos") }
        return files
    }

    private func skip(_ path: String, source: String, label: Int, _ reason: String) {
        unscorable.append(.init(path: path, label: label == 1 ? "fake" : "real", reason: reason))
        unscorableBySource[source, default: 0] += 1
    }

    private func add(_ path: String, source: String, label: Int) {
        if VideoScorer.isImage(path) {
            addImage(path, source: source, label: label)
        } else {
            addVideo(path, source: source, label: label)
        }
    }

    private func addImage(_ path: String, source: String, label: Int) {
        let image: RGBImage
        do {
            image = try ImageFile.read(path)
        } catch {
            skip(path, source: source, label: label, "\(error.code.rawValue): \(error.description)")
            return
        }
        let size = scorer.model.imageSize
        if image.width == size && image.height == size {
            chips.append((path, source, label, image))
            if chips.count >= 256 { flushChips() }
            return
        }
        let scored = scorer.score(path)
        if let error = scored.report.error {
            skip(path, source: source, label: label, "\(error.code): \(error.message)")
            return
        }
        let faces = scored.report.tracks.flatMap(\.faces)
        if faces.isEmpty {
            skip(path, source: source, label: label, "no face found")
            return
        }
        for face in faces { frameItems.append(.init(path: path, source: source, frame: nil, label: label, score: face.score)) }
    }

    private func flushChips() {
        guard !chips.isEmpty else { return }
        let scores = scorer.scoreCrops(chips.map(\.image))
        for (chip, score) in zip(chips, scores) {
            frameItems.append(.init(path: chip.path, source: chip.source, frame: nil, label: chip.label, score: score))
        }
        chips.removeAll(keepingCapacity: true)
    }

    private func addVideo(_ path: String, source: String, label: Int) {
        var truth: TruthRecord?
        if label == 1 {
            let truthPath = TruthRecord.path(for: path)
            if FileManager.default.fileExists(atPath: truthPath) {
                do {
                    truth = try TruthRecord.read(truthPath)
                } catch {
                    skip(path, source: source, label: label, "its truth file cannot be read: \(error.message)")
                    return
                }
            }
        }
        let scored = scorer.score(path)
        let report = scored.report
        if let error = report.error {
            skip(path, source: source, label: label, "\(error.code): \(error.message)")
            return
        }
        guard let summary = report.summary, let videoScore = summary.score else {
            skip(path, source: source, label: label, "no face found in \(report.summary?.framesSampled ?? 0) sampled frames")
            return
        }
        videosBySource[source, default: 0] += 1
        videoItems.append(.init(path: path, source: source, frame: nil, label: label, score: videoScore))
        var byFrame: [Int: [Report.Face]] = [:]
        for face in report.tracks.flatMap(\.faces) { byFrame[face.frame, default: []].append(face) }
        if label == 1 && truth == nil {
            warnings.append("'\(path)' has no truth file (\((path as NSString).lastPathComponent).truth.json): every frame with a face counts as fake")
        }
        var truthBoxes: [Int: [FaceBox]] = [:]
        for frame in truth?.frames ?? [] where !frame.faces.isEmpty {
            truthBoxes[frame.index] = frame.faces.compactMap { f in
                f.box.count == 4 ? FaceBox(x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3]) : nil
            }
        }
        var unmatched: [Int] = []
        for index in byFrame.keys.sorted() {
            let faces = byFrame[index]!
            var frameLabel = label, scores = faces.map(\.score)
            if truth != nil {
                if let boxes = truthBoxes[index] {
                    scores = faces.filter { face in
                        let b = FaceBox(x: face.box.x, y: face.box.y, width: face.box.width, height: face.box.height)
                        return boxes.contains { $0.iou(b) >= DetectorEvaluation.truthOverlap }
                    }.map(\.score)
                    if scores.isEmpty {
                        unmatched.append(index)
                        continue
                    }
                } else {
                    frameLabel = 0
                }
            }
            frameItems.append(.init(path: path, source: source, frame: index, label: frameLabel, score: scores.max()!))
        }
        if !unmatched.isEmpty {
            let list = unmatched.prefix(10).map(String.init).joined(separator: ", ") + (unmatched.count > 10 ? ", …" : "")
            unscorable.append(.init(
                path: path, label: "fake",
                reason: "\(unmatched.count) altered frames have no detected face overlapping a truth box (frames \(list))",
                count: unmatched.count))
            unscorableBySource[source, default: 0] += unmatched.count
        }
    }

    private func result(real: [String], fake: [String]) -> DetectorEvaluation {
        let threshold = scorer.aggregation.threshold
        func level(_ items: [DetectorEvaluation.Item]) -> DetectorEvaluation.Level? {
            items.isEmpty ? nil : .init(labels: items.map(\.label), scores: items.map(\.score), threshold: threshold, resamples: resamples)
        }
        var sources: [DetectorEvaluation.Source] = []
        for (list, label) in [(real, "real"), (fake, "fake")] {
            for path in list {
                let mine = frameItems.filter { $0.source == path }
                let flagged = mine.filter { $0.score >= threshold }.count
                let correct = mine.filter { ($0.score >= threshold) == ($0.label == 1) }.count
                sources.append(.init(
                    path: path, label: label, items: mine.count, videos: videosBySource[path] ?? 0,
                    meanScore: mine.isEmpty ? nil : Report.round(mine.map(\.score).reduce(0, +) / Double(mine.count)),
                    flagged: flagged, accuracy: mine.isEmpty ? nil : Report.round(Double(correct) / Double(mine.count)),
                    unscorable: unscorableBySource[path] ?? 0))
            }
        }
        var notes = warnings
        for (name, items) in [("frame", frameItems), ("video", videoItems)] where !items.isEmpty {
            let fakes = items.filter { $0.label == 1 }.count, reals = items.count - fakes
            if min(fakes, reals) < 10 {
                notes.append("\(name) level: only \(reals) real and \(fakes) fake items; its AUC interval says little")
            }
        }
        if !scorer.model.isCalibrated {
            notes.insert("model is an uncalibrated GAN discriminator: log loss and accuracy at 0.5 mean little; AUC, EER and AP still rank", at: 0)
        }
        var settings = scorer.reportSettings
        settings["truthOverlap"] = String(DetectorEvaluation.truthOverlap)
        settings["faceChips"] = "square images of \(scorer.model.imageSize)×\(scorer.model.imageSize) are scored as cut face chips"
        settings["bootstrap"] = "\(resamples) resamples, seed 2026, percentile 95% interval"
        return DetectorEvaluation(
            tool: .init(version: scorer.toolVersion), model: scorer.modelFacts, settings: settings,
            frameLevel: level(frameItems), videoLevel: level(videoItems), sources: sources,
            unscorableCount: unscorable.map(\.count).reduce(0, +), unscorable: unscorable, warnings: notes)
    }
}
