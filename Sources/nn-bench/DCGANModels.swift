import NN

/// The pytorch/examples DCGAN (64×64) built from `NN` layers, as the benchmark's workload.
/// (The GAN module will own these models; the benchmark keeps its own copy to measure `NN` alone.)
enum DCGANModels {
    static func generator(nz: Int, ngf: Int) -> any Layer {
        Named(
            "main",
            Sequential([
                ConvTranspose2D(
                    inputChannels: nz, outputChannels: ngf * 8, kernelSize: 4, stride: 1,
                    padding: 0, bias: false),
                BatchNorm2D(featureCount: ngf * 8), ReLU(),
                ConvTranspose2D(
                    inputChannels: ngf * 8, outputChannels: ngf * 4, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ngf * 4), ReLU(),
                ConvTranspose2D(
                    inputChannels: ngf * 4, outputChannels: ngf * 2, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ngf * 2), ReLU(),
                ConvTranspose2D(
                    inputChannels: ngf * 2, outputChannels: ngf, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ngf), ReLU(),
                ConvTranspose2D(
                    inputChannels: ngf, outputChannels: 3, kernelSize: 4, stride: 2, padding: 1,
                    bias: false),
                Tanh(),
            ]))
    }

    static func discriminator(ndf: Int) -> any Layer {
        Named(
            "main",
            Sequential([
                Conv2D(
                    inputChannels: 3, outputChannels: ndf, kernelSize: 4, stride: 2, padding: 1,
                    bias: false),
                LeakyReLU(slope: 0.2),
                Conv2D(
                    inputChannels: ndf, outputChannels: ndf * 2, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ndf * 2), LeakyReLU(slope: 0.2),
                Conv2D(
                    inputChannels: ndf * 2, outputChannels: ndf * 4, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ndf * 4), LeakyReLU(slope: 0.2),
                Conv2D(
                    inputChannels: ndf * 4, outputChannels: ndf * 8, kernelSize: 4, stride: 2,
                    padding: 1, bias: false),
                BatchNorm2D(featureCount: ndf * 8), LeakyReLU(slope: 0.2),
                Conv2D(
                    inputChannels: ndf * 8, outputChannels: 1, kernelSize: 4, stride: 1, padding: 0,
                    bias: false),
                Sigmoid(),
            ]))
    }

    /// Forward multiply-add FLOPs (2 per MAC) of each conv layer for one image, first layer first.
    static func discriminatorLayerFLOPs(ndf: Int) -> [Double] {
        // (in, out, output side)
        let layers = [
            (3, ndf, 32), (ndf, 2 * ndf, 16), (2 * ndf, 4 * ndf, 8), (4 * ndf, 8 * ndf, 4),
            (8 * ndf, 1, 1),
        ]
        return layers.map { 2.0 * Double($0.0 * $0.1 * 16 * $0.2 * $0.2) }
    }

    static func generatorLayerFLOPs(nz: Int, ngf: Int) -> [Double] {
        // (in, out, input side): a transposed conv does in·out·k² MACs per input pixel.
        let layers = [
            (nz, 8 * ngf, 1), (8 * ngf, 4 * ngf, 4), (4 * ngf, 2 * ngf, 8), (2 * ngf, ngf, 16),
            (ngf, 3, 32),
        ]
        return layers.map { 2.0 * Double($0.0 * $0.1 * 16 * $0.2 * $0.2) }
    }

    /// The FLOPs of one main.py iteration as PyTorch does it: D forward 3× (real, fake, fake for
    /// G), weight gradients 3×, input gradients 2× without the first layer (real and detached fake
    /// need none there) and once in full (to reach G); G forward once, its weight gradients once and
    /// its input gradients without the first layer.
    static func trainingFLOPs(batch: Int, nz: Int, ngf: Int, ndf: Int) -> Double {
        let d = discriminatorLayerFLOPs(ndf: ndf)
        let g = generatorLayerFLOPs(nz: nz, ngf: ngf)
        let (fD, fG) = (d.reduce(0, +), g.reduce(0, +))
        let perImage = 3 * fD + 3 * fD + 2 * (fD - d[0]) + fD + fG + fG + (fG - g[0])
        return perImage * Double(batch)
    }

    /// One main.py iteration (see ReferenceDCGAN in TestSupport for the commented version).
    static func trainStep(
        generator: any Layer, discriminator: any Layer, optimizerG: Adam, optimizerD: Adam,
        real: Tensor, noise: Tensor
    ) -> (dReal: Float, dFake: Float, g: Float) {
        let batch = real.shape[0]
        let ones = Tensor(repeating: 1, shape: [batch])
        let zeros = Tensor(zeros: [batch])
        func bce(_ output: Tensor, _ target: Tensor) -> (Float, Tensor) {
            let (value, gradient) = Loss.binaryCrossEntropy(
                probabilities: output.reshaped([batch]), targets: target)
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
        let gradFakeImage = discriminator.backward(
            gradG, inputGradient: true, parameterGradients: false)!
        _ = generator.backward(gradFakeImage, inputGradient: false, parameterGradients: true)
        optimizerG.step()
        return (lossReal, lossFake, lossG)
    }
}
