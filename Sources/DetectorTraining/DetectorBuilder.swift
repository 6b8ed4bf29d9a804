import Detection
import Datasets
import Faces
import Foundation
import GAN
import Media
import NN

/// `deepfake detector build`: the GAN's discriminator fine-tuned on real against fake face crops,
/// calibrated and given a threshold on a validation split by source, with everything that went in
/// recorded in the model's metadata.
///
/// Inputs (``Inputs``), by kind:
/// - real: folders of face chips (PNG/JPEG; an index CSV selects a split and groups chips by
///   `original_md5`) and real videos (faces found and tracked in evenly spaced frames);
/// - fake: generator files and GAN checkpoints (seeded samples), altered videos with their
///   `VIDEO.truth.json` (only the faces the truth file lists), and folders of generated images.
public final class DetectorBuilder {
    public struct Inputs: Sendable {
        public var gan: String
        public var real: [String]
        public var fake: [String]
        /// Index CSV for the real image folders (e.g. `utkface/index.csv`).
        public var realIndex: String?
        /// Rows of `realIndex` whose `split` column has this value.
        public var realSplit: String?
        /// At most this many chips per image folder, evenly spread (quick runs).
        public var maxImagesPerFolder: Int?
        public var samplesPerGenerator: Int
        /// Frames sampled evenly per video (over the altered frames of an altered video).
        public var videoFrames: Int
        /// Dataset cache folder for image folders (nil: none).
        public var cache: String?
        /// Split generator samples by sampling batch of 64 instead of by generator file. By file,
        /// validation measures detection of a generator never trained on (a held-out checkpoint);
        /// by batch, detection of new samples of the generators trained on, as when the detector
        /// meets faces `deepfake alter` pasted from the same GAN. Samples of different batches are
        /// independent draws, so no sample is on both sides either way.
        public var generatorsGroupedByBatch: Bool
        /// A folder of real face chips (UTKFace's) to make self-blended pairs from, on the fly in
        /// training and a fixed set for validation; rows and groups from `realIndex`/`realSplit`.
        public var selfBlendedChips: String?
        /// Self-blended validation pairs (from the validation side's chips).
        public var selfBlendedValidationPairs: Int

        public init(gan: String, real: [String], fake: [String], realIndex: String? = nil, realSplit: String? = nil,
                    maxImagesPerFolder: Int? = nil, samplesPerGenerator: Int = 1024, videoFrames: Int = 48,
                    cache: String? = nil, generatorsGroupedByBatch: Bool = false, selfBlendedChips: String? = nil,
                    selfBlendedValidationPairs: Int = 1024) {
            self.selfBlendedChips = selfBlendedChips
            self.selfBlendedValidationPairs = selfBlendedValidationPairs
            self.gan = gan
            self.real = real
            self.fake = fake
            self.realIndex = realIndex
            self.realSplit = realSplit
            self.maxImagesPerFolder = maxImagesPerFolder
            self.samplesPerGenerator = samplesPerGenerator
            self.videoFrames = videoFrames
            self.cache = cache
            self.generatorsGroupedByBatch = generatorsGroupedByBatch
        }
    }

    public struct Options: Sendable {
        public var validationFraction: Double
        public var training: DetectorTrainer.Settings
        /// Threshold at this false-positive rate on validation; nil: at the equal error rate.
        public var falsePositiveRate: Double?
        /// The face detector for videos.
        public var faceDetector: FaceDetectorConfiguration

        public init(validationFraction: Double = 0.2, training: DetectorTrainer.Settings = .init(),
                    falsePositiveRate: Double? = nil, faceDetector: FaceDetectorConfiguration = .init()) {
            self.validationFraction = validationFraction
            self.training = training
            self.falsePositiveRate = falsePositiveRate
            self.faceDetector = faceDetector
        }
    }


