import ArgumentParser
import Datasets
import Detection
import DetectorTraining
import Foundation
import Media

struct DetectorBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Fine-tune a GAN's discriminator into a calibrated fake detector.",
        discussion: """
            Starts from the discriminator of --gan (a training checkpoint, or a G+D file from \
            models/), fine-tunes it on real against fake 64x64 face crops, calibrates it and sets \
            its threshold, and writes a detector file (schema deepfake-detector/1).

            PATH kinds. --real: a folder of face chips (PNG/JPEG, e.g. utkface/faces64; \
            --real-index CSV and --real-split choose rows, as in 'deepfake train'), or a video \
            (faces found and tracked in --video-frames evenly spaced frames, cut by the crop \
            convention). --fake: a GAN checkpoint, generator file or G+D models/ file \
            (.safetensors; --samples-per-generator seeded samples each, BatchNorm on batches of \
            64; several checkpoints of one run give variety), an altered video with its \
            VIDEO.truth.json from 'deepfake alter' (only the faces the truth file lists, matched by \
            IoU >= 0.3, in frames it lists), or a folder of generated face images.

            Real and fake crops get the same seeded augmentation, drawn before the label is \
            seen: conversion to grey (p --gray, 0 by default), down-and-up resizing (p 0.3), \
            Gaussian blur (p 0.2), Gaussian noise (p 0.2), a JPEG round trip through libavcodec at \
            quality 30-95 (p 0.5) and a horizontal flip (p 0.5).

            Validation split by source, never by frame: UTKFace chips by their original_md5 (the \
            index column), video crops by source video (an altered video by its truth file's \
            source.sha256), generator samples by generator file (by sampling batch of 64 when \
            only one generator is given, or with --generator-groups batch). A group is validation when a SHA-256 hash bucket of it \
            falls below --val-fraction; each kind with two or more groups has one on each side.

            Fine-tuning: Adam, class-balanced batches (half real, half fake; with --video-share, \
            that share of each half comes from crops cut from videos), BCE-with-logits on \
            fake-logits; early stopping on validation log loss after temperature scaling \
            (--patience), keeping the best weights. Then temperature scaling on the validation fake-logits, and the threshold at \
            the equal error rate or at --fpr. The file's metadata records the GAN and every input \
            with their SHA-256, the split rule, the augmentation, the seed, the epochs and the \
            validation metrics. Nothing is written unless the build succeeds.
            """)

    @Option(help: "The GAN whose discriminator to start from: a training checkpoint or a G+D models/ file.")
    var gan: String
    @Option(help: "Real faces: a folder of face chips or a video (repeatable).")
    var real: [String] = []
    @Option(help: "Fake faces: a GAN checkpoint or generator file, an altered video with its .truth.json, or a folder of generated images (repeatable).")
    var fake: [String] = []
    @Option(help: "The detector file to write.")
    var out: String

    @Option(help: "Index CSV of the real image folders, with 'file', 'split' and 'original_md5' columns (e.g. utkface/index.csv).")
    var realIndex: String?
    @Option(help: "Use only index rows whose 'split' column has this value (default 'train' with --real-index).")
    var realSplit: String?
    @Option(parsing: .unconditional, help: "At most N chips per real image folder, evenly spread (quick runs; \(Limits.maxImages.text)).")
    var maxImages: Int?
    @Option(parsing: .unconditional, help: "Samples drawn from each generator or checkpoint (\(Self.samples.text)).")
    var samplesPerGenerator = 1024
    @Option(help: "Split generator samples by 'file' (validation on a generator never trained on) or by sampling 'batch' of 64 (new samples of the same generators).")
    var generatorGroups = "file"
    @Option(parsing: .unconditional, help: "Frames sampled evenly per video (over the altered frames of an altered video; \(Limits.frameCount.text)).")
    var videoFrames = 48
    @Option(parsing: .unconditional, help: "Share of each class's batch slots drawn from crops cut from videos (0...1; default: in proportion to their number).")
    var videoShare: Double?
    @Option(help: "Also train on self-blended images (SBI) made from the face chips of this folder (UTKFace's), rows and groups from --real-index: a share of every batch (--sbi-share) is pairs of a chip and its self-blend, and validation gets pairs from the held-out chips. Landmarks are found once and cached.")
    var sbi: String?
    @Option(name: .customLong("sbi-share"), parsing: .unconditional, help: "With --sbi: the share of each batch's (real, fake) slot pairs that are self-blended pairs (0...1; 1 trains on self-blends alone).")
    var sbiShare = 0.5
    @Option(name: .customLong("sbi-validation-pairs"), parsing: .unconditional, help: "With --sbi: self-blended pairs added to validation (\(Self.samples.text)).")
    var sbiValidationPairs = 1024
    @OptionGroup(title: "Face detection (videos)")
    var faces: FaceDetectorOptions

    @Option(parsing: .unconditional, help: "Share of the sources held out for validation, calibration and the threshold (between 0 and 1).")
    var valFraction = 0.2
    @Option(parsing: .unconditional, help: "Set the threshold at this false-positive rate on validation (between 0 and 1) instead of at the equal error rate.")
    var fpr: Double?
    @Option(parsing: .unconditional, help: "Most epochs (0...\(Limits.epochs.upperBound)). 0 keeps the starting weights and only calibrates and sets the threshold: with --gan a built detector and the same sources (the same validation split), this moves its operating point, e.g. --epochs 0 --fpr 0.005.")
    var epochs = 10
    @Option(parsing: .unconditional, help: "Stop after N epochs without a lower validation log loss (\(Limits.epochs.text)).")
    var patience = 3
    @Option(parsing: .unconditional, help: "Batch size (even: half real, half fake; 2...\(Limits.batch.upperBound)).")
    var batch = 64
    @Option(parsing: .unconditional, help: "Adam learning rate (\(Limits.learningRate.text)).")
    var lr = 2e-4
    @Option(parsing: .unconditional, help: "Seed of generator samples, batch order and augmentation (0...2^64-1).")
    var seed: UInt64 = 1
    @Flag(help: "Train without augmentation.")
    var noAugment = false
    @Option(parsing: .unconditional, help: "Probability of turning a training crop grey (BT.601 luma in all channels; 0...1), for both classes alike.")
    var gray = 0.0
    @Option(help: "Dataset cache folder (default $DEEPFAKE_CACHE or ~/.cache/deepfake/datasets).")
    var cache: String?
    @Flag(help: "Do not read or write the dataset cache.")
    var noCache = false

    func validate() throws {
        if real.isEmpty { throw ValidationError("Give at least one --real PATH (a folder of face chips or a video).") }
        if fake.isEmpty && sbi == nil { throw ValidationError("Give at least one --fake PATH (a GAN checkpoint, generator file or altered video), or --sbi FOLDER.") }
        try Limits.check(sbiShare, "--sbi-share", in: Limits.probability)
        try Limits.check(sbiValidationPairs, "--sbi-validation-pairs", in: Self.samples)
        if fake.isEmpty && sbiShare < 1 { throw ValidationError("Without --fake, every fake is self-blended: pass --sbi-share 1.") }
        try Limits.check(valFraction, "--val-fraction", above: 0, below: 1)
        try Limits.check(fpr, "--fpr", above: 0, below: 1)
        try Limits.check(epochs, "--epochs", in: 0...Limits.epochs.upperBound)
        try Limits.check(patience, "--patience", in: Limits.epochs)
        try Limits.check(batch, "--batch", in: 2...Limits.batch.upperBound)
        if batch % 2 != 0 { throw ValidationError("--batch must be even (half real, half fake), got \(batch).") }
        try Limits.check(lr, "--lr", in: Limits.learningRate)
        try Limits.check(samplesPerGenerator, "--samples-per-generator", in: Self.samples)
        try Limits.check(gray, "--gray", in: Limits.probability)
        try Limits.check(videoShare, "--video-share", in: Limits.probability)
        try Limits.check(videoFrames, "--video-frames", in: Limits.frameCount)
        try Limits.check(maxImages, "--max-images", in: Limits.maxImages)
        if !["file", "batch"].contains(generatorGroups) { throw ValidationError("--generator-groups must be file or batch, got '\(generatorGroups)'.") }
        if realIndex == nil && realSplit != nil { throw ValidationError("--real-split needs --real-index CSV.") }
    }

    static let samples = 1...1_000_000

    func run() throws {
        var outputs = OutputGuard()
        try outputs.addInput(gan, as: "the GAN model")
        try MediaInputs.protect(real, truthFiles: true, in: &outputs)
        try MediaInputs.protect(fake, truthFiles: true, in: &outputs)
        try outputs.addInput(realIndex, as: "the index CSV")
        if let sbi { try outputs.addInputs([sbi], as: "the self-blending chip folder", readsExtensions: MediaInputs.imageExtensions) }
        try faces.protectModels(in: &outputs)
        try outputs.check(out, as: "the detector")
        let folder = (out as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory),
              isDirectory.boolValue
        else {
            throw CleanError("Cannot write '\(out)': the folder '\(folder)' does not exist. Create it first.")
        }
        let inputs = DetectorBuilder.Inputs(
            gan: gan, real: real, fake: fake, realIndex: realIndex, realSplit: realSplit ?? (realIndex != nil ? "train" : nil),
            maxImagesPerFolder: maxImages, samplesPerGenerator: samplesPerGenerator, videoFrames: videoFrames,
            cache: noCache ? nil : cache ?? FaceImageSet.defaultCacheFolder, generatorsGroupedByBatch: generatorGroups == "batch",
            selfBlendedChips: sbi, selfBlendedValidationPairs: sbiValidationPairs)
        let training = DetectorTrainer.Settings(
            epochs: epochs, batchSize: batch, learningRate: lr, patience: patience, seed: seed,
            augmentation: noAugment ? .none : { var a = CropAugmentation.standard; a.grayProbability = gray; return a }(),
            videoShare: videoShare, selfBlendedShare: sbiShare)
        let options = DetectorBuilder.Options(
            validationFraction: valFraction, training: training, falsePositiveRate: fpr,
            faceDetector: faces.configuration)
        let reporter = BuildReporter(epochs: epochs)
        let start = Date()
        let result = try DetectorBuilder(inputs: inputs, options: options).build { reporter.handle($0) }
        reporter.finish()
        for record in result.records where record.kind != "image-folder" && record.details["validation_crops"] == String(record.crops) {
            Terminal.error("validation source: \(record.label) \(record.kind) \(record.path)")
        }
        try result.model.write(to: URL(fileURLWithPath: out), extra: result.metadata)
        let s = result.summary
        Terminal.error(String(
            format: "validation: AUC %.4f, EER %.4f, AP %.4f, log loss %.4f -> %.4f calibrated (T %.3f); "
                + "starting discriminator AUC %@; threshold %.4f (%@): FPR %.3f, TPR %.3f",
            s.auc, s.eer, s.averagePrecision, s.logLossUncalibrated, s.logLossCalibrated, s.temperature,
            s.startingAUC.map { String(format: "%.4f", $0) } ?? "n/a", s.threshold, fpr == nil ? "EER" : "FPR \(fpr!)",
            s.falsePositiveRateAtThreshold, s.truePositiveRateAtThreshold))
        for point in s.operatingPoints {
            Terminal.error(String(format: "  operating point at validation FPR <= %.3f: threshold %.4f, FPR %.4f, TPR %.4f",
                                  point.targetFalsePositiveRate, point.threshold, point.falsePositiveRate, point.truePositiveRate))
        }
        Terminal.error(String(format: "wrote %@ in %.0f s (best epoch %@ of %@)", out, Date().timeIntervalSince(start),
                              result.metadata["best_epoch"] ?? "?", result.metadata["epochs_run"] ?? "?"))
    }
}

