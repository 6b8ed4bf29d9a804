import ArgumentParser
import Detection
import Faces
import Foundation
import Media
import Store

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

            Results store: --store LOCATION (a file path, or 'default' for \
            $XDG_DATA_HOME/deepfake-workbench/results.sqlite; or set $DEEPFAKE_STORE) keeps every \
            report in an SQLite file, keyed by the input's SHA-256, the model's SHA-256 and the \
            settings that change a report (sampling, --detect-every, the face detector and its \
            options, the threshold, the crop, the tool's version). An input scored before with the \
            same key is not decoded again: its stored report is returned, timings included, with \
            its current input and model paths and a 'cached' entry saying when it was stored. \
            --rescore scores anyway and replaces the stored report. Reports with an error are \
            not stored, and the --html page of a stored report has no face thumbnails. See \
            'deepfake store'.

            Corpora: --inputs LIST reads the inputs from a text file, one path a line (blank \
            lines and lines starting with # are skipped; relative paths are relative to the \
            list's folder). --shard I/N scores only the inputs at positions k (from 0, comments \
            not counted) with k mod N = I - 1, so shards 1/N ... N/N split a list into parts \
            differing in size by one at most. --out-dir DIR writes each input's report, failures \
            included, whole to DIR/<sha256 of the input>.json (an input that cannot be read at \
            all: DIR/unread-<sha256 of its path>.json) as soon as it is scored, and skips an \
            input whose report is already there, so a killed or requeued shard redoes only the \
            unfinished inputs. A report already in DIR made with another model or other \
            settings stops the run (--rescore replaces it). 'deepfake merge DIR' gathers the \
            reports. The exit code is 1 when any input of the shard has an error report.
            """)

    @Argument(help: "Videos or images to score (or --inputs LIST).")
    var inputs: [String] = []

    @Option(name: .customLong("inputs"), help: ArgumentHelp(
        "A text file naming the inputs, one path a line (# comments; relative to the list's folder).", valueName: "list"))
    var inputList: String?

    @Option(help: ArgumentHelp(
        "Score only shard I of N of the inputs (1 ≤ I ≤ N ≤ \(Shard.maxCount), numbered from 1): those at positions k with k mod N = I - 1. Needs --out-dir.",
        valueName: "I/N"))
    var shard: String?

    @Option(name: .customLong("out-dir"), help: ArgumentHelp(
        "Write each input's report to DIR/<sha256>.json as it is done, and skip inputs whose report is there.", valueName: "dir"))
    var outDir: String?

    @Option(help: ArgumentHelp("Keep reports in a results store and reuse them: \(StoreLocation.help).", valueName: "location"))
    var store: String?

    @Flag(name: .customLong("no-store"), help: "Use no results store, even when $DEEPFAKE_STORE is set.")
    var noStore = false

    @Flag(help: "Score again even when the store or --out-dir has the report, and replace it.")
    var rescore = false

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
        if inputList != nil && !inputs.isEmpty {
            throw ValidationError("Give the inputs on the command line or with --inputs LIST, not both.")
        }
        if inputList == nil && inputs.isEmpty {
            throw ValidationError("Give videos or images to score, or --inputs LIST.")
        }
        if let shard, Shard(shard) == nil {
            throw ValidationError("--shard must be I/N with 1 ≤ I ≤ N ≤ \(Shard.maxCount) (shards are numbered from 1), got '\(shard)'.")
        }
        if shard != nil && outDir == nil {
            throw ValidationError("--shard needs --out-dir DIR, where each shard writes its reports for 'deepfake merge'.")
        }
        if outDir != nil && (report != nil || html != nil || jsonl) {
            throw ValidationError("--out-dir writes one report per input; it cannot be combined with --report, --html or --jsonl ('deepfake merge DIR' gathers them).")
        }
        if store != nil && noStore {
            throw ValidationError("--store and --no-store contradict each other; choose one.")
        }
        if rescore && outDir == nil && storePath == nil {
            throw ValidationError("--rescore replaces reports in a results store or an --out-dir folder; give --store or --out-dir.")
        }
    }

    /// The results store this run uses, if any.
    var storePath: String? { noStore ? nil : StoreLocation.resolve(store, fallbackToDefault: false) }

    func run() throws {
        var list: InputList?
        if let inputList {
            do { list = try InputList.read(inputList) } catch { throw CleanError("--inputs \(error)") }
        }
        let shard = self.shard.flatMap(Shard.init)
        let allInputs = list?.inputs ?? inputs
        let inputs = shard?.select(allInputs) ?? allInputs
        let modelPath = try model ?? ModelLocation.defaultDetector()
        var outputs = OutputGuard()
        try MediaInputs.protect(inputs, in: &outputs)
        try outputs.addInput(inputList, as: "the input list")
        try outputs.addInput(modelPath, as: "the model")
        try faces.protectModels(in: &outputs)
        try checkOutputs(outputs, inputs: inputs)
        let detector = try DetectorModel.load(URL(fileURLWithPath: modelPath))
        let modelHash = try SHA256.hash(file: modelPath)
        let scorer = try VideoScorer(
            model: detector, modelPath: modelPath, modelSHA256: modelHash,
            settings: ScoreSettings(
                sampling: frames.sampling, threshold: threshold, faces: faces.configuration(modelMetadata: detector.metadata), detectEvery: frames.detectEvery,
                decodeAll: frames.decodeAll, thumbnailTracks: html == nil ? 0 : 64),
            toolVersion: Version.string)
        let storePath = self.storePath
        let store = try storePath.map { try StoreLocation.open($0, create: true) }
        let folder = outDir.map(ReportFolder.init(path:))
        if let folder { try checkFolderRun(folder, modelSHA256: modelHash, settings: scorer.reportSettings) }
        if let shard, inputs.isEmpty {
            Terminal.error("shard \(shard) of \(allInputs.count) inputs is empty: nothing to do.")
            return
        }

        var results: [ScoredInput] = []
        var failed = 0, skipped = 0, fromStore = 0
        for input in inputs {
            // The input's content hash first, when a store or a report folder keys on it.
            var hash: (hash: String, seconds: Double)?
            var key: ScoreKey?
            if store != nil || folder != nil {
                let started = Date()
                if let sha = try? SHA256.hash(file: input) {
                    hash = (sha, Date().timeIntervalSince(started))
                    key = ScoreKey(inputSHA256: sha, modelSHA256: modelHash, settings: scorer.reportSettings, toolVersion: Version.string)
                }
            }
            if let folder, let key, !rescore {
                let existing: ReportFolder.Existing
                do { existing = try folder.existing(sha256: key.inputSHA256, key: key) } catch { throw CleanError("--out-dir \(error)") }
                if case .done(let done) = existing {
                    skipped += 1
                    if done.error != nil { failed += 1 }
                    Terminal.error("\(input): already in \(folder.file(forSHA256: key.inputSHA256)), skipped")
                    continue
                }
            }
            var scored: ScoredInput
            if let store, let storePath, let key, !rescore, let hit = try lookUp(key, in: store) {
                var report = hit.report
                report.input.path = input
                report.model.path = modelPath
                report.cached = .init(store: storePath, storedAt: hit.storedAt.storeText)
                scored = ScoredInput(report: report, thumbnails: [:])
                fromStore += 1
            } else {
                let progress = ProgressBar((input as NSString).lastPathComponent, total: nil)
                scored = scorer.score(input, inputSHA256: hash) { done, expected in
                    progress.total = expected
                    progress.advance(to: done)
                }
                progress.finish()
                if let store, scored.report.error == nil {
                    do { try store.put(scored.report) } catch { throw CleanError("results store \(error)") }
                }
            }
            if scored.report.error != nil { failed += 1 }
            Terminal.error(Self.summaryLine(scored.report))
            if let folder {
                do { try folder.write(scored.report) } catch { throw CleanError("--out-dir \(error)") }
                continue
            }
            if jsonl && report == nil { Terminal.out(String(decoding: try scored.report.json(pretty: false), as: UTF8.self)) }
            results.append(scored)
        }
        if folder == nil { try writeOutputs(results) }
        if let outDir {
            let part = shard.map { "shard \($0) of \(allInputs.count) inputs: " } ?? ""
            Terminal.error("\(part)\(inputs.count) inputs, \(inputs.count - skipped) scored\(fromStore > 0 ? " (\(fromStore) from the store)" : ""), \(skipped) already in \(outDir), \(failed) with errors.")
        } else if fromStore > 0 {
            Terminal.error("\(fromStore) of \(inputs.count) reports came from the results store.")
        }
        if failed > 0 {
            Terminal.error("\(failed) of \(inputs.count) inputs could not be scored.")
            throw ExitCode(1)
        }
    }

    /// The stored report for `key`; a stored report that no longer decodes is scored again.
    private func lookUp(_ key: ScoreKey, in store: ResultStore) throws -> (report: Report, storedAt: Date)? {
        do {
            return try store.report(for: key)
        } catch let error where error.code == .badReport {
            Terminal.error("warning: \(error) Scoring it again.")
            return nil
        } catch {
            throw CleanError("results store \(error)")
        }
    }

    /// Refuses an --out-dir whose reports came from another model or other settings (checked on
    /// one report before any work; every skipped report is checked again), unless --rescore.
    private func checkFolderRun(_ folder: ReportFolder, modelSHA256: String, settings: [String: String]) throws {
        guard !rescore else { return }
        let key = ScoreKey(inputSHA256: "", modelSHA256: modelSHA256, settings: settings, toolVersion: Version.string)
        do {
            guard let first = try folder.reportNames().first else { return }
            let file = (folder.path as NSString).appendingPathComponent(first)
            try ReportFolder.checkSameRun(try ReportFolder.read(file), file: file, as: key)
        } catch {
            throw CleanError("--out-dir \(error)")
        }
    }

    /// `clip.mp4: fake 0.873 (2 tracks, 28/32 frames with faces, 41 faces; 1.42 s)`.
    static func summaryLine(_ report: Report) -> String {
        let name = report.input.path
        if let error = report.error { return "\(name): error \(error.code): \(error.message)" }
        guard let s = report.summary else { return "\(name): no summary" }
        let score = s.score.map { String(format: " %.3f", $0) } ?? ""
        let total = report.timings["total"].map { String(format: "; %.2f s", $0) } ?? ""
        let cached = report.cached.map { "; stored \($0.storedAt)" } ?? ""
        return "\(name): \(s.verdict.rawValue)\(score) (\(s.tracks) tracks, \(s.framesWithFaces)/\(s.framesSampled) frames with faces, \(s.faces) faces\(total)\(cached))"
    }

    /// Fails before any work when an output cannot be written or would replace an input.
    private func checkOutputs(_ outputs: OutputGuard, inputs: [String]) throws {
        if let storePath {
            try outputs.check(storePath, as: "the results store")
            for companion in ["-wal", "-shm"] { try outputs.check(storePath + companion, as: "the results store") }
        }
        if let outDir {
            try outputs.checkFolder(outDir, as: "the reports", writes: ReportFolder.isReportName)
            try OutputFolder.prepare(outDir)
        }
        if let report, report != "-" {
            try outputs.check(report, as: "the report")
            try Self.checkWritable(file: report, option: "--report")
        }
        if let html {
            if inputs.count > 1 {
                for page in htmlPages(inputs) { try outputs.check(page, as: "the HTML report") }
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
    private func htmlPages(_ inputs: [String]) -> [String] {
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
            let inputs = results.map(\.report.input.path)
            for (r, path) in zip(results, inputs.count == 1 ? [html] : htmlPages(inputs)) {
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
