import Foundation
import NN

/// What a training session reports as it goes; the executable draws the progress bar, writes
/// sample PNGs and prints warnings from these.
public enum SessionEvent {
    /// One iteration finished and was logged.
    case step(StepMetrics, totalSteps: Int)
    /// The convergence monitor warns.
    case warning(MonitorWarning)
    /// An epoch ended: samples from the fixed noise `[N, C, S, S]`, and SWD against the holdout.
    case epochEnd(epoch: Int, step: Int, samples: Tensor, swd: SlicedWasserstein.Result?)
    /// A checkpoint was written.
    case checkpoint(URL)
}

/// A training run in its folder: starts or resumes, runs the pre-check, trains epoch by epoch,
/// logs metrics, writes checkpoints (last N plus the best by SWD), curves and the final generator.
///
/// Resuming continues from the newest checkpoint exactly: networks, both Adam states, the noise
/// generator, the data position and the monitor are restored, and `metrics.jsonl` is cut back to
/// that step, so the log and the weights equal those of an uninterrupted run.
public final class TrainingSession {
    /// The run's folder.
    public let folder: RunFolder
    /// The networks and optimizers.
    public let trainer: GANTrainer
    /// The run's configuration (`run.json`).
    public private(set) var record: RunRecord
    /// The data position to take the next batch from.
    public private(set) var position: DataPosition
    private var monitor: ConvergenceMonitor
    private var bestSWD: Double?
    private var holdoutDescriptors: SlicedWasserstein.Descriptors?

    private init(folder: RunFolder, trainer: GANTrainer, record: RunRecord, position: DataPosition,
                 monitor: ConvergenceMonitor, bestSWD: Double?) {
        self.folder = folder
        self.trainer = trainer
        self.record = record
        self.position = position
        self.monitor = monitor
        self.bestSWD = bestSWD
    }

    /// Starts a new run: builds and initialises the networks, creates the folder, writes `run.json`.
    /// - Throws: `TrainingError` for a bad architecture or configuration, or a folder that already
    ///   holds a run (nothing is written then).
    public static func start(folder url: URL, architecture: GANArchitecture, configuration: TrainingConfiguration,
                             options: SessionOptions, data: [String: String] = [:]) throws(TrainingError) -> TrainingSession {
        let trainer = try GANTrainer(architecture: architecture, configuration: configuration)
        let folder = RunFolder(url)
        try folder.create()
        let record = RunRecord(architecture: architecture, training: configuration, options: options, data: data)
        try RunFolder.writeAtomically(Data(prettyJSON(record).utf8), to: folder.runFile)
        return TrainingSession(folder: folder, trainer: trainer, record: record, position: DataPosition(),
                               monitor: ConvergenceMonitor(window: options.monitorWindow), bestSWD: nil)
    }

    /// Resumes a run from its newest checkpoint, or from the start when it stopped before its first
    /// checkpoint (same weights, same data order: as if it had not stopped).
    /// - Throws: `TrainingError` `.invalidRunFolder` (no run there),
    ///   `.corruptCheckpoint` or `.architectureMismatch`.
    public static func resume(folder url: URL) throws(TrainingError) -> TrainingSession {
        let folder = RunFolder(url)
        guard let data = try? Data(contentsOf: folder.runFile),
              let record = try? JSONDecoder().decode(RunRecord.self, from: data)
        else {
            throw TrainingError(code: .invalidRunFolder, path: url.path,
                                message: "'\(url.path)' holds no readable run.json, so it is not a run folder of `deepfake train`. "
                                    + "Check the path, or start a new run with --run.")
        }
        guard let step = folder.checkpointSteps().last else {
            // Stopped before its first checkpoint (during the pre-check, say): nothing was trained,
            // so the run starts again from step 0 with its recorded settings, as it first began.
            let trainer = try GANTrainer(architecture: record.architecture, configuration: record.training)
            try folder.truncateMetrics(afterStep: 0)
            return TrainingSession(folder: folder, trainer: trainer, record: record, position: DataPosition(),
                                   monitor: ConvergenceMonitor(window: record.options.monitorWindow), bestSWD: nil)
        }
        let contents = try TrainingCheckpoint.read(folder.checkpoint(step: step), expecting: record.architecture)
        try folder.truncateMetrics(afterStep: contents.trainer.step)
        let monitor = contents.metadata["monitor"].flatMap { JSON.decode(ConvergenceMonitor.self, from: $0) }
            ?? ConvergenceMonitor(window: record.options.monitorWindow)
        return TrainingSession(folder: folder, trainer: contents.trainer, record: record, position: contents.position,
                               monitor: monitor, bestSWD: contents.metadata["best_swd"].flatMap(Double.init))
    }

