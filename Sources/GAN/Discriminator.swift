import NN

/// The discriminator D: images (plus label planes for the conditional variant) to the probability
/// that each is real.
///
/// Its `state_dict` keys are those of pytorch/examples `dcgan/main.py`'s `netD` (`main.0.weight`,
/// `main.2.running_mean`, …). See `GANArchitecture` for the variants.
///
/// ```
/// dcgan 64×64: Conv(C→ndf, 4,2,1) LReLU · Conv(ndf→2ndf, 4,2,1) BN LReLU · … · Conv(8ndf→1, 4,1,0) Sigmoid
/// mlp:         Linear(C·S·S→ndf) LReLU · Linear(ndf→ndf) LReLU · Linear(ndf→1) Sigmoid
/// ```
public final class Discriminator: LayerContainer {
    /// What this network is.
    public let architecture: GANArchitecture
    /// The layers, PyTorch's `self.main`.
    public let main: Sequential
    private var recordedShape: [Int]?

    /// Builds the network with zero weights; initialise with `DCGANInitializer` or load a state.
    /// - Parameter architecture: a validated architecture.
    public init(_ architecture: GANArchitecture) {
        self.architecture = architecture
        switch architecture.kind {
        case .dcgan: main = Sequential(Self.dcganLayers(architecture))
        case .mlp: main = Sequential(Self.mlpLayers(architecture))
        }
    }

    private static func dcganLayers(_ a: GANArchitecture) -> [any Layer] {
        let multipliers = Array(a.blockMultipliers.reversed())  // [1, 2, 4, 8] at 64×64
        let ndf = a.discriminatorWidth
        var layers: [any Layer] = [
            Conv2D(inputChannels: a.discriminatorInputChannels, outputChannels: ndf,
                   kernelSize: 4, stride: 2, padding: 1, bias: false),
            LeakyReLU(slope: 0.2),
        ]
        for (previous, next) in zip(multipliers, multipliers.dropFirst()) {
            layers += [
                Conv2D(inputChannels: ndf * previous, outputChannels: ndf * next,
                       kernelSize: 4, stride: 2, padding: 1, bias: false),
                BatchNorm2D(featureCount: ndf * next), LeakyReLU(slope: 0.2),
            ]
        }
        layers += [
            Conv2D(inputChannels: ndf * multipliers.last!, outputChannels: 1, kernelSize: 4, stride: 1, padding: 0,
                   bias: false),
            Sigmoid(),
        ]
        return layers
    }

    private static func mlpLayers(_ a: GANArchitecture) -> [any Layer] {
        let hidden = a.discriminatorWidth
        return [
            Linear(inputFeatures: a.discriminatorInputChannels * a.imageSize * a.imageSize, outputFeatures: hidden),
            LeakyReLU(slope: 0.2),
            Linear(inputFeatures: hidden, outputFeatures: hidden), LeakyReLU(slope: 0.2),
            Linear(inputFeatures: hidden, outputFeatures: 1), Sigmoid(),
        ]
    }

    /// Runs D.
    /// - Parameter input: `[N, C + K, S, S]` (see `Conditioning.discriminatorInput`).
    /// - Returns: probabilities `[N]` that each image is real.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let a = architecture
        precondition(input.shape == [input.shape.first ?? 0, a.discriminatorInputChannels, a.imageSize, a.imageSize],
                     "Discriminator expects [N, \(a.discriminatorInputChannels), \(a.imageSize), \(a.imageSize)], got \(input.shape)")
        let n = input.shape[0]
        recordedShape = recording ? input.shape : nil
        let flat = a.kind == .mlp ? input.reshaped([n, input.count / max(n, 1)]) : input
        return main.forward(flat, recording: recording).reshaped([n])
    }

    /// - Parameter gradOutput: `[N]`.
    /// - Returns: `[N, C + K, S, S]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let shape = recordedShape else { preconditionFailure("Discriminator.backward needs a recorded forward") }
        recordedShape = nil
        let n = shape[0]
        let outputShape = architecture.kind == .mlp ? [n, 1] : [n, 1, 1, 1]
        let gradient = main.backward(gradOutput.reshaped(outputShape), inputGradient: inputGradient,
                                     parameterGradients: parameterGradients)
        return gradient?.reshaped(shape)
    }

    /// The layers' entries under `main.…`, as `netD.state_dict()`.
    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        main.stateEntries().map { ("main." + $0.key, $0.entry) }
    }

    public func setTraining(_ training: Bool) {
        main.setTraining(training)
    }
}

extension Discriminator {
    /// Its layers, for walks over the network (``DCGANInitializer``).
    public var sublayers: [any Layer] { [main] }
}