/// Progress of a build on standard error: one line per source, the split, a progress bar per epoch
/// with the running loss (a line every 50 batches when not on a terminal), one line per epoch.
final class BuildReporter {
    private let epochs: Int
    private var bar: ProgressBar?
    private var lossSum = 0.0
    private var started = Date()

    init(epochs: Int) {
        self.epochs = epochs
    }

    func handle(_ event: DetectorBuilder.Event) {
        switch event {
        case .sourceStarted(let kind, let path):
            started = Date()
            if Terminal.stderrIsTerminal { Terminal.writeAll(2, "\r\u{1B}[2Kreading \(kind) \(path) …") }
        case .sourceDone(let record):
            if Terminal.stderrIsTerminal { Terminal.writeAll(2, "\r\u{1B}[2K") }
            Terminal.error(String(format: "%@ %@ %@: %d crops (%.1f s)", record.label, record.kind, record.path, record.crops,
                                  Date().timeIntervalSince(started)))
        case .chipLandmarks(let done, let total):
            if done == 1 { bar?.finish(); bar = ProgressBar("chip landmarks", total: total, unit: "chips") }
            bar?.advance()
            if done == total { bar?.finish(); bar = nil }
        case .selfBlended(let trainingFaces, let validationFaces, let skipped):
            Terminal.error("self-blending: \(trainingFaces) training faces, \(validationFaces) validation faces (\(skipped) chips without a face)")
        case .split(let training, let validation):
            Terminal.error("split by source: training \(training.realCount) real + \(training.fakeCount) fake "
                           + "(\(Set(training.groups).count) groups), validation \(validation.realCount) real + "
                           + "\(validation.fakeCount) fake (\(Set(validation.groups).count) groups)")
        case .training(.batch(let epoch, let step, let steps, let loss), _):
            if step == 1 {
                bar?.finish()
                bar = ProgressBar("epoch \(epoch)/\(epochs)", total: steps, unit: "batches")
                lossSum = 0
            }
            lossSum += loss
            bar?.detail = String(format: "loss %.4f", lossSum / Double(step))
            bar?.advance()
            if !Terminal.stderrIsTerminal && step % 50 == 0 {
                Terminal.error(String(format: "epoch %d/%d batch %d/%d loss %.4f", epoch, epochs, step, steps, lossSum / Double(step)))
            }
        case .training(.epoch(let result), _):
            bar?.finish()
            bar = nil
            let auc = result.validationAUC.map { String(format: "%.4f", $0) } ?? "n/a"
            let eer = result.validationEER.map { String(format: "%.4f", $0) } ?? "n/a"
            let train = result.trainingLoss.map { String(format: "train loss %.4f, ", $0) } ?? "starting discriminator: "
            Terminal.error(String(format: "epoch %d/%d: %@val log loss %.4f (%.4f calibrated), AUC %@, EER %@%@ (%.0f s)",
                                  result.epoch, epochs, train, result.validationLogLoss, result.validationCalibratedLogLoss,
                                  auc, eer, result.isBest ? ", best" : "", result.seconds))
        }
    }

    func finish() {
        bar?.finish()
    }
}
