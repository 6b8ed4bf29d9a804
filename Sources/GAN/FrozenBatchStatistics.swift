import NN

extension Generator {
    /// Fixes G's BatchNorm statistics to those of one large batch of samples and switches G to
    /// eval mode, so each latent maps to one image whatever else is in its batch.
    ///
    /// G is trained and sampled with batch statistics (as dcgan/main.py does); its running
    /// averages trail the weights and give washed-out faces. Altering needs one face per latent,
    /// and inversion needs gradients of single images, so the statistics of `sampleCount` seeded
    /// latents are measured layer by layer (biased variance, as training normalises) and stored
    /// as the running statistics. In eval mode G then reproduces, for those latents, exactly the
    /// images batch-statistics sampling gives, and for other latents images of the same look.
    /// - Parameters:
    ///   - sampleCount: latents measured (256 keeps the statistics within about 1% of the
    ///     population's).
    ///   - seed: the latents' seed; part of an altered video's recipe.
    public func freezeBatchStatistics(sampleCount: Int = 256, seed: UInt64 = 0) {
        precondition(architecture.kind == .dcgan && sampleCount > 1)
        var random = SeededGenerator(seed: seed)
        var x = Conditioning.generatorInput(
            noise: Tensor.randomNormal(shape: [sampleCount, architecture.noiseSize, 1, 1], using: &random),
            labels: architecture.isConditional
                ? SampleGrid.cyclingLabels(count: sampleCount, classCount: architecture.classCount) : nil,
            classCount: architecture.classCount)
        setTraining(false)
        for layer in main.layers {
            if let norm = layer as? BatchNorm2D {
                let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
                var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
                x.withUnsafeBufferPointer { values in
                    for channel in 0..<c {
                        var sum = 0.0, squares = 0.0
                        for image in 0..<n {
                            let base = (image * c + channel) * plane
                            for k in 0..<plane {
                                let v = Double(values[base + k])
                                sum += v
                                squares += v * v
                            }
                        }
                        let count = Double(n * plane)
                        let m = sum / count
                        mean[channel] = Float(m)
                        variance[channel] = Float(max(squares / count - m * m, 0))
                    }
                }
                norm.runningMean.value = Tensor(shape: [c], data: mean)
                norm.runningVariance.value = Tensor(shape: [c], data: variance)
            }
            x = layer.forward(x, recording: false)
        }
    }
}