    /// The session's options; `epochs` and `stopAfter` may be changed before `run` (a resumed run
    /// can be extended).
    public var options: SessionOptions {
        get { record.options }
        set { record.options = newValue }
    }

    /// Iterations in one epoch: the batches of an epoch divided by the D steps per iteration.
    public func iterationsPerEpoch(batchesPerEpoch: Int) -> Int {
        max(1, batchesPerEpoch / record.training.discriminatorSteps)
    }

    /// Runs the pre-check (only before the first iteration).
    /// - Throws: `TrainingError` `.precheckFailed`.
    @discardableResult
    public func precheck(nextBatch: () -> RealBatch) throws(TrainingError) -> DiscriminatorPrecheck.Result? {
        guard trainer.step == 0, options.precheckSteps > 0 else { return nil }
        let result = DiscriminatorPrecheck.run(
            generator: trainer.generator, configuration: record.training, steps: options.precheckSteps,
            threshold: options.precheckThreshold, nextBatch: nextBatch)
        try result.require()
        return result
    }

    /// Trains until `options.epochs` are done (or `options.stopAfter` iterations in this sitting).
    /// - Parameters:
    ///   - source: real batches, positioned at `position`.
    ///   - holdout: real images `[M, C, S, S]` for SWD and the diversity check (`nil` to skip).
    ///   - events: progress reports.
    /// - Throws: `TrainingError` when a file cannot be written.
    public func run(source: any RealBatchSource, holdout: Tensor? = nil,
                    events: (SessionEvent) -> Void = { _ in }) throws(TrainingError) {
        let perEpoch = iterationsPerEpoch(batchesPerEpoch: source.batchesPerEpoch)
        let total = perEpoch * options.epochs
        let k = record.training.discriminatorSteps
        var sitting = 0
        var lastReal: Tensor?
        while trainer.step < total {
            if let stop = options.stopAfter, sitting >= stop { break }
            let start = Date()
            let epoch = source.position.epoch
            let batches = (0..<k).map { _ in source.nextBatch() }
            position = source.position
            var metrics = trainer.trainIteration(batches)
            let seconds = Date().timeIntervalSince(start)
            metrics.epoch = epoch
            metrics.imagesPerSecond = seconds > 0 ? Double(batches.reduce(0) { $0 + $1.images.shape[0] }) / seconds : 0
            lastReal = batches.last?.images
            sitting += 1
            try folder.appendMetrics(metrics)
            events(.step(metrics, totalSteps: total))
            for warning in monitor.record(metrics) { events(.warning(warning)) }

            if trainer.step % perEpoch == 0 {
                try endEpoch(trainer.step / perEpoch, holdout: holdout ?? lastReal, events: events)
            } else if trainer.step % max(options.checkpointEvery, 1) == 0 {
                try writeCheckpoint(swd: nil, events: events)
            }
        }
        if trainer.step % perEpoch != 0 || trainer.step == 0 { try writeCheckpoint(swd: nil, events: events) }
        if trainer.step >= total {
            try GeneratorFile.write(trainer.generator, extra: provenance(), to: folder.generatorFile)
        }
    }

    // MARK: - Epochs and checkpoints

