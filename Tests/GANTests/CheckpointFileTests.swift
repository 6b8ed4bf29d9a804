import Foundation
import GAN
import NN
import Testing

/// Checkpoints and generator files: round trips, and clear errors for damaged files and files of
/// another architecture.
struct CheckpointFileTests {
    static let architecture = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)

    @Test func checkpointRoundTripRestoresEverything() throws {
        let folder = temporaryFolder("checkpoint")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try GANTrainer(architecture: Self.architecture, configuration: TrainingConfiguration(batchSize: 4))
        let source = SyntheticSource(images: SyntheticImages.make(count: 8, size: 32, seed: 1), batchSize: 4)
        _ = trainer.trainIteration([source.nextBatch()])
        let url = folder.appendingPathComponent("c.safetensors")
        try TrainingCheckpoint.write(trainer, position: source.position, extra: ["note": "x"], to: url)
        let contents = try TrainingCheckpoint.read(url, expecting: Self.architecture)
        #expect(contents.position == source.position)
        #expect(contents.metadata["note"] == "x")
        #expect(contents.trainer.step == 1 && contents.trainer.random == trainer.random)
        #expect(contents.trainer.optimizerD.stepCount == 1)
        let (a, b) = (trainer.discriminator.stateDict(), contents.trainer.discriminator.stateDict())
        for key in a.keys { #expect(a[key]! == b[key]!) }
        #expect(zip(trainer.optimizerG.firstMoments, contents.trainer.optimizerG.firstMoments).allSatisfy { $0 == $1 })
    }

    @Test func damagedAndForeignFilesGiveClearErrors() throws {
        let folder = temporaryFolder("bad-checkpoint")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try GANTrainer(architecture: Self.architecture, configuration: TrainingConfiguration(batchSize: 4))
        let good = folder.appendingPathComponent("good.safetensors")
        try TrainingCheckpoint.write(trainer, position: DataPosition(), to: good)

        // Truncated: the safetensors reader's error, as a corrupt checkpoint naming the file.
        let truncated = folder.appendingPathComponent("truncated.safetensors")
        let bytes = try Data(contentsOf: good)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        #expect(throws: TrainingError.self) { _ = try TrainingCheckpoint.read(truncated) }
        do { _ = try TrainingCheckpoint.read(truncated) } catch {
            #expect(error.code == .corruptCheckpoint && error.path == truncated.path)
        }
        // Garbage.
        let garbage = folder.appendingPathComponent("garbage.safetensors")
        try Data("not a checkpoint at all".utf8).write(to: garbage)
        do { _ = try GeneratorFile.read(garbage); Issue.record("garbage loaded") } catch {
            #expect(error.code == .corruptCheckpoint)
        }
        // A plain safetensors file that is not ours.
        let foreign = folder.appendingPathComponent("foreign.safetensors")
        try SafeTensorsFile.write(["w": Tensor(zeros: [2])], to: foreign)
        do { _ = try TrainingCheckpoint.read(foreign); Issue.record("foreign file loaded") } catch {
            #expect(error.code == .corruptCheckpoint && error.message.contains("not a GAN training checkpoint"))
        }
        // Another architecture.
        var other = Self.architecture
        other.generatorWidth = 8
        do { _ = try TrainingCheckpoint.read(good, expecting: other); Issue.record("other architecture loaded") } catch {
            #expect(error.code == .architectureMismatch)
            #expect(error.message.contains("ngf 4") && error.message.contains("ngf 8"))
        }
        // A missing file.
        do { _ = try TrainingCheckpoint.read(folder.appendingPathComponent("none.safetensors")) } catch {
            #expect(error.code == .invalidRunFolder)
        }
    }

    @Test func generatorFileRoundTripsInHalfPrecision() throws {
        let folder = temporaryFolder("generator")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try GANTrainer(architecture: Self.architecture, configuration: TrainingConfiguration(batchSize: 4))
        let (full, half) = (folder.appendingPathComponent("g32.safetensors"), folder.appendingPathComponent("g16.safetensors"))
        try GeneratorFile.write(trainer.generator, extra: ["data": "synthetic"], to: full)
        try GeneratorFile.write(trainer.generator, halfPrecision: true, to: half)
        let size = { (url: URL) in (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 }
        let (halfSize, fullSize) = (try size(half), try size(full))
        #expect(halfSize < fullSize * 6 / 10)
        let (loaded, metadata) = try GeneratorFile.read(full)
        #expect(metadata["data"] == "synthetic" && metadata["crop"] != nil && metadata["normalisation"] != nil)
        #expect(loaded.architecture == Self.architecture)
        let noise = SampleGrid.fixedNoise(count: 4, noiseSize: 8, seed: 1)
        let a = SampleGrid.generate(trainer.generator, noise: noise, labels: nil)
        #expect(SampleGrid.generate(loaded, noise: noise, labels: nil) == a)
        let (halfLoaded, _) = try GeneratorFile.read(half)
        let b = SampleGrid.generate(halfLoaded, noise: noise, labels: nil)
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 0.02 })
        // A training checkpoint also serves as a generator source.
        let checkpoint = folder.appendingPathComponent("c.safetensors")
        try TrainingCheckpoint.write(trainer, position: DataPosition(), to: checkpoint)
        #expect(SampleGrid.generate(try GeneratorFile.read(checkpoint).generator, noise: noise, labels: nil) == a)
    }
}
