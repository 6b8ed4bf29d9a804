import NN
import Testing
import TestSupport

/// Central-difference checks of every hand-written backward, on tiny shapes (STYLE 3.6).
struct GradientCheckTests {
    /// A layer factory with a readable name, so the parameterised test reports which case failed.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputShape: [Int]
        /// Keeps inputs away from kinks (ReLU at 0), where a central difference straddles two slopes.
        let avoidZero: Bool
        let make: @Sendable () -> any Layer
        var testDescription: String { "\(name) \(inputShape)" }
    }

    static func randomized(_ layer: any Layer, seed: UInt64) -> any Layer {
        var generator = SeededGenerator(seed: seed)
        for (_, parameter) in layer.namedParameters {
            parameter.value = .randomNormal(shape: parameter.value.shape, standardDeviation: 0.5, using: &generator)
        }
        return layer
    }

    static let cases: [Case] = [
        Case(name: "Conv2D k3 s1 p1 bias", inputShape: [2, 3, 5, 5], avoidZero: false) {
            randomized(Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1), seed: 1)
        },
        Case(name: "Conv2D k4 s2 p1 no bias", inputShape: [2, 3, 6, 6], avoidZero: false) {
            randomized(Conv2D(inputChannels: 3, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1, bias: false), seed: 2)
        },
        Case(name: "Conv2D k3 s2 p0 odd size", inputShape: [3, 2, 7, 5], avoidZero: false) {
            randomized(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 0), seed: 3)
        },
        Case(name: "Conv2D batch 1 (column split)", inputShape: [1, 2, 5, 5], avoidZero: false) {
            randomized(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1), seed: 4)
        },
        Case(name: "ConvTranspose2D k4 s2 p1", inputShape: [2, 3, 3, 3], avoidZero: false) {
            randomized(ConvTranspose2D(inputChannels: 3, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1), seed: 5)
        },
        Case(name: "ConvTranspose2D k3 s2 p1 outputPadding 1", inputShape: [2, 2, 3, 4], avoidZero: false) {
            randomized(ConvTranspose2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1,
                                       outputPadding: 1), seed: 6)
        },
        Case(name: "ConvTranspose2D k4 s1 p0 from 1×1, no bias", inputShape: [2, 4, 1, 1], avoidZero: false) {
            randomized(ConvTranspose2D(inputChannels: 4, outputChannels: 2, kernelSize: 4, stride: 1, padding: 0,
                                       bias: false), seed: 7)
        },
        Case(name: "BatchNorm2D training", inputShape: [2, 3, 4, 4], avoidZero: false) {
            randomized(BatchNorm2D(featureCount: 3), seed: 8)
        },
        Case(name: "BatchNorm2D evaluation", inputShape: [2, 3, 4, 4], avoidZero: false) {
            let layer = randomized(BatchNorm2D(featureCount: 3), seed: 9) as! BatchNorm2D
            layer.runningMean.value = Tensor(shape: [3], data: [0.1, -0.2, 0.3])
            layer.runningVariance.value = Tensor(shape: [3], data: [0.5, 1.5, 2.0])
            layer.setTraining(false)
            return layer
        },
        Case(name: "Linear", inputShape: [3, 5], avoidZero: false) {
            randomized(Linear(inputFeatures: 5, outputFeatures: 4), seed: 10)
        },
        Case(name: "ReLU", inputShape: [2, 3, 4, 4], avoidZero: true) { ReLU() },
        Case(name: "LeakyReLU 0.2", inputShape: [2, 3, 4, 4], avoidZero: true) { LeakyReLU(slope: 0.2) },
        Case(name: "Tanh", inputShape: [2, 3, 4, 4], avoidZero: false) { Tanh() },
        Case(name: "Sigmoid", inputShape: [2, 3, 4, 4], avoidZero: false) { Sigmoid() },
        Case(name: "Flatten", inputShape: [2, 3, 2, 2], avoidZero: false) { Flatten() },
        Case(name: "Sequential conv → BN → Tanh", inputShape: [2, 2, 6, 6], avoidZero: false) {
            Sequential([
                randomized(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 4, stride: 2, padding: 1,
                                  bias: false), seed: 11),
                BatchNorm2D(featureCount: 3),
                Tanh(),
            ])
        },
    ]

    @Test(arguments: cases)
    func backwardMatchesCentralDifferences(_ testCase: Case) {
        var generator = SeededGenerator(seed: 42)
        var input = Tensor.randomNormal(shape: testCase.inputShape, using: &generator)
        if testCase.avoidZero {
            input.data = input.data.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        }
        let layer = testCase.make()
        let (mismatches, checked) = GradientCheck().check(layer, at: input, using: &generator)
        #expect(checked >= 12, "too few coordinates checked: \(checked)")
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(checked) derivatives disagree: \(mismatches.prefix(5))")
    }

    /// Loss gradients: central differences of the loss value itself.
    @Test func lossGradientsMatchCentralDifferences() {
        var generator = SeededGenerator(seed: 7)
        let x = Tensor.randomNormal(shape: [6], using: &generator)
        let p = Tensor(shape: [6], data: [0.1, 0.3, 0.5, 0.7, 0.9, 0.6])
        let y = Tensor(shape: [6], data: [1, 0, 1, 0, 1, 0.25])
        let losses: [(String, Tensor, (Tensor) -> (value: Float, gradient: Tensor))] = [
            ("BCE", p, { Loss.binaryCrossEntropy(probabilities: $0, targets: y) }),
            ("BCE with logits", x, { Loss.binaryCrossEntropyWithLogits(logits: $0, targets: y) }),
            ("MSE", x, { Loss.meanSquaredError(predictions: $0, targets: y) }),
        ]
        for (name, point, loss) in losses {
            let analytic = loss(point).gradient
            let eps: Float = 1e-3
            for index in 0..<point.count {
                var plus = point, minus = point
                plus[flat: index] += eps
                minus[flat: index] -= eps
                let numeric = (Double(loss(plus).value) - Double(loss(minus).value)) / Double(2 * eps)
                let value = Double(analytic[flat: index])
                #expect(abs(value - numeric) <= 2e-3 * max(abs(numeric), 0.1), "\(name)[\(index)]: \(value) vs \(numeric)")
            }
        }
    }
}
