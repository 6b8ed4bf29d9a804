import ArgumentParser
import Datasets
import Foundation
import GAN
import Media
import NN

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GAN on face images; resumable.",
        discussion: """
            Trains the DCGAN of pytorch/examples (or a 32/128 variant, a conditional one, or the \
            fully connected --arch mlp) on a folder of images. A run folder holds run.json, \
            metrics.jsonl, curves.svg, checkpoints/ (the last few and the best by SWD), samples/ \
            (a grid from fixed noise each epoch) and, at the end, generator.safetensors. \
            --resume RUN continues from the newest checkpoint exactly as if never interrupted, \
            also after kill -9. Before training, a pre-check trains D alone against the untrained \
            G and stops if it cannot separate them.
            """)

    @Option(name: .customLong("data"), help: "A folder of PNG/JPEG face images (repeatable).")
    var data: [String] = []
    @Option(help: "Index CSV with a 'file' column (e.g. utkface/index.csv), for --split and labels.")
    var index: String?
    @Option(help: "Train only on index rows whose 'split' column has this value (default 'train' with an index).")
    var split: String?
    @Option(help: "Index split used as the SWD holdout (default 'holdout' with an index; 'none' to skip).")
    var holdoutSplit: String?
    @Option(parsing: .unconditional, help: "Use at most N training images (quick runs; \(Limits.maxImages.text)).")
    var maxImages: Int?
    @Option(help: "Dataset cache folder (default $DEEPFAKE_CACHE or ~/.cache/deepfake/datasets).")
    var cache: String?
    @Flag(help: "Do not read or write the dataset cache.")
    var noCache = false

    @Option(help: "Network family: dcgan or mlp.")
    var arch: String?
    @Option(parsing: .unconditional, help: "Image size (dcgan: 32, 64 or 128; mlp: 4...64).")
    var size: Int?
    @Option(parsing: .unconditional, help: "Generator width (dcgan ngf; mlp hidden units; \(Limits.width.text)).")
    var ngf: Int?
    @Option(parsing: .unconditional, help: "Discriminator width (dcgan ndf; mlp hidden units; \(Limits.width.text)).")
    var ndf: Int?
    @Option(parsing: .unconditional, help: "Noise size (\(Limits.noiseSize.text)).")
    var nz: Int?
    @Option(parsing: .unconditional, help: "Image channels (3; 1 for grey, e.g. --arch mlp).")
    var channels: Int?
    @Flag(help: "Train a conditional GAN on class labels (--labels/--index CSV and --label-column).")
    var conditional = false
    @Option(help: "CSV with the class labels (defaults to --index).")
    var labels: String?
    @Option(help: "Column of the label CSV holding the class.")
    var labelColumn: String?

    @Option(parsing: .unconditional, help: "Batch size (2...\(Limits.batch.upperBound)).")
    var batch: Int = 64
    @Option(parsing: .unconditional, help: "Epochs (passes over the training images; \(Limits.epochs.text); default 5). With --resume, extends the run.")
    var epochs: Int?
    @Option(parsing: .unconditional, help: "Discriminator steps per generator step (\(Self.discriminatorSteps.text)).")
    var dSteps: Int = 1
    @Option(help: "Generator loss: nonsaturating or minimax.")
    var loss: String = "nonsaturating"
    @Option(parsing: .unconditional, help: "One-sided label smoothing: D's target for real images is 1 - this (\(Self.labelSmoothings.text); 0.1 is usual).")
    var labelSmoothing: Double = 0
    @Option(parsing: .unconditional, help: "Adam learning rate (\(Limits.learningRate.text)).")
    var lr: Double = 2e-4
    @Option(name: .customLong("d-lr"), parsing: .unconditional, help: "The discriminator's Adam learning rate, when it differs from --lr (\(Limits.learningRate.text); two time-scale updates, e.g. 5e-5 at 128 px).")
    var dLR: Double?
    @Option(parsing: .unconditional, help: "Seed of weights, noise and data order (0...2^64-1).")
    var seed: UInt64 = 1

    @Option(name: .customLong("run"), help: "New run folder.")
    var runFolder: String?
    @Option(help: "Continue the run in this folder from its newest checkpoint.")
    var resume: String?
    @Option(parsing: .unconditional, help: "Write a checkpoint every N iterations (and at each epoch's end; \(Limits.iterations.text)).")
    var checkpointEvery: Int = 100
    @Option(parsing: .unconditional, help: "Checkpoints kept besides the best (\(Self.keptCheckpoints.text)).")
    var keep: Int = 3
    @Option(parsing: .unconditional, help: "Images a side for the per-epoch SWD (0 turns it off; at most \(Limits.images.upperBound)).")
    var swdImages: Int = 2048
    @Option(parsing: .unconditional, help: "D steps of the pre-check (0 skips it; at most \(Limits.iterations.upperBound)).")
    var precheckSteps: Int = 200
    @Option(parsing: .unconditional, help: "Stop after N iterations in this sitting (resume later with --resume; \(Limits.iterations.text)).")
    var stopAfter: Int?
    @Option(help: "Initial weights: a safetensors file with PyTorch state_dicts under netG. and netD. (benchmarks).")
    var initWeights: String?
    @Option(help: "Fixed data order: little-endian Int32 image indices, batch after batch (benchmarks; no flips).")
    var dataOrder: String?
    @Flag(help: "Do not flip training images horizontally.")
    var noFlip = false
    @Option(help: "At the end, also write the generator alone to this file.")
    var export: String?
    @Option(help: "At the end, also write G and D (no optimizer state) to this file, e.g. for models/.")
    var exportNetworks: String?
    @Flag(help: "Export from the best checkpoint by SWD instead of the last state.")
    var exportBest = false
    @Flag(help: "Write the exported files in float16.")
    var half = false

    func validate() throws {
        if (runFolder == nil) == (resume == nil) { throw ValidationError("Give either --run DIR (a new run) or --resume DIR.") }
        if runFolder != nil && data.isEmpty { throw ValidationError("--data FOLDER is required for a new run.") }
        if let arch, GANArchitecture.Kind(rawValue: arch) == nil { throw ValidationError("--arch must be dcgan or mlp, got '\(arch)'.") }
        if GANLoss(rawValue: loss) == nil { throw ValidationError("--loss must be nonsaturating or minimax, got '\(loss)'.") }
        if conditional && labelColumn == nil { throw ValidationError("--conditional needs --label-column COL (and --labels CSV).") }
        try Limits.check(maxImages, "--max-images", in: Limits.maxImages)
        try Limits.check(size, "--size", in: 4...128)
        try Limits.check(ngf, "--ngf", in: Limits.width)
        try Limits.check(ndf, "--ndf", in: Limits.width)
        try Limits.check(nz, "--nz", in: Limits.noiseSize)
        if let channels, channels != 1 && channels != 3 { throw ValidationError("--channels must be 1 or 3, got \(channels).") }
        try Limits.check(batch, "--batch", in: 2...Limits.batch.upperBound)
        try Limits.check(epochs, "--epochs", in: Limits.epochs)
        try Limits.check(dSteps, "--d-steps", in: Self.discriminatorSteps)
        try Limits.check(labelSmoothing, "--label-smoothing", in: Self.labelSmoothings)
        try Limits.check(lr, "--lr", in: Limits.learningRate)
        try Limits.check(dLR, "--d-lr", in: Limits.learningRate)
        try Limits.check(checkpointEvery, "--checkpoint-every", in: Limits.iterations)
        try Limits.check(keep, "--keep", in: Self.keptCheckpoints)
        try Limits.check(swdImages, "--swd-images", in: 0...Limits.images.upperBound)
        try Limits.check(precheckSteps, "--precheck-steps", in: 0...Limits.iterations.upperBound)
        try Limits.check(stopAfter, "--stop-after", in: Limits.iterations)
    }

    static let discriminatorSteps = 1...100
    static let labelSmoothings = 0.0...0.45
    static let keptCheckpoints = 1...1000

    /// Registers what the run reads and checks what it writes against it, before any work.
    private func checkOutputs() throws {
        var outputs = OutputGuard()
        try outputs.addInputs(data, as: "the training image folder", readsExtensions: MediaInputs.imageExtensions)
        try outputs.addInput(index, as: "the index CSV")
        try outputs.addInput(labels, as: "the label CSV")
        try outputs.addInput(initWeights, as: "the initial weights")
        try outputs.addInput(dataOrder, as: "the data order")
        if let resume {
            let folder = RunFolder(URL(fileURLWithPath: resume))
            let checkpoints = folder.checkpointSteps().map { folder.checkpoint(step: $0) } + [folder.bestCheckpoint]
            try outputs.addInputs(checkpoints.map(\.path), as: "a checkpoint of the run")
        }
        if let runFolder { try outputs.check(runFolder, as: "the run folder") }
        if let export { try outputs.check(export, as: "the generator") }
        if let exportNetworks { try outputs.check(exportNetworks, as: "the networks file") }
    }

    func run() throws {
        try checkOutputs()
        let session: TrainingSession
        let settings: [String: String]
        var loaded: FaceImageSet?
        var newFolder = false
        if let resume {
            session = try TrainingSession.resume(folder: URL(fileURLWithPath: resume))
            try checkArchitectureOptions(against: session.record.architecture, path: resume)
            settings = session.record.data
            if let epochs { session.options.epochs = epochs }
            session.options.stopAfter = stopAfter
            Terminal.error("resuming \(resume) at step \(session.trainer.step) (epoch \(session.position.epoch), "
                           + "batch \(session.position.step)): \(session.record.architecture.summary)")
        } else {
            settings = dataSettings()
            newFolder = !FileManager.default.fileExists(atPath: runFolder!)
            (session, loaded) = try startRun(settings: settings)
        }
        let record = session.record
        let a = record.architecture
        let folders = settings["data"]!.split(separator: "\n").map(String.init)
        let training = try loaded ?? loadImages(folders: folders, settings: settings, split: settings["split"],
                                                size: a.imageSize, limit: settings["max_images"].flatMap { Int($0) })
        if a.isConditional, let labels = training.labels, labels.contains(where: { $0 < 0 || $0 >= a.classCount }) {
            throw CleanError("The labels now fall outside the run's \(a.classCount) classes (0..<\(a.classCount)).")
        }
        let holdout: Tensor? = try settings["holdout_split"].flatMap { split in
            let set = try loadImages(folders: folders, settings: settings, split: split, size: a.imageSize,
                                     limit: max(session.options.swdImages, session.options.sampleCount))
            return TrainingData.tensor(set, first: set.count, channels: a.channels)
        }
        Terminal.error("\(training.count) training images" + (holdout.map { ", \($0.shape[0]) holdout images" } ?? "")
                       + (training.skipped.isEmpty ? "" : ", \(training.skipped.count) unreadable skipped"))
        let order = try settings["data_order"].map { try Self.readOrder($0, count: training.count) }
        let source: any RealBatchSource = order.map {
            FixedOrderBatchSource(set: training, order: $0, batchSize: record.training.batchSize, channels: a.channels,
                                  position: session.position)
        } ?? LoaderBatchSource(set: training, batchSize: record.training.batchSize, seed: record.training.seed,
                               flip: settings["flip"] != "false", channels: a.channels, position: session.position)
        if let initWeights = settings["init"], session.trainer.step == 0 {
            let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: initWeights))
            try session.trainer.generator.loadState(from: file, prefix: "netG")
            try session.trainer.discriminator.loadState(from: file, prefix: "netD")
        }

        if session.trainer.step == 0 && session.options.precheckSteps > 0 {
            Terminal.error("pre-check: training D alone for \(session.options.precheckSteps) steps")
            let precheckSource = LoaderBatchSource(set: training, batchSize: record.training.batchSize,
                                                   seed: record.training.seed ^ 0x5052_4543, flip: true,
                                                   channels: a.channels, position: DataPosition())
            do {
                if let result = try session.precheck(nextBatch: { precheckSource.nextBatch() }) {
                    Terminal.error(String(format: "pre-check passed: D accuracy %.3f", result.accuracy))
                }
            } catch {
                // A run that cannot start leaves nothing behind.
                if newFolder { try? FileManager.default.removeItem(at: session.folder.url) }
                throw error
            }
        }
        let reporter = TrainingReporter(session: session, batchesPerEpoch: source.batchesPerEpoch)
        try session.run(source: source, holdout: holdout) { event in reporter.handle(event) }
        reporter.finish()
        var trainer = session.trainer
        var provenance = session.provenance()
        if exportBest, export != nil || exportNetworks != nil,
           FileManager.default.fileExists(atPath: session.folder.bestCheckpoint.path) {
            let best = try TrainingCheckpoint.read(session.folder.bestCheckpoint)
            trainer = best.trainer
            provenance["step"] = String(trainer.step)
            provenance["swd"] = best.metadata["swd"]
            Terminal.error("exporting the best checkpoint by SWD: step \(trainer.step), SWD \(best.metadata["swd"] ?? "?")")
        }
        if let export {
            try GeneratorFile.write(trainer.generator, halfPrecision: half, extra: provenance,
                                    to: URL(fileURLWithPath: export))
            Terminal.error("wrote generator \(export)\(half ? " (float16)" : "")")
        }
        if let exportNetworks {
            try GeneratorFile.writeNetworks(generator: trainer.generator, discriminator: trainer.discriminator,
                                            halfPrecision: half, extra: provenance, to: URL(fileURLWithPath: exportNetworks))
            Terminal.error("wrote G and D \(exportNetworks)\(half ? " (float16)" : "")")
        }
    }

    private func dataSettings() -> [String: String] {
        let labelCSV = labels ?? index
        var settings: [String: String] = ["data": data.joined(separator: "\n")]
        if let index { settings["index"] = index }
        if let labelCSV, conditional { settings["labels"] = labelCSV }
        if let labelColumn, conditional { settings["label_column"] = labelColumn }
        if let split = split ?? (index != nil ? "train" : nil) { settings["split"] = split }
        let holdout = holdoutSplit ?? (index != nil ? "holdout" : nil)
        if let holdout, holdout != "none" { settings["holdout_split"] = holdout }
        if let maxImages { settings["max_images"] = String(maxImages) }
        if let initWeights { settings["init"] = initWeights }
        if let dataOrder { settings["data_order"] = dataOrder }
        if noFlip { settings["flip"] = "false" }
        if !noCache { settings["cache"] = cache ?? FaceImageSet.defaultCacheFolder }
        return settings
    }

    private func loadImages(folders: [String], settings: [String: String], split: String?, size: Int,
                            limit: Int?) throws -> FaceImageSet {
        try TrainingData.load(folders: folders, size: size, index: settings["labels"] ?? settings["index"], split: split,
                              labelColumn: settings["label_column"], cache: settings["cache"], limit: limit)
    }

    /// A new run: everything is checked and the data loaded before the folder is created.
    private func startRun(settings: [String: String]) throws -> (TrainingSession, FaceImageSet) {
        var architecture = GANArchitecture(
            kind: GANArchitecture.Kind(rawValue: arch ?? "dcgan")!, imageSize: size ?? 64,
            channels: channels ?? (arch == "mlp" ? 1 : 3), noiseSize: nz ?? 100, generatorWidth: ngf ?? 64,
            discriminatorWidth: ndf ?? 64)
        let configuration = TrainingConfiguration(
            batchSize: batch, discriminatorSteps: dSteps, loss: GANLoss(rawValue: loss)!, labelSmoothing: labelSmoothing,
            learningRate: lr, discriminatorLearningRate: dLR, seed: seed)
        try architecture.validate()
        try configuration.validate()
        let folders = settings["data"]!.split(separator: "\n").map(String.init)
        // Load once here so that empty or unreadable data fails before anything is written.
        let probe = try loadImages(folders: folders, settings: settings, split: settings["split"],
                                   size: architecture.imageSize, limit: settings["max_images"].flatMap { Int($0) })
        guard probe.count >= batch else {
            throw CleanError("Only \(probe.count) training images, fewer than one batch of \(batch). Add images or lower --batch.")
        }
        var recorded = settings
        if conditional {
            let labels = probe.labels ?? []
            architecture.classCount = (labels.max() ?? 0) + 1
            guard labels.min() ?? 0 >= 0, architecture.classCount >= 2 else {
                throw CleanError("Column '\(labelColumn!)' must hold class indices 0, 1, … with at least 2 classes.")
            }
            recorded["class_names"] = (0..<architecture.classCount).map(String.init).joined(separator: ",")
        }
        let options = SessionOptions(
            epochs: epochs ?? 5, checkpointEvery: checkpointEvery, keepLast: keep, swdImages: swdImages,
            precheckSteps: precheckSteps, stopAfter: stopAfter)
        let session = try TrainingSession.start(folder: URL(fileURLWithPath: runFolder!), architecture: architecture,
                                                configuration: configuration, options: options, data: recorded)
        return (session, probe)
    }

    /// A data order file: Int32 indices into the training images, batch after batch.
    static func readOrder(_ path: String, count: Int) throws -> [Int] {
        guard let data = FileManager.default.contents(atPath: path), data.count % 4 == 0, !data.isEmpty else {
            throw CleanError("Cannot read the data order '\(path)': expected little-endian Int32 indices.")
        }
        let order = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        }
        guard order.allSatisfy({ $0 >= 0 && $0 < count }) else {
            throw CleanError("The data order '\(path)' holds indices outside 0..<\(count) (the training images).")
        }
        return order
    }

    /// On --resume, architecture options given on the command line must match the run's.
    private func checkArchitectureOptions(against a: GANArchitecture, path: String) throws {
        let given: [(String, Int?, Int)] = [("--size", size, a.imageSize), ("--ngf", ngf, a.generatorWidth),
                                            ("--ndf", ndf, a.discriminatorWidth), ("--nz", nz, a.noiseSize)]
        for (name, value, actual) in given {
            if let value, value != actual {
                throw TrainingError(code: .architectureMismatch, path: path,
                                    message: "Run '\(path)' was trained with \(name) \(actual), not \(value): its checkpoints hold "
                                        + "a \(a.summary) GAN. Drop \(name) to resume it, or start a new run.")
            }
        }
        if let arch, arch != a.kind.rawValue {
            throw TrainingError(code: .architectureMismatch, path: path,
                                message: "Run '\(path)' is a \(a.kind.rawValue) GAN, not \(arch). Drop --arch to resume it.")
        }
    }
}
