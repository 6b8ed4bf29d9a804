import NN
import Testing
import TestSupport

struct TensorTests {
    @Test func valueSemanticsSurviveLayerBufferReuse() {
        let layer = LeakyReLU(slope: 0.5)
        let first = layer.infer(Tensor(shape: [4], data: [1, -2, 3, -4]))
        // The caller still holds `first`, so the layer must not overwrite it on the next call.
        let second = layer.infer(Tensor(shape: [4], data: [-1, 2, -3, 4]))
        #expect(first.data == [1, -1, 3, -2])
        #expect(second.data == [-0.5, 2, -1.5, 4])
    }

    @Test func copiesAreIndependent() {
        var a = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let b = a
        a[flat: 0] = 10
        a.data = a.data.map { $0 * 2 }
        #expect(b.data == [1, 2, 3, 4])
        #expect(a.data == [20, 4, 6, 8])
        #expect(a.reshaped([4]).shape == [4])
    }

    @Test func constructorsAndEquality() {
        #expect(Tensor(zeros: [2, 3]).data == Array(repeating: 0, count: 6))
        #expect(Tensor(repeating: 2, shape: [3]) == Tensor(shape: [3], data: [2, 2, 2]))
        #expect(Tensor(shape: [3], data: [1, 2, 3]) != Tensor(shape: [1, 3], data: [1, 2, 3]))
        #expect(Tensor(zeros: []).count == 1)
    }

    @Test func seededGeneratorIsSplitMix64() {
        // First outputs of Vigna's reference splitmix64.c from state 0.
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        // Saving and restoring the state resumes the same sequence.
        let saved = generator.state
        let expected = (0..<5).map { _ in generator.nextNormal() }
        var resumed = SeededGenerator(seed: 0)
        resumed.state = saved
        #expect((0..<5).map { _ in resumed.nextNormal() } == expected)
    }

    @Test func normalSamplesHaveTheRightMoments() {
        var generator = SeededGenerator(seed: 99)
        let sample = Tensor.randomNormal(shape: [100_000], mean: 1, standardDeviation: 0.02, using: &generator).data
        let mean = sample.reduce(0.0) { $0 + Double($1) } / Double(sample.count)
        let variance = sample.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(sample.count)
        #expect(abs(mean - 1) < 0.02 * 4 / 316)  // 4 standard errors
        #expect(abs(variance.squareRoot() - 0.02) < 0.02 * 0.02)
    }
}
