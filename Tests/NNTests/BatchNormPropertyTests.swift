import NN
import Testing
import TestSupport

struct BatchNormPropertyTests {
    @Test func trainingOutputIsNormalisedPerChannel() {
        var generator = SeededGenerator(seed: 11)
        let norm = BatchNorm2D(featureCount: 3)
        let x = Tensor.randomNormal(shape: [4, 3, 5, 5], mean: 3, standardDeviation: 2, using: &generator)
        let y = norm.forward(x).data
        for c in 0..<3 {
            var values: [Double] = []
            for n in 0..<4 { values += y[((n * 3 + c) * 25)..<((n * 3 + c) * 25 + 25)].map(Double.init) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)  // eps = 1e-5 against σ² ≈ 4 shrinks it by ~1e-6 only
        }
    }

    @Test func runningStatisticsUseUnbiasedVarianceAndMomentum() {
        let norm = BatchNorm2D(featureCount: 1)
        // One channel, values 1…4: mean 2.5, biased variance 1.25, unbiased 5/3.
        _ = norm.forward(Tensor(shape: [2, 1, 1, 2], data: [1, 2, 3, 4]))
        expectClose(norm.runningMean.value[flat: 0], 0.25, .forward, "running mean")
        expectClose(norm.runningVariance.value[flat: 0], 0.9 + 0.1 * 5 / 3, .forward, "running var")
        #expect(norm.batchesTracked.value[flat: 0] == 1)
        norm.setTraining(false)
        let y = norm.infer(Tensor(shape: [1, 1, 1, 1], data: [0.25]))
        #expect(abs(y[flat: 0]) < 1e-7)
        #expect(norm.batchesTracked.value[flat: 0] == 1)
    }

    @Test func stateDictKeysFollowPyTorch() {
        let model = Named("main", Sequential([
            ConvTranspose2D(inputChannels: 4, outputChannels: 2, kernelSize: 4, bias: false),
            BatchNorm2D(featureCount: 2), ReLU(),
            Conv2D(inputChannels: 2, outputChannels: 1, kernelSize: 3),
        ]))
        #expect(model.stateEntries().map(\.key) == [
            "main.0.weight", "main.1.weight", "main.1.bias", "main.1.running_mean", "main.1.running_var",
            "main.1.num_batches_tracked", "main.3.weight", "main.3.bias",
        ])
        #expect(model.parameters.count == 5)
    }
}
