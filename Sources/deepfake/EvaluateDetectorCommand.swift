import ArgumentParser
import Detection
import DetectorTraining
import Foundation
import Media

struct EvaluateDetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "AUC, EER, AP, log loss and accuracy of a fake detector on labelled real and fake inputs.",
        discussion: """
            PATHs are videos, images, or folders of them (not recursive). Videos are scored as \
            'deepfake score' does (32 frames evenly spaced by default). A square image whose side \
            is the model's image size (64 for the shipped models) is taken as a face chip already \
            cut by the crop convention and scored as it is; any other image has its faces found \
            and cut first.

            Frame level: each sampled video frame with a face (its most suspicious face) and each \
            face of an image. Video level: each video's score. A fake video with a \
            VIDEO.truth.json sidecar ('deepfake alter') labels its frames: frames the record \
            lists are fake and score their faces that overlap a truth box (IoU >= 0.3); the others \
            are real. Without a sidecar every frame of a fake video is fake.

            Reported per level: ROC AUC with a percentile-bootstrap 95% interval (1,000 \
            resamples, seed 2026), equal error rate and its threshold, average precision, log \
            loss, and accuracy with the confusion matrix at the model's threshold (or \
            --threshold). Then a breakdown per PATH, and every input, image or frame that gave no \
            score, with the reason; nothing is dropped silently.
            """)

    @Option(parsing: .upToNextOption, help: "Real videos, images or folders.")
    var real: [String] = []

    @Option(parsing: .upToNextOption, help: "Fake videos, images or folders.")
    var fake: [String] = []

    @Option(help: "Detector file, or a GAN checkpoint/networks file (uncalibrated). Default: models/deepfake-detector.safetensors.")
    var model: String?

    @Option(help: "Write the evaluation as JSON to FILE.")
    var report: String?

    @Option(help: "Write the ROC curves as an SVG plot to FILE.")
    var roc: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    @Option(parsing: .unconditional, help: "Video frames scored per video, evenly spaced (\(Limits.frameCount.text)).")
    var count = 32

    @Option(parsing: .unconditional, help: "Decision threshold for accuracy and the confusion matrix (0...1), replacing the model's.")
    var threshold: Double?

    @Option(parsing: .unconditional, help: "Bootstrap resamples for the AUC intervals (\(Limits.resamples.text)).")
    var resamples = 1000

    func validate() throws {
        if real.isEmpty || fake.isEmpty { throw ValidationError("Give both --real and --fake, each with one or more videos, images or folders.") }
        try Limits.check(count, "--count", in: Limits.frameCount)
        try Limits.checkThreshold(threshold)
        try Limits.check(resamples, "--resamples", in: Limits.resamples)
    }

    @OptionGroup(title: "Face detection")
    var faces: FaceDetectorOptions

    func run() throws {
        let modelPath = try model ?? ModelLocation.defaultDetector()
        var outputs = OutputGuard()
        try MediaInputs.protect(real + fake, truthFiles: true, in: &outputs)
        try outputs.addInput(modelPath, as: "the model")
        try faces.protectModels(in: &outputs)
        if let report {
            try outputs.check(report, as: "the evaluation report")
            try ScoreCommand.checkWritable(file: report, option: "--report")
        }
        if let roc {
            try outputs.check(roc, as: "the ROC plot")
            try ScoreCommand.checkWritable(file: roc, option: "--roc")
        }
        let detector = try DetectorModel.load(URL(fileURLWithPath: modelPath))
        let scorer = try VideoScorer(
            model: detector, modelPath: modelPath, modelSHA256: try SHA256.hash(file: modelPath),
            settings: ScoreSettings(sampling: .count(count), threshold: threshold, faces: faces.configuration(modelMetadata: detector.metadata)),
            toolVersion: Version.string)
        let evaluator = DetectorEvaluator(scorer: scorer)
        evaluator.resamples = resamples
        let progress = ProgressBar("evaluate", total: nil, unit: "files")
        let result = evaluator.evaluate(real: real, fake: fake) { _ in progress.advance() }
        progress.finish()

        let data = try result.json()
        if let report { try ScoreCommand.writeAtomically(data + Data("\n".utf8), to: report) }
        if let roc {
            var curves: [ROCPlot.Curve] = []
            for (name, items, level) in [("frames", evaluator.frameItems, result.frameLevel), ("videos", evaluator.videoItems, result.videoLevel)] {
                guard let level, level.real > 0, level.fake > 0 else { continue }
                curves.append(.init(name: name, points: Metrics.roc(labels: items.map(\.label), scores: items.map(\.score)), auc: level.auc))
            }
            let title = "ROC: " + (modelPath as NSString).lastPathComponent
            try ScoreCommand.writeAtomically(Data(ROCPlot.svg(curves, title: title).utf8), to: roc)
        }
        if json {
            Terminal.out(String(decoding: data, as: UTF8.self))
        } else {
            Terminal.out(Self.table(result))
        }
    }

    static func table(_ e: DetectorEvaluation) -> String {
        func f(_ v: Double?, _ format: String = "%.3f") -> String { v.map { String(format: format, $0) } ?? "–" }
        var lines = ["model \(e.model.path) (threshold \(f(e.model.threshold, "%.4f"))\(e.model.calibrated == false ? ", uncalibrated" : ""))", ""]
        lines.append("level    items  real  fake  AUC [95% CI]            EER    AP     log loss  accuracy  TP/FP/TN/FN")
        for (name, level) in [("frames", e.frameLevel), ("videos", e.videoLevel)] {
            guard let l = level else {
                lines.append(name.padding(toLength: 8, withPad: " ", startingAt: 0) + " no scored items")
                continue
            }
            let auc = l.auc.map { String(format: "%.3f [%.3f, %.3f]", $0.value, $0.low, $0.high) } ?? "– (one class only)"
            let c = l.confusion
            lines.append(
                name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: " %5d %5d %5d  ", l.items, l.real, l.fake)
                    + auc.padding(toLength: 23, withPad: " ", startingAt: 0) + " " + f(l.equalErrorRate).padding(toLength: 6, withPad: " ", startingAt: 0)
                    + " " + f(l.averagePrecision).padding(toLength: 6, withPad: " ", startingAt: 0) + " " + f(l.logLoss).padding(toLength: 9, withPad: " ", startingAt: 0)
                    + " " + f(l.accuracy).padding(toLength: 9, withPad: " ", startingAt: 0) + " \(c.truePositives)/\(c.falsePositives)/\(c.trueNegatives)/\(c.falseNegatives)")
        }
        lines.append("")
        lines.append("per source (frame level)")
        for s in e.sources {
            lines.append("  \(s.label) \(s.path): \(s.items) item\(s.items == 1 ? "" : "s"), \(s.videos) video\(s.videos == 1 ? "" : "s"), mean score \(f(s.meanScore)), \(s.flagged) at or above the threshold, accuracy \(f(s.accuracy)), \(s.unscorable) unscorable")
        }
        lines.append("")
        lines.append("unscorable: \(e.unscorableCount)")
        for u in e.unscorable { lines.append("  \(u.label) \(u.path): \(u.reason)") }
        if !e.warnings.isEmpty {
            lines.append("")
            lines += e.warnings.map { "warning: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