    /// What the builder is doing, for progress display.
    public enum Event {
        case sourceStarted(kind: String, path: String)
        case sourceDone(DetectorCropSources.SourceRecord)
        case split(training: LabelledCrops, validation: LabelledCrops)
        case training(DetectorTrainer.Event, stepsPerEpoch: Int)
        /// Landmarks found on `done` of `total` chips for self-blending.
        case chipLandmarks(done: Int, total: Int)
        /// Faces for self-blended pairs: on each side of the split, and chips without a face.
        case selfBlended(trainingFaces: Int, validationFaces: Int, skipped: Int)
    }

    /// Validation metrics of the built detector.
    public struct ValidationSummary: Codable, Equatable, Sendable {
        public var real: Int
        public var fake: Int
        public var groups: Int
        public var auc: Double
        public var eer: Double
        public var averagePrecision: Double
        public var logLossUncalibrated: Double
        public var logLossCalibrated: Double
        public var temperature: Double
        public var threshold: Double
        public var falsePositiveRateAtThreshold: Double
        public var truePositiveRateAtThreshold: Double
        /// The starting discriminator's AUC and log loss on the same crops, before fine-tuning.
        public var startingAUC: Double?
        public var startingLogLoss: Double
        /// Other thresholds one could ship: at validation false-positive rates of 0.1%, 0.5%, 1%
        /// and 2%, each with the true-positive rate it gives (calibrated probabilities).
        public var operatingPoints: [OperatingPoint] = []

        enum CodingKeys: String, CodingKey {
            case real, fake, groups, auc, eer, temperature, threshold
            case averagePrecision = "ap"
            case logLossUncalibrated = "log_loss_uncalibrated"
            case logLossCalibrated = "log_loss_calibrated"
            case falsePositiveRateAtThreshold = "fpr_at_threshold"
            case truePositiveRateAtThreshold = "tpr_at_threshold"
            case startingAUC = "starting_auc"
            case startingLogLoss = "starting_log_loss"
            case operatingPoints = "operating_points"
        }
    }

    /// A threshold with its false- and true-positive rates on the validation split.
    public struct OperatingPoint: Codable, Equatable, Sendable {
        public var targetFalsePositiveRate: Double
        public var threshold: Double
        public var falsePositiveRate: Double
        public var truePositiveRate: Double

        enum CodingKeys: String, CodingKey {
            case threshold
            case targetFalsePositiveRate = "target_fpr"
            case falsePositiveRate = "fpr"
            case truePositiveRate = "tpr"
        }
    }

    public struct Result {
        public var model: DetectorModel
        public var summary: ValidationSummary
        public var history: [DetectorTrainer.EpochResult]
        public var records: [DetectorCropSources.SourceRecord]
        /// Metadata to pass to `DetectorModel.write(to:extra:)`.
        public var metadata: [String: String]
    }

    public let inputs: Inputs
    public let options: Options

    public init(inputs: Inputs, options: Options) {
        self.inputs = inputs
        self.options = options
    }

    // MARK: - Checks

    /// What a path given as --real or --fake is.
    public enum SourceKind: String, Sendable {
        case imageFolder = "image-folder"
        case video
        case alteredVideo = "altered-video"
        case generator
    }

    static let modelExtensions: Set<String> = ["safetensors"]

