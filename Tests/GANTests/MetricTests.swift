import Foundation
@testable import GAN
import NN
import Testing

/// SWD, the monitor and the trainer's options.
struct MetricTests {
    @Test func swdSeparatesSimilarFromDifferentSetsAndIsSeeded() {
        let a = SyntheticImages.make(count: 32, size: 32, seed: 1)
        let b = SyntheticImages.make(count: 32, size: 32, seed: 2)  // same distribution
        var random = SeededGenerator(seed: 3)
        let noise = Tensor.randomUniform(shape: [32, 3, 32, 32], low: -1, high: 1, using: &random)
        func swd(_ x: Tensor, _ y: Tensor) -> SlicedWasserstein.Result {
            var dx = SlicedWasserstein.Descriptors(imageSize: 32, channels: 3, salt: 1)
            var dy = SlicedWasserstein.Descriptors(imageSize: 32, channels: 3, salt: 2)
            dx.add(x)
            dy.add(y)
            return SlicedWasserstein.distance(dx, dy)
        }
        let similar = swd(a, b)
        let different = swd(a, noise)
        #expect(similar.resolutions == [32, 16])
        #expect(similar.perLevel.count == 2)
        #expect(similar.average * 3 < different.average, "\(similar.average) vs \(different.average)")
        #expect(swd(a, b) == similar)  // seeded: the same inputs give the same value
    }

    @Test func laplacianPyramidReconstructs() {
        var random = SeededGenerator(seed: 4)
        let plane = (0..<256).map { _ in Float(random.nextUniform()) }
        let pyramid = LaplacianPyramid.build(plane, side: 16, levels: 2)
        #expect(pyramid.map(\.count) == [256, 64])
        // A constant image has no detail: the fine level is 0 and the coarse level the constant.
        let flat = LaplacianPyramid.build([Float](repeating: 0.5, count: 256), side: 16, levels: 2)
        #expect(flat[0].allSatisfy { abs($0) < 1e-6 })
        #expect(flat[1].allSatisfy { abs($0 - 0.5) < 1e-6 })
    }

    @Test func monitorWarnsOnGuessingWinningAndCollapse() {
        func metrics(_ step: Int, accuracy: Float, lossG: Float) -> StepMetrics {
            StepMetrics(step: step, epoch: 0, lossD: 1, lossG: lossG, dReal: 0.5, dFake: 0.5, dFakeAfter: 0.5,
                        accuracyReal: accuracy, accuracyFake: accuracy, imagesPerSecond: 0)
        }
        var monitor = ConvergenceMonitor(window: 10)
        var warnings: [MonitorWarning] = []
        for step in 1...30 { warnings += monitor.record(metrics(step, accuracy: 0.5, lossG: 0.7)) }
        #expect(warnings.count == 1)  // once, not every step
        if case .discriminatorGuessing = warnings.first {} else { Issue.record("expected guessing, got \(warnings)") }
        warnings = []
        for step in 31...60 { warnings += monitor.record(metrics(step, accuracy: 1, lossG: Float(step - 30))) }
        #expect(warnings.contains { if case .discriminatorWinning = $0 { true } else { false } })
        #expect(!warnings.isEmpty && !warnings[0].message.isEmpty)

        let real = SyntheticImages.make(count: 8, size: 16, seed: 5)
        let collapsed = Tensor(shape: [8, 3, 16, 16], data: Array((0..<8).flatMap { _ in real.data[0..<768] }))
        #expect(monitor.checkDiversity(samples: collapsed, real: real, step: 60) != nil)
        #expect(monitor.checkDiversity(samples: real, real: real, step: 61) == nil)
    }

    @Test func dStepsMinimaxAndSmoothing() throws {
        let architecture = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)
        let source = SyntheticSource(images: SyntheticImages.make(count: 16, size: 32, seed: 6), batchSize: 4)
        let configuration = TrainingConfiguration(batchSize: 4, discriminatorSteps: 2, loss: .minimax,
                                                  labelSmoothing: 0.1)
        let trainer = try GANTrainer(architecture: architecture, configuration: configuration)
        let metrics = trainer.trainIteration([source.nextBatch(), source.nextBatch()])
        #expect(trainer.optimizerD.stepCount == 2 && trainer.optimizerG.stepCount == 1)
        // Minimax: G's loss is mean log(1 − D(G(z))), negative, about log(1 − D(G(z))).
        #expect(metrics.lossG < 0)
        #expect(abs(metrics.lossG - log(1 - metrics.dFakeAfter)) < 0.05)
        #expect(throws: TrainingError.self) {
            try TrainingConfiguration(labelSmoothing: 0.7).validate()
        }
        #expect(throws: TrainingError.self) {
            try GANArchitecture(imageSize: 48).validate()
        }
    }
}

/// The SWD's radix sort agrees with the standard library's sort, negatives, zeros and all.
@Test func radixSortedColumnsMatchSort() {
    var random = SeededGenerator(seed: 8)
    let values = (0..<3000).map { _ in Float(random.nextNormal() * 100) } + [0, -0.0, 1e-30, -1e-30, .infinity, -.infinity]
    let columns = 3
    let rows = values.count / columns
    for column in 0..<columns {
        let expected = (0..<rows).map { values[$0 * columns + column] }.sorted()
        #expect(SlicedWasserstein.sortedColumn(values, column: column, rows: rows, columns: columns) == expected)
    }
}
