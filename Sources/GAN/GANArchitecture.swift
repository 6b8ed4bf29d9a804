/// The shape of a GAN: which networks, image size, widths and conditioning.
///
/// - `dcgan`: the DCGAN of pytorch/examples `dcgan/main.py` (Radford et al., arXiv:1511.06434) at
///   64×64, with one transposed-conv / conv block removed for 32×32 and one added for 128×128. The
///   channel multipliers are powers of two: at size S there are `log2(S) − 2` hidden blocks, the
///   widest with `ngf · 2^(blocks − 1)` channels (64×64: 8·ngf, as the reference).
/// - `mlp`: the fully connected GAN of Goodfellow et al. (arXiv:1406.2661) for small (grey) images:
///   G is Linear–ReLU–Linear–ReLU–Linear–Tanh with `ngf` hidden units, D is
///   Linear–LeakyReLU(0.2)–Linear–LeakyReLU(0.2)–Linear–Sigmoid with `ndf` hidden units (the
///   paper's maxout units and dropout are replaced by these plain activations).
///
/// Conditioning (cGAN, Mirza & Osindero, arXiv:1411.1784) with `classCount > 0`: G's input is
/// the noise with the one-hot label concatenated as extra channels, `[N, nz + K, 1, 1]`; D's input
/// is the image with K constant planes concatenated, plane k all ones for class k and zeros
/// elsewhere, `[N, C + K, S, S]`. Only the first layer of each network widens, so the `state_dict`
/// keys stay those of the unconditional model (`main.0.weight` is `[nz + K, 8·ngf, 4, 4]` in G and
/// `[ndf, C + K, 4, 4]` in D).
public struct GANArchitecture: Codable, Equatable, Sendable {
    /// The family of networks.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case dcgan
        case mlp
    }

    /// The family of networks.
    public var kind: Kind
    /// Image side S in pixels (dcgan: 32, 64 or 128).
    public var imageSize: Int
    /// Image channels C: 3 for colour, 1 for grey.
    public var channels: Int
    /// Noise size nz.
    public var noiseSize: Int
    /// Generator width: ngf (dcgan) or hidden units (mlp).
    public var generatorWidth: Int
    /// Discriminator width: ndf (dcgan) or hidden units (mlp).
    public var discriminatorWidth: Int
    /// Number of classes K for the conditional variant; 0 for an unconditional GAN.
    public var classCount: Int

    /// Creates an architecture; `validate()` checks it.
    public init(
        kind: Kind = .dcgan, imageSize: Int = 64, channels: Int = 3, noiseSize: Int = 100,
        generatorWidth: Int = 64, discriminatorWidth: Int = 64, classCount: Int = 0
    ) {
        self.kind = kind
        self.imageSize = imageSize
        self.channels = channels
        self.noiseSize = noiseSize
        self.generatorWidth = generatorWidth
        self.discriminatorWidth = discriminatorWidth
        self.classCount = classCount
    }

    /// Whether the networks take a class label.
    public var isConditional: Bool { classCount > 0 }

    /// The channel count of G's input, `nz + K`.
    public var generatorInputChannels: Int { noiseSize + classCount }

    /// The channel count of D's input, `C + K`.
    public var discriminatorInputChannels: Int { channels + classCount }

    /// DCGAN channel multipliers of the hidden blocks, widest first: `[8, 4, 2, 1]` at 64×64,
    /// `[4, 2, 1]` at 32×32, `[16, 8, 4, 2, 1]` at 128×128.
    public var blockMultipliers: [Int] {
        var blocks = 0
        var side = imageSize
        while side > 4 { side /= 2; blocks += 1 }
        return (0..<blocks).reversed().map { 1 << $0 }
    }

    /// The noise sizes accepted (`nz`).
    public static let noiseSizes = 1...4096
    /// The widths accepted (`ngf`, `ndf`).
    public static let widths = 1...4096
    /// The class counts accepted (0: unconditional).
    public static let classCounts = 0...1000
    /// The most weights G and D may hold together (800 MB of float32), so that a damaged or
    /// hostile file's metadata cannot make the loader allocate without bound.
    public static let maximumParameters = 200_000_000

    /// The number of weights of G and D together (biases and BatchNorm left out): what building the
    /// networks allocates, computed without building them.
    public var weightCount: Double {
        let (nz, c, k, s) = (Double(noiseSize), Double(channels), Double(classCount), Double(imageSize))
        let (g, d) = (Double(generatorWidth), Double(discriminatorWidth))
        switch kind {
        case .dcgan:
            let m = blockMultipliers.map(Double.init)
            guard let widest = m.first else { return 0 }
            // G: nz+K → widest·ngf, the blocks, ngf → C; D: C+K → ndf, the blocks, widest·ndf → 1.
            var total = (nz + k) * g * widest * 16 + g * c * 16 + (c + k) * d * 16 + d * widest * 16
            for (a, b) in zip(m, m.dropFirst()) { total += (g * a * g * b + d * b * d * a) * 16 }
            return total
        case .mlp:
            return (nz + k) * g + g * g + g * c * s * s + (c + k) * s * s * d + d * d + d
        }
    }

    /// Checks that the networks can be built, within bounds.
    /// - Throws: `TrainingError` `.invalidArchitecture` saying which setting is wrong.
    public func validate() throws(TrainingError) {
        func fail(_ text: String) -> TrainingError {
            TrainingError(code: .invalidArchitecture, message: "Invalid GAN architecture: \(text)")
        }
        guard Self.noiseSizes.contains(noiseSize) else {
            throw fail("nz must be \(Self.noiseSizes.lowerBound)...\(Self.noiseSizes.upperBound) (got \(noiseSize)).")
        }
        guard Self.widths.contains(generatorWidth), Self.widths.contains(discriminatorWidth) else {
            throw fail("ngf and ndf must be \(Self.widths.lowerBound)...\(Self.widths.upperBound) (got \(generatorWidth) and \(discriminatorWidth)).")
        }
        guard channels == 1 || channels == 3 else { throw fail("channels must be 1 or 3 (got \(channels)).") }
        guard Self.classCounts.contains(classCount) else {
            throw fail("the class count must be \(Self.classCounts.lowerBound)...\(Self.classCounts.upperBound) (got \(classCount)).")
        }
        switch kind {
        case .dcgan:
            guard [32, 64, 128].contains(imageSize) else {
                throw fail("--arch dcgan supports image sizes 32, 64 and 128 (got \(imageSize)). Use --size 32, 64 or 128.")
            }
        case .mlp:
            guard imageSize >= 4 && imageSize <= 64 else {
                throw fail("--arch mlp is for small images, 4 to 64 pixels (got \(imageSize)).")
            }
        }
        guard weightCount <= Double(Self.maximumParameters) else {
            throw fail("\(summary) would hold \(Int(weightCount / 1e6)) million weights, over the limit of "
                       + "\(Self.maximumParameters / 1_000_000) million. Use smaller widths (ngf, ndf) or noise size (nz).")
        }
    }

    // MARK: - Metadata

    /// The architecture as `__metadata__` strings (`arch`, `image_size`, `channels`, `nz`, `ngf`,
    /// `ndf`, `classes`).
    public var metadata: [String: String] {
        ["arch": kind.rawValue, "image_size": String(imageSize), "channels": String(channels),
         "nz": String(noiseSize), "ngf": String(generatorWidth), "ndf": String(discriminatorWidth),
         "classes": String(classCount)]
    }

    /// Reads the architecture from `__metadata__` strings.
    /// - Parameters:
    ///   - metadata: the header metadata of a checkpoint or generator file.
    ///   - path: the file, for the error message.
    /// - Throws: `TrainingError` `.corruptCheckpoint` when a field is missing or not a number.
    public init(metadata: [String: String], path: String) throws(TrainingError) {
        func number(_ key: String) throws(TrainingError) -> Int {
            guard let text = metadata[key], let value = Int(text) else {
                throw TrainingError(
                    code: .corruptCheckpoint, path: path,
                    message: "'\(path)' has no valid '\(key)' in its metadata, so it is not a GAN file of this project "
                        + "(or it is damaged). Use a checkpoint written by `deepfake train` or a generator from `models/`.")
            }
            return value
        }
        guard let kindText = metadata["arch"], let kind = Kind(rawValue: kindText) else {
            throw TrainingError(
                code: .corruptCheckpoint, path: path,
                message: "'\(path)' has no GAN architecture ('arch' is \(metadata["arch"].map { "'\($0)'" } ?? "missing")) "
                    + "in its metadata. Use a checkpoint written by `deepfake train` or a generator from `models/`.")
        }
        self.init(
            kind: kind, imageSize: try number("image_size"), channels: try number("channels"),
            noiseSize: try number("nz"), generatorWidth: try number("ngf"),
            discriminatorWidth: try number("ndf"), classCount: try number("classes"))
        do { try validate() } catch {
            throw TrainingError(code: .corruptCheckpoint, path: path, message: "'\(path)': \(error.message)")
        }
    }

    /// A short description, e.g. `dcgan 64×64×3 nz 100 ngf 64 ndf 64`.
    public var summary: String {
        "\(kind.rawValue) \(imageSize)×\(imageSize)×\(channels) nz \(noiseSize) ngf \(generatorWidth) ndf \(discriminatorWidth)"
            + (isConditional ? " classes \(classCount)" : "")
    }
}
