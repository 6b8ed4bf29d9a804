import ArgumentParser
import Datasets
import Foundation
import GAN
import Media
import NN

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate images with a trained GAN generator.",
        discussion: """
            Reads a generator file (models/, or a run's generator.safetensors) or a training \
            checkpoint. Writes PNG files to --out and/or one grid image to --grid. The same --seed \
            gives the same images. --interpolate writes strips of --steps images walking through \
            latent space between random points (spherical interpolation), one strip per --count.
            """)

    @Option(help: "Generator file or training checkpoint (.safetensors).")
    var model: String
    @Option(parsing: .unconditional, help: "Images to generate (strips with --interpolate; 1...\(Limits.generatedImages), and at most \(Limits.generatedImages) images in all).")
    var count: Int = 16
    @Option(help: "Folder for one PNG per image (created if missing).")
    var out: String?
    @Option(help: "Write all images as one grid PNG here.")
    var grid: String?
    @Option(parsing: .unconditional, help: "Seed of the noise (0...2^64-1).")
    var seed: UInt64 = 1
    @Option(help: "Class to generate (conditional models): an index 0..<K or a class name.")
    var label: String?
    @Flag(help: "Latent interpolation strips instead of independent samples.")
    var interpolate = false
    @Option(parsing: .unconditional, help: "Images per interpolation strip (\(Limits.steps.text)).")
    var steps: Int = 8

    func validate() throws {
        if out == nil && grid == nil { throw ValidationError("Give --out FOLDER and/or --grid FILE.") }
        try Limits.check(count, "--count", in: 1...Limits.generatedImages)
        try Limits.check(steps, "--steps", in: Limits.steps)
        if interpolate && count * steps > Limits.generatedImages {
            throw ValidationError("--count \(count) strips of --steps \(steps) make \(count * steps) images, over the \(Limits.generatedImages) allowed in one run.")
        }
    }

    func run() throws {
        var outputs = OutputGuard()
        try outputs.addInput(model, as: "the model")
        if let grid { try outputs.check(grid, as: "the grid") }
        if let out { try outputs.checkFolder(out, as: "the samples") { $0.hasPrefix("sample_") && $0.hasSuffix(".png") } }
        let (generator, metadata) = try GeneratorFile.read(URL(fileURLWithPath: model))
        let a = generator.architecture
        if let out { try OutputFolder.prepare(out) }
        let labelIndex = try resolveLabel(a, metadata: metadata)
        var random = SeededGenerator(seed: seed)
        let noise: Tensor
        var columns: Int? = nil
        if interpolate {
            var values: [Float] = []
            for _ in 0..<count {
                let ends = Tensor.randomNormal(shape: [2, a.noiseSize], using: &random).data
                values += SampleGrid.interpolate(from: Array(ends[0..<a.noiseSize]), to: Array(ends[a.noiseSize...]),
                                                 steps: steps).data
            }
            noise = Tensor(shape: [count * steps, a.noiseSize, 1, 1], data: values)
            columns = steps
        } else {
            noise = Tensor.randomNormal(shape: [count, a.noiseSize, 1, 1], using: &random)
        }
        let n = noise.shape[0]
        let labels: [Int]? = a.isConditional
            ? (labelIndex.map { Array(repeating: $0, count: n) } ?? SampleGrid.cyclingLabels(count: n, classCount: a.classCount))
            : nil
        let images = SampleGrid.generate(generator, noise: noise, labels: labels)
        if let out {
            for index in 0..<n {
                let path = (out as NSString).appendingPathComponent(String(format: "sample_%05d.png", index))
                try Media.ImageFile.writePNG(FaceTensors.image(images, index: index), to: path)
            }
            Terminal.error("wrote \(n) images to \(out)")
        }
        if let grid {
            try ImageTensors.writeGrid(images, columns: columns, to: grid)
            Terminal.error("wrote grid \(grid)")
        }
    }

    private func resolveLabel(_ a: GANArchitecture, metadata: [String: String]) throws -> Int? {
        guard let label else { return nil }
        guard a.isConditional else {
            throw CleanError("--label needs a conditional model; '\(model)' is unconditional.")
        }
        let names = metadata["class_names"].map { $0.split(separator: ",").map(String.init) } ?? []
        if names.count == a.classCount, let index = names.firstIndex(of: label) { return index }
        if let index = Int(label), index >= 0, index < a.classCount { return index }
        throw CleanError("Unknown --label '\(label)': the model has \(a.classCount) classes"
                         + (names.count == a.classCount ? " (\(names.joined(separator: ", ")))" : " (0..<\(a.classCount))") + ".")
    }
}

