import ArgumentParser
import Datasets
import Foundation
import GAN
import NN

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate trained models.",
        subcommands: [EvaluateGANCommand.self, EvaluateDetectorCommand.self])
}

struct EvaluateGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Sliced Wasserstein distance of a generator against held-out real images.",
        discussion: """
            SWD on Laplacian-pyramid patches (Karras et al. 2018): 7x7 patches, 128 per image and \
            level, levels from the image size down to 16, 512 random projections in 4 draws of 128 \
            (averaged), seed 2018; reported x1000 per level and averaged. Beside it: the floor, the \
            SWD between two halves of the holdout (as many images a side as each half holds), and \
            with --untrained the SWD of an untrained generator of the same architecture.
            """)

    @Option(help: "Generator file or training checkpoint.")
    var model: String
    @Option(name: .customLong("data"), help: "Folder of the real images (repeatable).")
    var data: [String] = []
    @Option(help: "Index CSV with 'file' and 'split' columns.")
    var index: String?
    @Option(help: "Index split of the held-out images.")
    var split: String = "holdout"
    @Option(parsing: .unconditional, help: "Images a side (2...\(Limits.images.upperBound)).")
    var images: Int = 2048
    @Option(parsing: .unconditional, help: "Seed of the generated images' noise (0...2^64-1).")
    var seed: UInt64 = 1
    @Flag(help: "Also report the SWD of an untrained generator (DCGAN initialisation, --seed).")
    var untrained = false
    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Option(help: "Dataset cache folder (default $DEEPFAKE_CACHE or ~/.cache/deepfake/datasets).")
    var cache: String?
    @Flag(help: "Do not read or write the dataset cache.")
    var noCache = false

    func validate() throws {
        if data.isEmpty { throw ValidationError("--data FOLDER is required.") }
        try Limits.check(images, "--images", in: 2...Limits.images.upperBound)
    }

    struct Report: Codable {
        var schema = "deepfake-gan-evaluation/1"
        var model: String
        var architecture: GANArchitecture
        var images: Int
        var settings: SlicedWasserstein.Settings
        var swd: SlicedWasserstein.Result
        var floor: SlicedWasserstein.Result
        var floorImages: Int
        var untrained: SlicedWasserstein.Result?
    }

    func run() throws {
        let (generator, _) = try GeneratorFile.read(URL(fileURLWithPath: model))
        let a = generator.architecture
        let set = try TrainingData.load(folders: data, size: a.imageSize, index: index, split: split, labelColumn: nil,
                                        cache: noCache ? nil : cache ?? FaceImageSet.defaultCacheFolder)
        let count = min(images, set.count)
        let holdout = TrainingData.tensor(set, first: count, channels: a.channels)
        var real = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 1)
        real.add(holdout)
        let swd = SlicedWasserstein.distance(real, descriptors(of: generator, count: count))

        let half = set.count / 2
        var first = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 1)
        var second = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 2)
        first.add(TrainingData.tensor(set, first: min(half, count), channels: a.channels))
        second.add(TrainingData.tensor(set, first: min(half, count), channels: a.channels, offset: half))
        let floor = SlicedWasserstein.distance(first, second)

        var untrainedResult: SlicedWasserstein.Result?
        if untrained {
            let fresh = try GANTrainer(architecture: a, configuration: TrainingConfiguration(seed: seed))
            untrainedResult = SlicedWasserstein.distance(real, descriptors(of: fresh.generator, count: count))
        }
        let report = Report(model: model, architecture: a, images: count, settings: SlicedWasserstein.Settings(),
                            swd: swd, floor: floor, floorImages: min(half, count), untrained: untrainedResult)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            Terminal.out(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            func line(_ name: String, _ r: SlicedWasserstein.Result) -> String {
                name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%8.2f   ", r.average)
                    + zip(r.resolutions, r.perLevel).map { String(format: "%d: %.2f", $0, $1) }.joined(separator: "  ")
            }
            Terminal.out("SWD x1e3 (\(count) images a side; \(a.summary))")
            Terminal.out(line("model", swd))
            Terminal.out(line("floor", floor) + "   (two holdout halves, \(min(half, count)) a side)")
            if let untrainedResult { Terminal.out(line("untrained", untrainedResult)) }
        }
    }

    /// Descriptors of `count` generated images, noise from `--seed` (labels uniform when conditional).
    private func descriptors(of generator: Generator, count: Int) -> SlicedWasserstein.Descriptors {
        let a = generator.architecture
        var random = SeededGenerator(seed: seed)
        var result = SlicedWasserstein.Descriptors(imageSize: a.imageSize, channels: a.channels, salt: 2)
        for start in stride(from: 0, to: count, by: 64) {
            let n = min(64, count - start)
            let noise = Tensor.randomNormal(shape: [n, a.noiseSize, 1, 1], using: &random)
            let labels = a.isConditional ? (0..<n).map { _ in Int(random.next() % UInt64(a.classCount)) } : nil
            result.add(SampleGrid.generate(generator, noise: noise, labels: labels))
        }
        return result
    }
}
