/// The weight initialisation of the DCGAN paper (Radford et al., arXiv:1511.06434) as the
/// reference `weights_init` of pytorch/examples `dcgan/main.py`: convolution weights (plain and
/// transposed) from N(0, 0.02); BatchNorm weights from N(1, 0.02) and biases 0. Any other layer
/// keeps its values.
///
/// Layers are visited in order and each tensor is filled in row-major order from one
/// `SeededGenerator`, so a seed fixes every weight on every machine (PyTorch's own generator gives
/// different numbers; load its weights from a file to reproduce a PyTorch run).
public enum DCGANInitializer {
    /// Initialises every Conv2D, ConvTranspose2D and BatchNorm2D found in `layer` (recursing into
    /// `Sequential` and `Named`).
    /// - Parameters:
    ///   - layer: the model.
    ///   - generator: the random source; it advances by one draw per weight.
    public static func initialize(_ layer: any Layer, using generator: inout SeededGenerator) {
        switch layer {
        case let container as any LayerContainer:
            // Sequential, Named, and networks such as GAN's Generator and Discriminator: a
            // network passed whole is initialised whole, never silently left at zero.
            for child in container.sublayers { initialize(child, using: &generator) }
        case let conv as Conv2D:
            conv.weight.value = .randomNormal(
                shape: conv.weight.value.shape, standardDeviation: 0.02, using: &generator)
            if let bias = conv.bias { bias.value = Tensor(zeros: bias.value.shape) }
        case let conv as ConvTranspose2D:
            conv.weight.value = .randomNormal(
                shape: conv.weight.value.shape, standardDeviation: 0.02, using: &generator)
            if let bias = conv.bias { bias.value = Tensor(zeros: bias.value.shape) }
        case let norm as BatchNorm2D:
            norm.weight.value = .randomNormal(
                shape: norm.weight.value.shape, mean: 1, standardDeviation: 0.02,
                using: &generator)
            norm.bias.value = Tensor(zeros: norm.bias.value.shape)
        default:
            break
        }
    }
}
