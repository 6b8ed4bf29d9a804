import Foundation
import GAN
import NN
import Testing

/// A run interrupted by a crash and resumed from its last checkpoint ends bit for bit where an
/// uninterrupted run of the same length ends, and logs the same losses.
struct ResumeTests {
    static let architecture = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)
    static let configuration = TrainingConfiguration(batchSize: 4, discriminatorSteps: 1, seed: 11)
    static let options = SessionOptions(epochs: 2, checkpointEvery: 3, keepLast: 2, swdImages: 8, sampleCount: 4,
                                        precheckSteps: 0, monitorWindow: 4)
    static let holdout = SyntheticImages.make(count: 8, size: 32, seed: 9)

    static func source(position: DataPosition = DataPosition()) -> SyntheticSource {
        SyntheticSource(images: SyntheticImages.make(count: 16, size: 32, seed: 3), batchSize: 4, position: position)
    }

    @Test func resumeAfterCrashIsBitIdentical() throws {
        let (straightURL, crashedURL) = (temporaryFolder("straight"), temporaryFolder("crashed"))
        defer { for url in [straightURL, crashedURL] { try? FileManager.default.removeItem(at: url) } }

        // Uninterrupted: 2 epochs of 4 iterations.
        let straight = try TrainingSession.start(folder: straightURL, architecture: Self.architecture,
                                                 configuration: Self.configuration, options: Self.options)
        try straight.run(source: Self.source(), holdout: Self.holdout)
        #expect(straight.trainer.step == 8)

        // Interrupted after 7 iterations: the checkpoint of step 7 never made it to disk (the
        // process was killed before writing it), a temporary file was left half-written, and the
        // log already holds steps up to 7.
        let crashed = try TrainingSession.start(folder: crashedURL, architecture: Self.architecture,
                                                configuration: Self.configuration, options: Self.options)
        crashed.options.stopAfter = 7
        try crashed.run(source: Self.source(), holdout: Self.holdout)
        let folder = RunFolder(crashedURL)
        try FileManager.default.removeItem(at: folder.checkpoint(step: 7))
        try Data("half a checkpoint".utf8).write(to: folder.checkpoints.appendingPathComponent(".step-00000007.safetensors.X.tmp"))
        #expect(folder.checkpointSteps().last == 6)
        #expect(folder.readMetrics().count == 7)

        let resumed = try TrainingSession.resume(folder: crashedURL)
        #expect(resumed.trainer.step == 6)
        #expect(resumed.position == DataPosition(epoch: 1, step: 2))
        resumed.options.stopAfter = nil
        try resumed.run(source: Self.source(position: resumed.position), holdout: Self.holdout)
        #expect(resumed.trainer.step == 8)

        for (a, b) in [(straight.trainer.generator.stateDict(), resumed.trainer.generator.stateDict()),
                       (straight.trainer.discriminator.stateDict(), resumed.trainer.discriminator.stateDict())] {
            #expect(a.keys.sorted() == b.keys.sorted())
            for key in a.keys { #expect(a[key]! == b[key]!, "\(key) differs after resume") }
        }
        for (a, b) in zip(straight.trainer.optimizerG.secondMoments, resumed.trainer.optimizerG.secondMoments) {
            #expect(a == b)
        }
        #expect(straight.trainer.random == resumed.trainer.random)
        let (logA, logB) = (RunFolder(straightURL).readMetrics(), folder.readMetrics())
        #expect(logA.map(\.step) == Array(1...8))
        #expect(logA.map(\.lossD) == logB.map(\.lossD))
        #expect(logA.map(\.lossG) == logB.map(\.lossG))
        // SWD logged once per epoch, equal in both runs.
        let (swdA, swdB) = (RunFolder(straightURL).readQuality(), folder.readQuality())
        #expect(swdA.map(\.epoch) == [1, 2])
        #expect(swdA == swdB)
        // Only the newest checkpoints are kept, and the temporary leftover is gone.
        #expect(folder.checkpointSteps() == [6, 8])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.checkpoints.path).allSatisfy { !$0.hasSuffix(".tmp") })
        #expect(FileManager.default.fileExists(atPath: folder.generatorFile.path))
        #expect(FileManager.default.fileExists(atPath: folder.curvesFile.path))
    }

    @Test func startingOverAnExistingRunIsRefusedAndWritesNothing() throws {
        let url = temporaryFolder("existing")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try TrainingSession.start(folder: url, architecture: Self.architecture, configuration: Self.configuration,
                                      options: Self.options)
        let before = try Data(contentsOf: RunFolder(url).runFile)
        #expect(throws: TrainingError.self) {
            _ = try TrainingSession.start(folder: url, architecture: Self.architecture,
                                          configuration: Self.configuration, options: Self.options)
        }
        #expect(try Data(contentsOf: RunFolder(url).runFile) == before)
    }

    @Test("a run stopped before its first checkpoint (during the pre-check) resumes from step 0 and ends as an uninterrupted run")
    func resumeBeforeTheFirstCheckpointStartsOver() throws {
        let (straightURL, stoppedURL) = (temporaryFolder("straight0"), temporaryFolder("stopped0"))
        defer { for url in [straightURL, stoppedURL] { try? FileManager.default.removeItem(at: url) } }
        let straight = try TrainingSession.start(folder: straightURL, architecture: Self.architecture,
                                                 configuration: Self.configuration, options: Self.options)
        try straight.run(source: Self.source(), holdout: Self.holdout)
        // Killed after run.json was written, before any checkpoint.
        _ = try TrainingSession.start(folder: stoppedURL, architecture: Self.architecture,
                                      configuration: Self.configuration, options: Self.options)
        #expect(RunFolder(stoppedURL).checkpointSteps().isEmpty)
        let resumed = try TrainingSession.resume(folder: stoppedURL)
        #expect(resumed.trainer.step == 0 && resumed.position == DataPosition())
        try resumed.run(source: Self.source(), holdout: Self.holdout)
        let (a, b) = (straight.trainer.generator.stateDict(), resumed.trainer.generator.stateDict())
        for key in a.keys { #expect(a[key]! == b[key]!, "\(key) differs") }
        #expect(RunFolder(straightURL).readMetrics().map(\.lossD) == RunFolder(stoppedURL).readMetrics().map(\.lossD))
        #expect(RunFolder(straightURL).readQuality() == RunFolder(stoppedURL).readQuality())
    }
}
