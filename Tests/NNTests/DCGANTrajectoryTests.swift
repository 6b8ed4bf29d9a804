import NN
import Testing
import TestSupport

/// The pytorch/examples DCGAN at 64×64 (nz 16, ngf 8, ndf 8, batch 4) from fixed weights: 5
/// alternating D/G steps with Adam(2e-4, (0.5, 0.999)) must follow PyTorch's losses and end with
/// the same parameters and running statistics (tools/golden/dcgan_trajectory.py).
struct DCGANTrajectoryTests {
    /// The bound for a whole training trajectory: float32 rounding differences in every
    /// conv and BatchNorm compound over 5 steps of two networks.
    static let tolerance = Tolerance(atol: 1e-4, rtol: 1e-3)

    @Test func fiveStepsFollowPyTorch() throws {
        let golden = try GoldenFile("dcgan_trajectory")
        let config = try golden.object("config")
        let (nz, ngf, ndf, steps) = (config.int("nz"), config.int("ngf"), config.int("ndf"), config.int("steps"))
        #expect(nz == 16 && ngf == 8 && ndf == 8 && steps == 5)
        let generator = ReferenceDCGAN.generator(nz: nz, ngf: ngf)
        let discriminator = ReferenceDCGAN.discriminator(ndf: ndf)
        try generator.loadState(from: golden.file, prefix: "netG")
        try discriminator.loadState(from: golden.file, prefix: "netD")
        let optimizerG = Adam(parameters: generator.parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        let optimizerD = Adam(parameters: discriminator.parameters, learningRate: 2e-4, betas: (0.5, 0.999))

        let real = try golden.tensor("real")
        let noise = try golden.tensor("noise")
        let batch = real.shape[0]
        let noiseSize = batch * nz
        let (expectedDReal, expectedDFake, expectedG) =
            (try golden.tensor("errD_real"), try golden.tensor("errD_fake"), try golden.tensor("errG"))
        for step in 0..<steps {
            let stepNoise = Tensor(shape: [batch, nz, 1, 1],
                                   data: Array(noise.data[(step * noiseSize)..<((step + 1) * noiseSize)]))
            let (losses, fake) = ReferenceDCGAN.trainStep(
                generator: generator, discriminator: discriminator, optimizerG: optimizerG, optimizerD: optimizerD,
                real: real, noise: stepNoise)
            if step == 0 {
                expectClose(fake, try golden.tensor("fake1"), .forward, "G output in step 1")
            }
            expectClose(losses.dReal, expectedDReal[flat: step], Self.tolerance, "errD_real at step \(step + 1)")
            expectClose(losses.dFake, expectedDFake[flat: step], Self.tolerance, "errD_fake at step \(step + 1)")
            expectClose(losses.g, expectedG[flat: step], Self.tolerance, "errG at step \(step + 1)")
        }
        for (prefix, model) in [("final.netG", generator), ("final.netD", discriminator)] {
            let entries = model.stateEntries()
            #expect(entries.count == (prefix == "final.netG" ? 5 + 4 * 5 : 5 + 3 * 5))
            for (key, entry) in entries {
                expectClose(entry.value, try golden.tensor("\(prefix).\(key)"), Self.tolerance, "\(prefix).\(key)")
            }
        }
    }
}
