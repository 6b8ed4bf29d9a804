@testable import Faces
import Foundation
import GAN
import NN
import Testing

@testable import Manipulation

@Suite struct InversionTests {
    static let architecture = GANArchitecture(imageSize: 32, noiseSize: 16, generatorWidth: 8, discriminatorWidth: 8)

    static func networks(seed: UInt64) -> (Generator, Discriminator) {
        var random = SeededGenerator(seed: seed)
        let g = Generator(architecture), d = Discriminator(architecture)
        DCGANInitializer.initialize(g, using: &random)
        DCGANInitializer.initialize(d, using: &random)
        // Weights of N(0, 0.02) give nearly flat images; scale them up so the test has signal.
        for p in g.parameters + d.parameters where p.value.shape.count == 4 {
            p.value = Tensor(shape: p.value.shape, data: p.value.data.map { $0 * 25 })
        }
        return (g, d)
    }

    @Test func frozenStatisticsReproduceBatchSamplingForTheMeasuredLatents() {
        let (g, _) = Self.networks(seed: 1)
        g.freezeBatchStatistics(sampleCount: 64, seed: 7)
        var random = SeededGenerator(seed: 7)
        let noise = Tensor.randomNormal(shape: [64, 16, 1, 1], using: &random)
        let batchMode = SampleGrid.generate(g, noise: noise, labels: nil)
        g.setTraining(false)
        let frozen = g.forward(noise, recording: false)
        let worst = zip(batchMode.data, frozen.data).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "largest difference \(worst)")
        // One latent alone gives the same image as in the batch.
        let single = g.forward(Tensor(shape: [1, 16, 1, 1], data: Array(noise.data[0..<16])), recording: false)
        #expect(zip(single.data, frozen.data.prefix(single.count)).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// The inversion objective's gradient (through G, D's feature blocks and the latent prior,
    /// each backward hand-written) against central differences.
    @Test func objectiveGradientMatchesFiniteDifferences() {
        let (g, d) = Self.networks(seed: 2)
        g.freezeBatchStatistics(sampleCount: 32, seed: 3)
        let inverter = GANInverter(generator: g, discriminator: d, settings: .init(featureWeight: 0.7, latentWeight: 0.3))
        var random = SeededGenerator(seed: 4)
        let targets = g.forward(Tensor.randomNormal(shape: [2, 16, 1, 1], using: &random), recording: false)
        d.setTraining(false)
        let features = Sequential(Array(d.main.layers.prefix(5))).forward(targets, recording: false)
        let z = Tensor.randomNormal(shape: [2, 16, 1, 1], using: &random).data.map { $0 * 1.3 }
        let analytic = inverter.objective(z, targets: targets, targetFeatures: features).gradient
        var worst = 0.0
        for k in stride(from: 0, to: z.count, by: 3) {
            var plus = z, minus = z
            // With weights scaled to N(0, 0.5) the objective bends sharply (LeakyReLU kinks, tanh):
            // the largest relative error was 0.13 at eps 1e-2, 0.06 at 3e-3 and under 0.02 at 1e-3,
            // shrinking with eps as it does for a right gradient.
            let eps: Float = 1e-3
            plus[k] += eps
            minus[k] -= eps
            let numeric = (inverter.objective(plus, targets: targets, targetFeatures: features).loss
                - inverter.objective(minus, targets: targets, targetFeatures: features).loss) / Double(2 * eps)
            let error = abs(numeric - Double(analytic[k])) / max(abs(numeric), abs(Double(analytic[k])), 1e-2)
            worst = max(worst, error)
        }
        #expect(worst < 2e-2, "largest relative gradient error \(worst)")
    }

    @Test func invertingAGeneratedImageRecoversIt() {
        let (g, d) = Self.networks(seed: 5)
        g.freezeBatchStatistics(sampleCount: 64, seed: 1)
        var random = SeededGenerator(seed: 99)
        let targets = g.forward(Tensor.randomNormal(shape: [3, 16, 1, 1], using: &random), recording: false)
        let inverter = GANInverter(generator: g, discriminator: d, settings: .init(coldIterations: 300, candidates: 32))
        let cold = inverter.invert(targets, starts: [nil, nil, nil], seed: 1)
        #expect(cold.errors.allSatisfy { $0 < 0.02 }, "errors \(cold.errors)")
        // A warm start from the answer stays there.
        let warm = inverter.invert(targets, starts: cold.latents.map { $0 }, seed: 2)
        #expect(zip(warm.errors, cold.errors).allSatisfy { $0 <= $1 + 0.005 }, "\(warm.errors) vs \(cold.errors)")
    }
}

@Suite struct BoxSmootherTests {
    static func frame(_ index: Int, _ boxes: [(track: Int, x: Double)]) -> FaceTracker.FinishedFrame {
        FaceTracker.FinishedFrame(
            frameIndex: index, time: Double(index) / 25,
            boxes: boxes.map {
                TrackedBox(trackID: $0.track, frameIndex: index, time: Double(index) / 25,
                           box: FaceBox(x: $0.x, y: 10, width: 50, height: 50), neighbors: 5, origin: .detected)
            })
    }

    @Test func centredMeanKeepsSteadyMotionAndRemovesJitter() {
        var smoother = BoxSmoother(radius: 2)
        var out: [FaceTracker.FinishedFrame] = []
        // Track 0 moves 2 px a frame with ±3 px jitter; track 1 appears at frame 4.
        for i in 0..<12 {
            var boxes = [(track: 0, x: 100 + 2 * Double(i) + (i % 2 == 0 ? 3 : -3))]
            if i >= 4 { boxes.append((1, 300)) }
            out += smoother.push([Self.frame(i, boxes)])
            #expect(out.count == max(0, i - 1), "lags by the radius")
        }
        out += smoother.flush()
        #expect(out.map(\.frameIndex) == Array(0..<12))
        // Inside, the ±3 jitter averages to ±0.6 around the line.
        for f in out[2..<10] {
            let x = f.boxes.first { $0.trackID == 0 }!.box.x
            #expect(abs(x - (100 + 2 * Double(f.frameIndex))) <= 0.61, "frame \(f.frameIndex): \(x)")
        }
        // A constant track stays put; boxes of other tracks do not mix in.
        for f in out where f.frameIndex >= 4 {
            #expect(f.boxes.first { $0.trackID == 1 }!.box.x == 300)
        }
    }
}