    private func endEpoch(_ epoch: Int, holdout: Tensor?, events: (SessionEvent) -> Void) throws(TrainingError) {
        let a = trainer.architecture
        let seed = record.training.seed
        let samples = SampleGrid.generate(
            trainer.generator,
            noise: SampleGrid.fixedNoise(count: options.sampleCount, noiseSize: a.noiseSize, seed: seed),
            labels: SampleGrid.cyclingLabels(count: options.sampleCount, classCount: a.classCount))
        var swd: SlicedWasserstein.Result?
        if let holdout {
            let reference = Self.firstImages(holdout, count: options.sampleCount)
            // Before the monitor's window has passed, G's samples are all alike by construction
            // (it has barely left its initialisation): no collapse warning then.
            if trainer.step >= options.monitorWindow,
               let warning = monitor.checkDiversity(samples: samples, real: reference, step: trainer.step) {
                events(.warning(warning))
            }
            if options.swdImages > 0 && holdout.shape[0] >= 2 {
                let result = swdAgainstHoldout(holdout)
                swd = result
                try folder.appendQuality(EpochQuality(epoch: epoch, step: trainer.step, swd: result,
                                                      images: min(options.swdImages, holdout.shape[0])))
            }
        }
        events(.epochEnd(epoch: epoch, step: trainer.step, samples: samples, swd: swd))
        let svg = LossCurvePlot.svg(folder.readMetrics(), title: "GAN run \(folder.url.lastPathComponent): \(a.summary)")
        try RunFolder.writeAtomically(Data(svg.utf8), to: folder.curvesFile)
        try writeCheckpoint(swd: swd?.average, events: events)
    }

    /// SWD between `min(swdImages, M)` generated images and as many holdout images.
    public func swdAgainstHoldout(_ holdout: Tensor) -> SlicedWasserstein.Result {
        let a = trainer.architecture
        let count = min(options.swdImages, holdout.shape[0])
        if holdoutDescriptors == nil || holdoutDescriptors!.count != count * SlicedWasserstein.Settings().patchesPerImage {
            var real = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 1)
            real.add(Self.firstImages(holdout, count: count))
            holdoutDescriptors = real
        }
        var fake = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 2)
        var random = SeededGenerator(seed: record.training.seed ^ 0x7377_6400)
        for start in stride(from: 0, to: count, by: 64) {
            let n = min(64, count - start)
            let noise = Tensor.randomNormal(shape: [n, a.noiseSize, 1, 1], using: &random)
            let labels = a.classCount > 0 ? (0..<n).map { _ in Int(random.next() % UInt64(a.classCount)) } : nil
            fake.add(SampleGrid.generate(trainer.generator, noise: noise, labels: labels))
        }
        return SlicedWasserstein.distance(holdoutDescriptors!, fake)
    }

    private func writeCheckpoint(swd: Double?, events: (SessionEvent) -> Void) throws(TrainingError) {
        var extra = ["run": JSON.string(record), "monitor": JSON.string(monitor)]
        var isBest = false
        if let swd {
            extra["swd"] = String(swd)
            if bestSWD == nil || swd < bestSWD! { bestSWD = swd; isBest = true }
        }
        if let bestSWD { extra["best_swd"] = String(bestSWD) }
        let url = folder.checkpoint(step: trainer.step)
        try TrainingCheckpoint.write(trainer, position: position, extra: extra, to: url)
        if isBest { try TrainingCheckpoint.write(trainer, position: position, extra: extra, to: folder.bestCheckpoint) }
        folder.pruneCheckpoints(keep: options.keepLast)
        events(.checkpoint(url))
    }

    /// Provenance for the generator file.
    public func provenance() -> [String: String] {
        var extra = record.data
        extra["training"] = JSON.string(record.training)
        extra["step"] = String(trainer.step)
        if let bestSWD { extra["best_swd"] = String(bestSWD) }
        return extra
    }

    static func firstImages(_ images: Tensor, count: Int) -> Tensor {
        let n = min(count, images.shape[0])
        guard n < images.shape[0] else { return images }
        let size = images.count / images.shape[0]
        var shape = images.shape
        shape[0] = n
        return Tensor(shape: shape, data: Array(images.data[0..<(n * size)]))
    }

    static func prettyJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self) + "\n"
    }
}
