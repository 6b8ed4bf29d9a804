import GAN
import NN
import Testing
import TestSupport

/// The pytorch/examples DCGAN at 64×64 (nz 16, ngf 8, ndf 8, batch 4) from fixed weights: 5
/// iterations of the GAN module's own `GANTrainer` on its own `Generator` and `Discriminator`, with
/// Adam(2e-4, (0.5, 0.999)), must follow PyTorch's losses and end with the same parameters and
/// running statistics (tools/golden/dcgan_trajectory.py).
struct DCGANTrajectoryTests {
    /// The bound for a whole training trajectory: float32 rounding differences in every
    /// conv and BatchNorm compound over 5 steps of two networks.
    static let tolerance = Tolerance(atol: 1e-4, rtol: 1e-3)

    @Test func fiveStepsFollowPyTorch() throws {
        let golden = try GoldenFile("dcgan_trajectory")
        let config = try golden.object("config")
        let (nz, ngf, ndf, steps) = (config.int("nz"), config.int("ngf"), config.int("ndf"), config.int("steps"))
        #expect(nz == 16 && ngf == 8 && ndf == 8 && steps == 5)
        let architecture = GANArchitecture(noiseSize: nz, generatorWidth: ngf, discriminatorWidth: ndf)
        let generator = Generator(architecture)
        let discriminator = Discriminator(architecture)
        try generator.loadState(from: golden.file, prefix: "netG")
        try discriminator.loadState(from: golden.file, prefix: "netD")
        let trainer = GANTrainer(generator: generator, discriminator: discriminator,
                                 configuration: TrainingConfiguration(batchSize: 4), random: SeededGenerator(seed: 1))

        let real = try golden.tensor("real")
        let noise = try golden.tensor("noise")
        let batch = real.shape[0]
        let noiseSize = batch * nz
        let (expectedDReal, expectedDFake, expectedG) =
            (try golden.tensor("errD_real"), try golden.tensor("errD_fake"), try golden.tensor("errG"))
        for step in 0..<steps {
            let stepNoise = Tensor(shape: [batch, nz, 1, 1],
                                   data: Array(noise.data[(step * noiseSize)..<((step + 1) * noiseSize)]))
            if step == 0 {
                // G's output in step 1, before any update (a forward without recording changes no
                // parameter; BatchNorm's running statistics it moves are compared at the end).
                let probe = Generator(architecture)
                try probe.loadState(from: golden.file, prefix: "netG")
                expectClose(probe.infer(stepNoise), try golden.tensor("fake1"), .forward, "G output in step 1")
            }
            let metrics = trainer.trainIteration([RealBatch(images: real)], noise: [stepNoise], fakeLabels: [nil])
            expectClose(metrics.lossD, expectedDReal[flat: step] + expectedDFake[flat: step], Self.tolerance,
                        "errD at step \(step + 1)")
            expectClose(metrics.lossG, expectedG[flat: step], Self.tolerance, "errG at step \(step + 1)")
        }
        #expect(trainer.step == steps)
        for (prefix, model) in [("final.netG", generator as any Layer), ("final.netD", discriminator)] {
            let entries = model.stateEntries()
            #expect(entries.count == (prefix == "final.netG" ? 5 + 4 * 5 : 5 + 3 * 5))
            for (key, entry) in entries {
                expectClose(entry.value, try golden.tensor("\(prefix).\(key)"), Self.tolerance, "\(prefix).\(key)")
            }
        }
    }

    /// The GAN module's networks have exactly the reference's keys and shapes (TestSupport's copy of
    /// main.py's layer list).
    @Test func keysAndShapesMatchTheReference() {
        let architecture = GANArchitecture(noiseSize: 100, generatorWidth: 64, discriminatorWidth: 64)
        for (ours, reference) in [(Generator(architecture) as any Layer, ReferenceDCGAN.generator(nz: 100, ngf: 64)),
                                  (Discriminator(architecture), ReferenceDCGAN.discriminator(ndf: 64))] {
            let a = ours.stateEntries().map { "\($0.key) \($0.entry.value.shape)" }
            let b = reference.stateEntries().map { "\($0.key) \($0.entry.value.shape)" }
            #expect(a == b)
        }
    }
}
