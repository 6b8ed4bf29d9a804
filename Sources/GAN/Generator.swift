import NN

/// The generator G: noise (plus a one-hot label for the conditional variant) to images in [-1, 1].
///
/// Its `state_dict` keys are those of pytorch/examples `dcgan/main.py`'s `netG` (`main.0.weight`,
/// `main.1.running_mean`, …): the layers sit in one `Sequential` held as `main`. See
/// `GANArchitecture` for the variants.
///
/// ```
/// dcgan 64×64: ConvT(nz→8ngf, 4,1,0) BN ReLU · ConvT(8ngf→4ngf, 4,2,1) BN ReLU · … · ConvT(ngf→C, 4,2,1) Tanh
/// mlp:         Linear(nz→ngf) ReLU · Linear(ngf→ngf) ReLU · Linear(ngf→C·S·S) Tanh
/// ```
public final class Generator: LayerContainer {
    /// What this network is.
    public let architecture: GANArchitecture
    /// The layers, PyTorch's `self.main`.
    public let main: Sequential
    private var recordedBatch: Int?

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
        let multipliers = a.blockMultipliers
        let ngf = a.generatorWidth
        var layers: [any Layer] = [
            ConvTranspose2D(inputChannels: a.generatorInputChannels, outputChannels: ngf * multipliers[0],
                            kernelSize: 4, stride: 1, padding: 0, bias: false),
            BatchNorm2D(featureCount: ngf * multipliers[0]), ReLU(),
        ]
        for (previous, next) in zip(multipliers, multipliers.dropFirst()) {
            layers += [
                ConvTranspose2D(inputChannels: ngf * previous, outputChannels: ngf * next,
                                kernelSize: 4, stride: 2, padding: 1, bias: false),
                BatchNorm2D(featureCount: ngf * next), ReLU(),
            ]
        }
        layers += [
            ConvTranspose2D(inputChannels: ngf, outputChannels: a.channels, kernelSize: 4, stride: 2, padding: 1,
                            bias: false),
            Tanh(),
        ]
        return layers
    }

    private static func mlpLayers(_ a: GANArchitecture) -> [any Layer] {
        let hidden = a.generatorWidth
        return [
            Linear(inputFeatures: a.generatorInputChannels, outputFeatures: hidden), ReLU(),
            Linear(inputFeatures: hidden, outputFeatures: hidden), ReLU(),
            Linear(inputFeatures: hidden, outputFeatures: a.channels * a.imageSize * a.imageSize), Tanh(),
        ]
    }

    /// Runs G.
    /// - Parameter input: `[N, nz + K, 1, 1]` (see `Conditioning.generatorInput`).
    /// - Returns: images `[N, C, S, S]` in [-1, 1].
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        let a = architecture
        precondition(input.shape.count == 4 && input.shape[1] == a.generatorInputChannels
                        && input.shape[2] == 1 && input.shape[3] == 1,
                     "Generator expects [N, \(a.generatorInputChannels), 1, 1], got \(input.shape)")
        let n = input.shape[0]
        recordedBatch = recording ? n : nil
        switch a.kind {
        case .dcgan:
            return main.forward(input, recording: recording)
        case .mlp:
            let output = main.forward(input.reshaped([n, a.generatorInputChannels]), recording: recording)
            return output.reshaped([n, a.channels, a.imageSize, a.imageSize])
        }
    }

    /// - Parameter gradOutput: `[N, C, S, S]`.
    /// - Returns: `[N, nz + K, 1, 1]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let n = recordedBatch else { preconditionFailure("Generator.backward needs a recorded forward") }
        recordedBatch = nil
        let a = architecture
        switch a.kind {
        case .dcgan:
            return main.backward(gradOutput, inputGradient: inputGradient, parameterGradients: parameterGradients)
        case .mlp:
            let gradient = main.backward(
                gradOutput.reshaped([n, a.channels * a.imageSize * a.imageSize]),
                inputGradient: inputGradient, parameterGradients: parameterGradients)
            return gradient?.reshaped([n, a.generatorInputChannels, 1, 1])
        }
    }

    /// The layers' entries under `main.…`, as `netG.state_dict()`.
    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        main.stateEntries().map { ("main." + $0.key, $0.entry) }
    }

    public func setTraining(_ training: Bool) {
        main.setTraining(training)
    }
}

extension Generator {
    /// Its layers, for walks over the network (``DCGANInitializer``).
    public var sublayers: [any Layer] { [main] }
}
