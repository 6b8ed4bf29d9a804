import Foundation
import GAN
import NN

/// GAN inversion: the latent whose generated image best reproduces a target face.
///
/// Minimises, per image, `‖G(z) − x‖² / P + λ_f ‖φ(G(z)) − φ(x)‖² / Q + λ_z (‖z‖² / nz − 1)²`, where
/// φ is D's first two blocks (conv–LeakyReLU–conv–BN–LeakyReLU, a 16×16 feature map at 64×64) in
/// eval mode, P and Q the element counts, and the last term keeps z on the shell where N(0, I)
/// latents live. Adam on z, one learning rate per element; G and D stay fixed (eval mode, frozen
/// batch statistics: see `Generator.freezeBatchStatistics`). Each image's loss depends only on
/// its own z, so a batch inverts many faces at the cost of one batched forward and backward.
///
/// A cold start draws `candidates` latents per target, keeps the one with the lowest pixel loss,
/// then runs `coldIterations`; a warm start (the previous frame's z) runs `warmIterations`.
public final class GANInverter {
    public struct Settings: Sendable, Equatable {
        public var coldIterations: Int
        public var warmIterations: Int
        public var candidates: Int
        public var learningRate: Double
        /// λ_f; 0 uses pixels only (also when there is no discriminator).
        public var featureWeight: Double
        /// λ_z.
        public var latentWeight: Double

        public init(coldIterations: Int = 150, warmIterations: Int = 25, candidates: Int = 64,
                    learningRate: Double = 0.05, featureWeight: Double = 0.5, latentWeight: Double = 0.01) {
            self.coldIterations = coldIterations
            self.warmIterations = warmIterations
            self.candidates = candidates
            self.learningRate = learningRate
            self.featureWeight = featureWeight
            self.latentWeight = latentWeight
        }
    }

    public let generator: Generator
    public let settings: Settings
    private let features: Sequential?

    /// - Parameters:
    ///   - generator: G with frozen batch statistics (eval mode).
    ///   - discriminator: D, whose first blocks give the feature distance; nil for pixels only.
    public init(generator: Generator, discriminator: Discriminator?, settings: Settings = .init()) {
        self.generator = generator
        self.settings = settings
        if let discriminator, settings.featureWeight > 0, discriminator.architecture.kind == .dcgan,
           !discriminator.architecture.isConditional {
            discriminator.setTraining(false)
            // Conv, LReLU, Conv, BN, LReLU.
            features = Sequential(Array(discriminator.main.layers.prefix(5)))
        } else {
            features = nil
        }
        generator.setTraining(false)
    }

    /// The result for a batch of targets.
    public struct Result {
        /// One latent (`nz` values) per target.
        public var latents: [[Float]]
        /// `G(z)`, `[N, C, S, S]` in [-1, 1].
        public var images: Tensor
        /// Mean absolute error of each image to its target on a 0–1 scale.
        public var errors: [Double]
    }

