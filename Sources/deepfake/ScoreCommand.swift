import ArgumentParser
import Detection
import Faces
import Foundation
import Media

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score videos or images for face manipulation, with JSON and HTML reports.",
        discussion: """
            Each input is sampled (32 frames evenly spaced by default), faces are found and \
            tracked as 'deepfake faces' does (OpenCV's frontal cascade, scale 1.1, 5 neighbours, \
            40-pixel faces, full resolution; shot changes, seen on every decoded frame, end \
            tracks; the cascade scans the whole frame on every 3rd sampled frame and only around \
            the tracked faces in between, unless samples are more than 0.5 s apart), cut by the \
            model's crop convention at its image size, and scored by the detector in batches.

            Aggregation: a face's score is the detector's calibrated probability of fake. A \
            frame scores the maximum over its faces. A track scores the 10%-trimmed mean of its \
            faces (the lowest and highest tenth dropped once it has 5 or more), so one bad crop \
            cannot decide it. The video scores its most suspicious track of at least 3 faces \
            (shorter tracks count only when there is no longer one): a video is fake if any \
            person in it is.

            Verdicts: 'fake' at or above threshold + band, 'real' below threshold - band, \
            'uncertain' in between, 'no-face' when no face was found (then there is no score, \
            never a default one). The threshold and band come from the model (built detectors \
            fit the threshold at the EER or a target false-positive rate); --threshold replaces \
            the threshold. A GAN checkpoint passed as --model is used uncalibrated (threshold \
            0.5, band 0.1) and the report says so. Segments are the runs of sampled frames at or \
            above the threshold.

            The default model is models/deepfake-detector.safetensors, found by walking up from \
            the executable to a folder holding models/ (any working directory will do), or only \
            in $DEEPFAKE_MODELS when that is set.

            Outputs: a one-line summary per input on standard error (and a progress bar on a \
            terminal). --report FILE writes the JSON report (schema \
            schemas/deepfake-report-1.schema.json; a JSON array with several inputs; '-' for \
            standard output). --jsonl writes one compact report per line instead (to --report \
            FILE, or standard output). --html FILE writes a self-contained page; with several \
            inputs FILE is a folder that gets one NAME.html per input. Files are written whole \
            or not at all. An input that cannot be read or decoded gets a report with an 'error' \
            (code and message) and no score; the others are still scored, and the exit code is \
            1 when any failed.
            """)

    @Argument(help: "Videos or images to score.")
    var inputs: [String]

    @Option(help: "Detector file, or a GAN checkpoint/networks file (uncalibrated). Default: models/deepfake-detector.safetensors.")
    var model: String?

    @Option(help: "Write the JSON report to FILE ('-' for standard output).")
    var report: String?

    @Option(help: "Write the HTML report to FILE (a folder with several inputs).")
    var html: String?

    @OptionGroup(title: "Frame sampling")
    var frames: SamplingOptions

    @Option(parsing: .unconditional, help: "Decision threshold on the probability of fake (0...1), replacing the model's.")
    var threshold: Double?

    @Flag(help: "Write one compact JSON report per line (to --report FILE or standard output).")
    var jsonl = false

    @OptionGroup(title: "Face detection")
    var faces: FaceDetectorOptions

    func validate() throws {
        try Limits.checkThreshold(threshold)
    }

    func run() throws {
        let modelPath = try model ?? ModelLocation.defaultDetector()
        var outputs = OutputGuard()
        try MediaInputs.protect(inputs, in: &outputs)
        try outputs.addInput(modelPath, as: "the model")
        try faces.protectModels(in: &outputs)
        try checkOutputs(outputs)
        let detector = try DetectorModel.load(URL(fileURLWithPath: modelPath))
        let modelHash = try SHA256.hash(file: modelPath)
        let scorer = try VideoScorer(
            model: detector, modelPath: modelPath, modelSHA256: modelHash,
            settings: ScoreSettings(
                sampling: frames.sampling, threshold: threshold, faces: faces.configuration(modelMetadata: detector.metadata), detectEvery: frames.detectEvery,
                decodeAll: frames.decodeAll, thumbnailTracks: html == nil ? 0 : 64),
            toolVersion: Version.string)

        var results: [ScoredInput] = []
        var failed = 0
        for input in inputs {
            let progress = ProgressBar((input as NSString).lastPathComponent, total: nil)
            let scored = scorer.score(input) { done, expected in
                progress.total = expected
                progress.advance(to: done)
            }
            progress.finish()
            if scored.report.error != nil { failed += 1 }
            Terminal.error(Self.summaryLine(scored.report))
            if jsonl && report == nil { Terminal.out(String(decoding: try scored.report.json(pretty: false), as: UTF8.self)) }
            results.append(scored)
        }
        try writeOutputs(results)
        if failed > 0 {
            Terminal.error("\(failed) of \(inputs.count) inputs could not be scored.")
            throw ExitCode(1)
        }
    }

    /// `clip.mp4: fake 0.873 (2 tracks, 28/32 frames with faces, 41 faces; 1.42 s)`.
    static func summaryLine(_ report: Report) -> String {
        let name = report.input.path
        if let error = report.error { return "\(name): error \(error.code): \(error.message)" }
        guard let s = report.summary else { return "\(name): no summary" }
        let score = s.score.map { String(format: " %.3f", $0) } ?? ""
        let total = report.timings["total"].map { String(format: "; %.2f s", $0) } ?? ""
        return "\(name): \(s.verdict.rawValue)\(score) (\(s.tracks) tracks, \(s.framesWithFaces)/\(s.framesSampled) frames with faces, \(s.faces) faces\(total))"
    }

    /// Fails before any work when an output cannot be written or would replace an input.
    private func checkOutputs(_ outputs: OutputGuard) throws {
        if let report, report != "-" {
            try outputs.check(report, as: "the report")
            try Self.checkWritable(file: report, option: "--report")
        }
        if let html {
            if inputs.count > 1 {
                for page in htmlPages { try outputs.check(page, as: "the HTML report") }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: html, isDirectory: &isDirectory), !isDirectory.boolValue {
                    throw CleanError("--html '\(html)' is a file; with several inputs --html names a folder for one page per input.")
                }
                try OutputFolder.prepare(html)
            } else {
                try outputs.check(html, as: "the HTML report")
                try Self.checkWritable(file: html, option: "--html")
            }
        }
    }

    /// With several inputs, each input's page in the --html folder, in input order: NAME.html,
    /// NAME-2.html for a second input of the same name, and so on.
    private var htmlPages: [String] {
        guard let html else { return [] }
        var pages: [String] = []
        var used: Set<String> = []
        for input in inputs {
            let base = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            var stem = base
            var n = 2
            while used.contains(stem) {
                stem = "\(base)-\(n)"
                n += 1
            }
            used.insert(stem)
            pages.append((html as NSString).appendingPathComponent(stem + ".html"))
        }
        return pages
    }

    static func checkWritable(file: String, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CleanError("\(option) '\(file)' is a folder; give a file name.")
        }
        let folder = (file as NSString).deletingLastPathComponent
        let parent = folder.isEmpty ? "." : folder
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CleanError("\(option) '\(file)': the folder '\(parent)' does not exist. Create it or choose another path.")
        }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw CleanError("\(option) '\(file)': the folder '\(parent)' is not writable. Check its permissions or choose another path.")
        }
    }

    private func writeOutputs(_ results: [ScoredInput]) throws {
        if let report {
            var data: Data
            if jsonl {
                data = Data()
                for r in results {
                    data += try r.report.json(pretty: false)
                    data.append(0x0A)
                }
            } else if results.count == 1 {
                data = try results[0].report.json()
                data.append(0x0A)
            } else {
                // The reports are already sorted-key JSON; an array of them, one per input.
                data = Data("[\n".utf8)
                for (i, r) in results.enumerated() {
                    data += try r.report.json()
                    data += Data((i + 1 < results.count ? ",\n" : "\n").utf8)
                }
                data += Data("]\n".utf8)
            }
            if report == "-" {
                Terminal.out(String(decoding: data.dropLast(), as: UTF8.self))
            } else {
                try Self.writeAtomically(data, to: report)
            }
        }
        if let html {
            for (r, path) in zip(results, inputs.count == 1 ? [html] : htmlPages) {
                let page = Data(ReportHTML.render(r.report, thumbnails: r.thumbnails).utf8)
                try Self.writeAtomically(page, to: path)
            }
        }
    }

    static func writeAtomically(_ data: Data, to path: String) throws {
        let file = AtomicFile(destination: path)
        do {
            try data.write(to: URL(fileURLWithPath: file.temporary))
            try file.commit()
        } catch {
            file.discard()
            throw CleanError("cannot write '\(path)': \(error). Check the folder's free space and permissions.")
        }
    }
}