    /// Classifies a path and checks it can be used, before any work is done.
    /// - Throws: `DetectorError` naming the path: missing, unreadable, empty, a model given as
    ///   real data, or a fake video without its truth file.
    public static func kind(of path: String, fake: Bool) throws(DetectorError) -> SourceKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DetectorError(.notFound, path: path, "no such file or folder. Check the path")
        }
        if isDirectory.boolValue { return .imageFolder }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DetectorError(.invalidData, path: path, "cannot be read (permission denied). Check its permissions")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else {
            throw DetectorError(.invalidData, path: path, "the file is empty (0 bytes). Copy or make it again")
        }
        let isModel = modelExtensions.contains((path as NSString).pathExtension.lowercased())
        switch (fake, isModel) {
        case (false, true):
            throw DetectorError(.invalidData, path: path,
                                "a model file is not real data. Pass generators and GAN checkpoints as --fake")
        case (true, true):
            return .generator
        case (false, false):
            return .video
        case (true, false):
            let truth = TruthRecord.path(for: path)
            guard FileManager.default.fileExists(atPath: truth) else {
                throw DetectorError(
                    .invalidData, path: path,
                    "a fake video needs its truth file '\(truth)', which says which faces were altered. "
                        + "Make altered videos with `deepfake alter`, which writes it, or pass a real video as --real")
            }
            return .alteredVideo
        }
    }

    /// The discriminator of a GAN file as an uncalibrated detector.
    /// - Throws: `DetectorError` naming the file when it is missing, unreadable, or holds no
    ///   discriminator (a generator-only file).
    public static func startingModel(_ path: String) throws(DetectorError) -> DetectorModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DetectorError(.notFound, path: path,
                                "no such GAN file. Pass --gan a training checkpoint (RUN/checkpoints/*.safetensors) "
                                    + "or a G+D file from models/")
        }
        if let file = try? SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)),
           file.metadata["schema"] == GeneratorFile.schema {
            throw DetectorError(.invalidModel, path: path,
                                "holds a generator only (schema '\(GeneratorFile.schema)'), no discriminator to start from. "
                                    + "Pass --gan a training checkpoint (RUN/checkpoints/*.safetensors) or a G+D file "
                                    + "written by `deepfake train --export-networks`")
        }
        return try DetectorModel.load(URL(fileURLWithPath: path))
    }

    // MARK: - Self-blended pairs

    /// Self-blended pairs from a folder of face chips: landmarks found (and cached), the faces split
    /// by source as the crops are, an endless training stream and a fixed set of validation pairs.
    func selfBlendedPairs(
        _ folder: String, model: DetectorModel, _ report: (Event) -> Void
    ) throws -> (training: SelfBlendedPairs, validation: LabelledCrops) {
        var files: [String] = [], groups: [String] = []
        if let index = inputs.realIndex {
            let table = try CSVTable(path: index)
            let file = try table.column("file")
            let split = inputs.realSplit.flatMap { _ in table.columns.firstIndex(of: "split") }
            let md5 = table.columns.firstIndex(of: "original_md5")
            for row in table.rows where split.map({ row[$0] == inputs.realSplit }) ?? true {
                files.append(row[file])
                groups.append("image:" + (md5.map { row[$0] } ?? row[file]))
            }
        } else {
            files = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
                ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            groups = files.map { "image:\(folder)/\($0)" }
        }
        if let limit = inputs.maxImagesPerFolder, limit < files.count {
            let picked = (0..<limit).map { $0 * files.count / limit }
            files = picked.map { files[$0] }
            groups = picked.map { groups[$0] }
        }
        guard !files.isEmpty else {
            throw DetectorError(.invalidData, path: folder, "holds no face chips to self-blend (PNG or JPEG, or rows of the index)")
        }
        var configuration = options.faceDetector
        configuration.kind = .mediapipe
        let modelFiles = try FaceModelFiles.locate(modelsFolders: configuration.modelsFolders)
        let detector = try MeshFaceDetector(files: modelFiles)
        let landmarks = try ChipLandmarks.load(
            files: files, folder: folder, detector: detector, modelHashes: FaceModel.allCases.map(\.sha256),
            cacheFolder: inputs.cache.map { URL(fileURLWithPath: $0) }, progress: { report(.chipLandmarks(done: $0, total: $1)) })
        let validationGroups = SourceSplit.validationGroups(groups, fraction: options.validationFraction)
        var trainingFaces: [SelfBlendedPairs.Face] = [], validationFaces: [SelfBlendedPairs.Face] = [], validationOwners: [String] = []
        var skipped = 0
        for (k, file) in files.enumerated() {
            guard let points = landmarks[k] else { skipped += 1; continue }
            let image = try ImageFile.read((folder as NSString).appendingPathComponent(file))
            let face = SelfBlendedPairs.Face(image: image, landmarks: points)
            if validationGroups.contains(groups[k]) {
                validationFaces.append(face)
                validationOwners.append(groups[k])
            } else {
                trainingFaces.append(face)
            }
        }
        report(.selfBlended(trainingFaces: trainingFaces.count, validationFaces: validationFaces.count, skipped: skipped))
        guard !trainingFaces.isEmpty, !validationFaces.isEmpty else {
            throw DetectorError(.invalidData, path: folder,
                                "self-blending needs faces on both sides of the split: \(trainingFaces.count) training, "
                                    + "\(validationFaces.count) validation (\(skipped) chips without a face). Give more chips")
        }
        let seed = options.training.seed
        let training = SelfBlendedPairs(faces: trainingFaces, seed: seed ^ 0x5342_4954, crop: model.cropSpec,
                                        augmentation: options.training.augmentation)
        let held = SelfBlendedPairs(faces: validationFaces, seed: seed ^ 0x5342_4956, crop: model.cropSpec, augmentation: .none)
        var validation = LabelledCrops(size: model.imageSize)
        let codec = JPEGCodec()
        for k in 0..<inputs.selfBlendedValidationPairs {
            let pair = try held.pair(k, codec: codec)
            // Pairs are grouped with their chip's source, as the chips themselves are.
            let group = validationOwners[held.sourceIndices[pair.faceIndex]]
            validation.append(pair.real, label: 0, group: group)
            validation.append(pair.fake, label: 1, group: group)
        }
        return (training, validation)
    }

    // MARK: - Building

    /// Loads the starting detector, collects and splits the crops, fine-tunes, calibrates and
    /// sets the threshold. Writes nothing.
    /// - Throws: `DetectorError` (bad model or source, too little data), `MediaError`, `FacesError`.
    public func build(_ report: (Event) -> Void) throws -> Result {
        let model = try Self.startingModel(inputs.gan)
        var kinds: [(String, SourceKind)] = []
        for path in inputs.real { kinds.append((path, try Self.kind(of: path, fake: false))) }
        for path in inputs.fake { kinds.append((path, try Self.kind(of: path, fake: true))) }
        var (crops, records) = try collect(kinds, size: model.imageSize, convention: model.crop, report)
        let (training, validation) = SourceSplit.split(crops, fraction: options.validationFraction)
        // Which side each input landed on, for the metadata: its crops come one input after another.
        let validationGroups = Set(validation.groups)
        var offset = 0
        for i in records.indices {
            let range = offset..<(offset + records[i].crops)
            records[i].details["validation_crops"] = String(range.filter { validationGroups.contains(crops.groups[$0]) }.count)
            offset = range.upperBound
        }
        crops = LabelledCrops(size: crops.size)  // free the joined copy
        // Self-blended pairs can stand in for every fake (share 1), and add fakes to validation.
        let blendsOnly = inputs.selfBlendedChips != nil && options.training.selfBlendedShare >= 1
        for (name, part) in [("training", training), ("validation", validation)]
        where part.realCount == 0 || (part.fakeCount == 0 && !blendsOnly) {
            let missing = part.realCount == 0 ? "real" : "fake"
            throw DetectorError(
                .invalidData, path: inputs.gan,
                "the \(name) split holds no \(missing) crops (\(crops.realCount) real and \(crops.fakeCount) fake in all, "
                    + "split by source). Give more \(missing) sources, e.g. several GAN checkpoints or videos, "
                    + "or change --val-fraction")
        }
        var validationSet = validation
        var settings = options.training
        if let chips = inputs.selfBlendedChips {
            let (pairs, held) = try selfBlendedPairs(chips, model: model, report)
            settings.selfBlended = pairs
            validationSet.append(contentsOf: held)
            records.append(DetectorCropSources.SourceRecord(
                kind: "self-blended-chips", path: chips, sha256: "", label: "real+fake", crops: held.count,
                details: ["training_faces": String(pairs.faces.count), "validation_pairs": String(held.count / 2),
                          "share_of_batch": String(settings.selfBlendedShare)]))
        }
        report(.split(training: training, validation: validationSet))

        let trainer = DetectorTrainer(model: model, training: training, validation: validationSet, settings: settings)
        let steps = trainer.stepsPerEpoch
        let history = try trainer.run { report(.training($0, stepsPerEpoch: steps)) }

        // Calibration and threshold on the validation crops, with the best weights.
        let logits = DetectorTrainer.fakeLogits(model, validationSet)
        let labels = validationSet.labels
        let calibration = TemperatureScaling.fit(logits: logits, labels: labels)
        let calibrated = logits.map { calibration.probability(logit: $0) }
        let raw = logits.map { 1 / (1 + exp(-$0)) }
        let eer = Metrics.equalErrorRate(labels: labels, scores: calibrated)
        // A threshold brought into 0...1 (1 when undefined).
        func clamped(_ t: Double) -> Double { min(max(t.isFinite ? t : 1, 0), 1) }
        // The lowest threshold with at most this validation FPR.
        func thresholdAt(falsePositiveRate rate: Double) -> Double {
            clamped(Metrics.threshold(forFalsePositiveRate: rate, labels: labels, scores: calibrated))
        }
        let threshold: Double
        let rule: String
        if let fpr = options.falsePositiveRate {
            threshold = thresholdAt(falsePositiveRate: fpr)
            rule = "lowest threshold with false-positive rate <= \(fpr) on the validation split (calibrated probabilities)"
        } else {
            threshold = clamped(eer?.threshold ?? 0.5)
            rule = "equal error rate on the validation split (calibrated probabilities, interpolated at FPR = FNR)"
        }
        model.calibration = calibration
        model.threshold = threshold
        model.isCalibrated = true
        let confusion = Metrics.confusion(labels: labels, scores: calibrated, threshold: threshold)
        let summary = ValidationSummary(
            real: validationSet.realCount, fake: validationSet.fakeCount, groups: Set(validationSet.groups).count,
            auc: Metrics.auc(labels: labels, scores: calibrated) ?? .nan, eer: eer?.rate ?? .nan,
            averagePrecision: Metrics.averagePrecision(labels: labels, scores: calibrated) ?? .nan,
            logLossUncalibrated: Metrics.logLoss(labels: labels, probabilities: raw),
            logLossCalibrated: Metrics.logLoss(labels: labels, probabilities: calibrated),
            temperature: calibration.temperature, threshold: threshold,
            falsePositiveRateAtThreshold: confusion.falsePositiveRate,
            truePositiveRateAtThreshold: confusion.truePositiveRate,
            startingAUC: history.first?.validationAUC, startingLogLoss: history.first?.validationLogLoss ?? .nan,
            operatingPoints: [0.001, 0.005, 0.01, 0.02].map { target in
                let t = thresholdAt(falsePositiveRate: target)
                let c = Metrics.confusion(labels: labels, scores: calibrated, threshold: t)
                return OperatingPoint(targetFalsePositiveRate: target, threshold: t,
                                      falsePositiveRate: c.falsePositiveRate, truePositiveRate: c.truePositiveRate)
            })

        let metadata = provenance(
            summary: summary, history: history, records: records, rule: rule, training: training, trainer: trainer)
        return Result(model: model, summary: summary, history: history, records: records, metadata: metadata)
    }

    func collect(
        _ kinds: [(String, SourceKind)], size: Int, convention: CropConvention, _ report: (Event) -> Void
    ) throws -> (LabelledCrops, [DetectorCropSources.SourceRecord]) {
        var all = LabelledCrops(size: size)
        var records: [DetectorCropSources.SourceRecord] = []
        let generatorCount = kinds.filter { $0.1 == .generator }.count
        var faceDetector: (any FrameFaceDetector)?
        func detector() throws -> any FrameFaceDetector {
            if let faceDetector { return faceDetector }
            let made = try options.faceDetector.make()
            faceDetector = made
            return made
        }
        for (index, (path, kind)) in kinds.enumerated() {
            let label = index >= inputs.real.count ? 1 : 0
            report(.sourceStarted(kind: kind.rawValue, path: path))
            let part: (crops: LabelledCrops, record: DetectorCropSources.SourceRecord)
            switch kind {
            case .imageFolder:
                do {
                    part = try DetectorCropSources.imageFolder(
                        path, label: label, size: size, index: label == 0 ? inputs.realIndex : nil,
                        split: label == 0 ? inputs.realSplit : nil, cache: inputs.cache, limit: inputs.maxImagesPerFolder)
                } catch {
                    throw DetectorError(.invalidData, path: error.path, error.message)
                }
            case .generator:
                // Each generator gets its own noise: the seed mixed with its position.
                part = try DetectorCropSources.generatorSamples(
                    path, count: inputs.samplesPerGenerator, size: size,
                    seed: options.training.seed &+ UInt64(index) &* 0x9E37_79B9, groupByBatch: inputs.generatorsGroupedByBatch || generatorCount < 2)
            case .video:
                part = try DetectorCropSources.realVideo(path, frames: inputs.videoFrames, detector: try detector(),
                                                         convention: convention, size: size)
            case .alteredVideo:
                part = try DetectorCropSources.alteredVideo(path, frames: inputs.videoFrames, detector: try detector(),
                                                            convention: convention, size: size)
            }
            all.append(contentsOf: part.crops)
            records.append(part.record)
            report(.sourceDone(part.record))
        }
        return (all, records)
    }

    private func provenance(
        summary: ValidationSummary, history: [DetectorTrainer.EpochResult], records: [DetectorCropSources.SourceRecord],
        rule: String, training: LabelledCrops, trainer: DetectorTrainer
    ) -> [String: String] {
        let settings = options.training
        var m: [String: String] = [:]
        m["builder"] = "deepfake detector build"
        // Where the video crops' face boxes came from; `score --face-boxes auto` follows it.
        m["face_detector"] = options.faceDetector.kind.rawValue
        m["face_boxes"] = options.faceDetector.kind == .haar || options.faceDetector.cascadeBoxes ? "cascade" : "landmarks"
        m["gan_source"] = inputs.gan
        m["gan_sha256"] = DetectorCropSources.fileHash(inputs.gan)
        m["threshold_rule"] = rule
        m["validation"] = Self.json(summary)
        m["split"] = SourceSplit.rule(fraction: options.validationFraction)
            + (inputs.generatorsGroupedByBatch ? "; generator samples grouped by sampling batch (--generator-groups batch)" : "")
        m["val_fraction"] = String(options.validationFraction)
        m["training_data"] = Self.json(records)
        m["training_counts"] = Self.json(["real": training.realCount, "fake": training.fakeCount,
                                          "groups": Set(training.groups).count])
        m["augmentation"] = settings.augmentation.summary
        m["augmentation_settings"] = Self.json(settings.augmentation)
        m["seed"] = String(settings.seed)
        m["epochs_run"] = String(history.count - 1)
        m["best_epoch"] = String(trainer.bestEpoch)
        m["fine_tuning"] = "Adam lr \(settings.learningRate) betas (\(settings.betas.0), \(settings.betas.1)), batch "
            + "\(settings.batchSize) class-balanced (half real, half fake"
            + (settings.videoShare.map { String(format: "; %.0f%% of each half from video crops", $0 * 100) } ?? "")
            + (inputs.selfBlendedChips == nil ? "" : String(
                format: "; %.0f%% of the (real, fake) slot pairs are self-blended pairs of a chip (SBI)", settings.selfBlendedShare * 100))
            + "), BCE-with-logits on fake-logits (fake = 1), "
            + "up to \(settings.epochs) epochs of \(trainer.stepsPerEpoch) batches, early stopping on validation log loss "
            + "after temperature scaling with patience \(settings.patience), best weights kept; BatchNorm in training mode while training, eval mode "
            + "for validation"
        m["calibration"] = "temperature scaling fitted on the validation split's fake-logits (log loss)"
        m["history"] = Self.json(history.map { result in
            [
                "epoch": Double(result.epoch), "train_loss": result.trainingLoss ?? .nan,
                "val_log_loss": result.validationLogLoss,
                "val_log_loss_calibrated": result.validationCalibratedLogLoss, "val_auc": result.validationAUC ?? .nan,
                "val_eer": result.validationEER ?? .nan, "seconds": result.seconds,
            ].filter { !$0.value.isNaN }
        })
        return m
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