    /// Inverts `targets` (`[N, C, S, S]` in [-1, 1]).
    /// - Parameters:
    ///   - starts: per target, a latent to start from (warm), or nil (cold).
    ///   - seed: seeds the cold starts' candidates.
    public func invert(_ targets: Tensor, starts: [[Float]?], seed: UInt64) -> Result {
        let a = generator.architecture
        let n = targets.shape[0], nz = a.noiseSize
        precondition(starts.count == n && targets.shape == [n, a.channels, a.imageSize, a.imageSize])
        var z = [Float](repeating: 0, count: n * nz)
        var random = SeededGenerator(seed: seed)
        let cold = (0..<n).filter { starts[$0] == nil }
        for i in 0..<n { if let start = starts[i] { z.replaceSubrange(i * nz..<(i + 1) * nz, with: start) } }
        if !cold.isEmpty {
            let best = bestCandidates(for: cold.map { FaceAlterer.rows(targets, [$0]) }, using: &random)
            for (k, i) in cold.enumerated() { z.replaceSubrange(i * nz..<(i + 1) * nz, with: best[k]) }
        }
        let iterations = cold.isEmpty ? settings.warmIterations : settings.coldIterations
        let targetFeatures = features?.forward(targets, recording: false)
        var m = [Float](repeating: 0, count: z.count), v = m
        let (beta1, beta2, lr) = (Float(0.9), Float(0.999), Float(settings.learningRate))
        for step in 1...max(iterations, 1) where iterations > 0 {
            let g = objective(z, targets: targets, targetFeatures: targetFeatures).gradient
            let (c1, c2) = (1 - pow(beta1, Float(step)), 1 - pow(beta2, Float(step)))
            for k in 0..<z.count {
                m[k] = beta1 * m[k] + (1 - beta1) * g[k]
                v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k]
                z[k] -= lr * (m[k] / c1) / ((v[k] / c2).squareRoot() + 1e-8)
            }
        }
        let images = generator.forward(Tensor(shape: [n, nz, 1, 1], data: z), recording: false)
        let errors = (0..<n).map { Self.meanAbsoluteError(images, targets, index: $0) }
        return Result(latents: (0..<n).map { Array(z[$0 * nz..<($0 + 1) * nz]) }, images: images, errors: errors)
    }

    /// The summed loss of a batch and its gradient with respect to the latents (all `n·nz` values).
    /// - Parameter targetFeatures: φ(targets), or nil for the pixel and latent terms only.
    func objective(_ z: [Float], targets: Tensor, targetFeatures: Tensor?) -> (loss: Double, gradient: [Float]) {
        let n = targets.shape[0], nz = generator.architecture.noiseSize
        let perImage = targets.count / n
        let output = generator.forward(Tensor(shape: [n, nz, 1, 1], data: z), recording: true)
        var loss = 0.0
        // d/dG of the pixel term.
        var gradient = [Float](repeating: 0, count: output.count)
        let pixelScale = 2 / Float(perImage)
        output.withUnsafeBufferPointer { o in
            targets.withUnsafeBufferPointer { t in
                for k in 0..<gradient.count {
                    let d = o[k] - t[k]
                    loss += Double(d * d) / Double(perImage)
                    gradient[k] = pixelScale * d
                }
            }
        }
        if let features, let targetFeatures {
            let f = features.forward(output, recording: true)
            let perFeature = f.count / n
            let scale = Float(2 * settings.featureWeight) / Float(perFeature)
            var g = [Float](repeating: 0, count: f.count)
            f.withUnsafeBufferPointer { fv in
                targetFeatures.withUnsafeBufferPointer { tv in
                    for k in 0..<g.count {
                        let d = fv[k] - tv[k]
                        loss += settings.featureWeight * Double(d * d) / Double(perFeature)
                        g[k] = scale * d
                    }
                }
            }
            let back = features.backward(Tensor(shape: f.shape, data: g), inputGradient: true, parameterGradients: false)!
            back.withUnsafeBufferPointer { b in for k in 0..<gradient.count { gradient[k] += b[k] } }
        }
        let dz = generator.backward(Tensor(shape: output.shape, data: gradient), inputGradient: true,
                                    parameterGradients: false)!
        var result = [Float](repeating: 0, count: z.count)
        let lambda = Float(settings.latentWeight)
        dz.withUnsafeBufferPointer { d in
            for i in 0..<n {
                var norm: Float = 0
                for k in i * nz..<(i + 1) * nz { norm += z[k] * z[k] }
                let excess = norm / Float(nz) - 1
                loss += Double(lambda * excess * excess)
                let shell = 4 * lambda * excess / Float(nz)
                for k in i * nz..<(i + 1) * nz { result[k] = d[k] + shell * z[k] }
            }
        }
        return (loss, result)
    }

    /// Mean absolute difference of image `index` of two `[N, C, S, S]` tensors in [-1, 1], on a 0–1 scale.
    public static func meanAbsoluteError(_ a: Tensor, _ b: Tensor, index: Int) -> Double {
        let perImage = a.count / a.shape[0]
        var sum = 0.0
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for k in index * perImage..<(index + 1) * perImage { sum += Double(abs(x[k] - y[k])) }
            }
        }
        return sum / Double(perImage) / 2
    }

    /// For each target, the candidate latent whose image is nearest in pixels.
    private func bestCandidates(for targets: [Tensor], using random: inout SeededGenerator) -> [[Float]] {
        let a = generator.architecture
        let count = max(settings.candidates, 1), nz = a.noiseSize
        let noise = Tensor.randomNormal(shape: [count, nz, 1, 1], using: &random)
        let images = generator.forward(noise, recording: false)
        let perImage = images.count / count
        return targets.map { target in
            var best = 0, bestDistance = Double.infinity
            images.withUnsafeBufferPointer { g in
                target.withUnsafeBufferPointer { t in
                    for c in 0..<count {
                        var d = 0.0
                        for k in 0..<perImage {
                            let e = Double(g[c * perImage + k] - t[k])
                            d += e * e
                        }
                        if d < bestDistance { (best, bestDistance) = (c, d) }
                    }
                }
            }
            return noise.withUnsafeBufferPointer { Array($0[best * nz..<(best + 1) * nz]) }
        }
    }
}
