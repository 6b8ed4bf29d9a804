import Foundation

/// The folder of one training run:
///
/// ```
/// RUN/run.json                      full configuration (RunRecord)
/// RUN/metrics.jsonl                 one StepMetrics per line
/// RUN/swd.jsonl                     one EpochQuality per epoch (SWD against the holdout)
/// RUN/curves.svg                    loss and accuracy curves
/// RUN/checkpoints/step-00001200.safetensors   the last N checkpoints
/// RUN/checkpoints/best.safetensors  the best by SWD
/// RUN/samples/epoch-001.png         sample grids (written by the executable)
/// RUN/generator.safetensors         G alone, at the end
/// ```
public struct RunFolder: Sendable {
    /// The run folder.
    public let url: URL

    /// Wraps a folder path (nothing is created).
    public init(_ url: URL) {
        self.url = url
    }

    public var runFile: URL { url.appendingPathComponent("run.json") }
    public var metricsFile: URL { url.appendingPathComponent("metrics.jsonl") }
    public var swdFile: URL { url.appendingPathComponent("swd.jsonl") }
    public var curvesFile: URL { url.appendingPathComponent("curves.svg") }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    public var samples: URL { url.appendingPathComponent("samples") }
    public var generatorFile: URL { url.appendingPathComponent("generator.safetensors") }
    public var bestCheckpoint: URL { checkpoints.appendingPathComponent("best.safetensors") }

    /// The file of the checkpoint after `step` iterations.
    public func checkpoint(step: Int) -> URL {
        checkpoints.appendingPathComponent(String(format: "step-%08d.safetensors", step))
    }

    /// Checkpoints by step, oldest first (not `best`).
    public func checkpointSteps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
            return Int(name.dropFirst(5).dropLast(12))
        }.sorted()
    }

    /// Creates the folder for a new run.
    /// - Throws: `TrainingError` `.invalidRunFolder` when it already holds a run or cannot be made.
    public func create() throws(TrainingError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw TrainingError(code: .invalidRunFolder, path: url.path,
                                    message: "Run folder '\(url.path)' is a file. Choose another --run folder.")
            }
            if manager.fileExists(atPath: runFile.path) {
                throw TrainingError(
                    code: .invalidRunFolder, path: url.path,
                    message: "'\(url.path)' already holds a run. Continue it with --resume \(url.path), or choose a new --run folder.")
            }
        }
        do {
            for folder in [url, checkpoints, samples] {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw TrainingError(code: .invalidRunFolder, path: url.path,
                                message: "Cannot create run folder '\(url.path)': \(error.localizedDescription). Check the path and permissions.")
        }
    }

    /// Writes `data` atomically: a temporary file in the same folder, then a rename.
    public static func writeAtomically(_ data: Data, to file: URL) throws(TrainingError) {
        do {
            try data.write(to: file, options: .atomic)
        } catch {
            throw TrainingError(code: .writeFailed, path: file.path,
                                message: "Cannot write '\(file.path)': \(error.localizedDescription). Check free space and permissions.")
        }
    }

    // MARK: - Metrics

    /// Appends one line to `metrics.jsonl`.
    public func appendMetrics(_ metrics: StepMetrics) throws(TrainingError) {
        try append(JSON.string(metrics) + "\n", to: metricsFile)
    }

    /// Appends one line to `swd.jsonl`.
    public func appendQuality(_ quality: EpochQuality) throws(TrainingError) {
        try append(JSON.string(quality) + "\n", to: swdFile)
    }

    /// The per-epoch SWD logged so far.
    public func readQuality() -> [EpochQuality] {
        guard let text = try? String(contentsOf: swdFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { JSON.decode(EpochQuality.self, from: String($0)) }
    }

    private func append(_ line: String, to file: URL) throws(TrainingError) {
        do {
            if !FileManager.default.fileExists(atPath: file.path) {
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError(code: .writeFailed, path: file.path,
                                message: "Cannot append to '\(file.path)': \(error.localizedDescription).")
        }
    }

    /// The metrics logged so far; a damaged last line (a crash mid-write) is skipped.
    public func readMetrics() -> [StepMetrics] {
        guard let text = try? String(contentsOf: metricsFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { JSON.decode(StepMetrics.self, from: String($0)) }
    }

    /// Keeps only the metrics (and SWD lines) of steps up to `step`, those a resumed run will not repeat.
    public func truncateMetrics(afterStep step: Int) throws(TrainingError) {
        let kept = readMetrics().filter { $0.step <= step }
        try Self.writeAtomically(Data(kept.map { JSON.string($0) + "\n" }.joined().utf8), to: metricsFile)
        if FileManager.default.fileExists(atPath: swdFile.path) {
            let quality = readQuality().filter { $0.step <= step }
            try Self.writeAtomically(Data(quality.map { JSON.string($0) + "\n" }.joined().utf8), to: swdFile)
        }
    }

    /// Deletes all but the newest `keep` step checkpoints, and leftovers of interrupted writes.
    public func pruneCheckpoints(keep: Int) {
        let manager = FileManager.default
        for step in checkpointSteps().dropLast(max(keep, 1)) {
            try? manager.removeItem(at: checkpoint(step: step))
        }
        for name in (try? manager.contentsOfDirectory(atPath: checkpoints.path)) ?? [] where name.hasSuffix(".tmp") {
            try? manager.removeItem(at: checkpoints.appendingPathComponent(name))
        }
    }
}

/// One line of `swd.jsonl`: the SWD against the holdout at an epoch's end.
public struct EpochQuality: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    /// SWD ×10³ averaged over levels, and per level.
    public var swd: SlicedWasserstein.Result
    /// Images a side.
    public var images: Int

    public init(epoch: Int, step: Int, swd: SlicedWasserstein.Result, images: Int) {
        self.epoch = epoch
        self.step = step
        self.swd = swd
        self.images = images
    }
}

/// `run.json`: everything that defines a run.
public struct RunRecord: Codable, Equatable, Sendable {
    /// `deepfake-gan-run/1`.
    public var schema = "deepfake-gan-run/1"
    public var architecture: GANArchitecture
    public var training: TrainingConfiguration
    public var options: SessionOptions
    /// Where the data came from and how (paths, split, label column, counts), from the caller.
    public var data: [String: String]

    public init(architecture: GANArchitecture, training: TrainingConfiguration, options: SessionOptions,
                data: [String: String]) {
        self.architecture = architecture
        self.training = training
        self.options = options
        self.data = data
    }
}
