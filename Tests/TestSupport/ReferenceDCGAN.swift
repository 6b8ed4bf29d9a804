import NN

/// The pytorch/examples `dcgan/main.py` networks composed from `NN` layers, for the trajectory test.
/// The GAN module will own the real models; this copy pins what "the reference" means.
public enum ReferenceDCGAN {
    /// `netG.main`: nz → 64×64×3, keys `main.0.weight` … `main.13`.
    public static func generator(nz: Int, ngf: Int, nc: Int = 3) -> any Layer {
        Named("main", Sequential([
            ConvTranspose2D(inputChannels: nz, outputChannels: ngf * 8, kernelSize: 4, stride: 1, padding: 0, bias: false),
            BatchNorm2D(featureCount: ngf * 8), ReLU(),
            ConvTranspose2D(inputChannels: ngf * 8, outputChannels: ngf * 4, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ngf * 4), ReLU(),
            ConvTranspose2D(inputChannels: ngf * 4, outputChannels: ngf * 2, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ngf * 2), ReLU(),
            ConvTranspose2D(inputChannels: ngf * 2, outputChannels: ngf, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ngf), ReLU(),
            ConvTranspose2D(inputChannels: ngf, outputChannels: nc, kernelSize: 4, stride: 2, padding: 1, bias: false),
            Tanh(),
        ]))
    }

    /// `netD.main`: 64×64×3 → `[N, 1, 1, 1]` probabilities, keys `main.0.weight` … `main.12`.
    public static func discriminator(ndf: Int, nc: Int = 3) -> any Layer {
        Named("main", Sequential([
            Conv2D(inputChannels: nc, outputChannels: ndf, kernelSize: 4, stride: 2, padding: 1, bias: false),
            LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: ndf, outputChannels: ndf * 2, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ndf * 2), LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: ndf * 2, outputChannels: ndf * 4, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ndf * 4), LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: ndf * 4, outputChannels: ndf * 8, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm2D(featureCount: ndf * 8), LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: ndf * 8, outputChannels: 1, kernelSize: 4, stride: 1, padding: 0, bias: false),
            Sigmoid(),
        ]))
    }

    /// The losses of one iteration.
    public struct StepLosses {
        public var dReal: Float
        public var dFake: Float
        public var g: Float
    }

    /// One iteration of main.py's loop: D on real (label 1) and on G(noise) detached (label 0), an
    /// Adam step for D; then G through D with label 1 and an Adam step for G. BCE on probabilities.
    public static func trainStep(
        generator: any Layer, discriminator: any Layer, optimizerG: Adam, optimizerD: Adam,
        real: Tensor, noise: Tensor
    ) -> (losses: StepLosses, fake: Tensor) {
        let batch = real.shape[0]
        let ones = Tensor(repeating: 1, shape: [batch])
        let zeros = Tensor(zeros: [batch])
        func bce(_ output: Tensor, _ target: Tensor) -> (Float, Tensor) {
            let (value, gradient) = Loss.binaryCrossEntropy(probabilities: output.reshaped([batch]), targets: target)
            return (value, gradient.reshaped(output.shape))
        }

        discriminator.zeroGradients()
        let (lossReal, gradReal) = bce(discriminator.forward(real), ones)
        _ = discriminator.backward(gradReal, inputGradient: false, parameterGradients: true)
        let fake = generator.forward(noise)
        let (lossFake, gradFake) = bce(discriminator.forward(fake), zeros)
        _ = discriminator.backward(gradFake, inputGradient: false, parameterGradients: true)
        optimizerD.step()

        generator.zeroGradients()
        let (lossG, gradG) = bce(discriminator.forward(fake), ones)
        // D's parameter gradients are not needed here (PyTorch computes them and zeroes them at the
        // next iteration's start; skipping them changes nothing).
        let gradFakeImage = discriminator.backward(gradG, inputGradient: true, parameterGradients: false)!
        _ = generator.backward(gradFakeImage, inputGradient: false, parameterGradients: true)
        optimizerG.step()
        return (StepLosses(dReal: lossReal, dFake: lossFake, g: lossG), fake)
    }
}
