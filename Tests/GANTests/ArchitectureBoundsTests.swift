import GAN
import Testing

/// Architecture numbers from a file's metadata are bounded before any network is allocated.
struct ArchitectureBoundsTests {
    static func metadata(_ changes: [String: String]) -> [String: String] {
        var m = GANArchitecture(imageSize: 64, noiseSize: 100, generatorWidth: 32, discriminatorWidth: 32).metadata
        for (key, value) in changes { m[key] = value }
        return m
    }

    @Test(arguments: [
        (["nz": "100000000000"], "nz must be 1...4096 (got 100000000000)."),
        (["nz": "0"], "nz must be 1...4096 (got 0)."),
        (["ngf": "-1"], "ngf and ndf must be 1...4096 (got -1 and 32)."),
        (["classes": "5000"], "the class count must be 0...1000 (got 5000)."),
        (["image_size": "1000000"], "--arch dcgan supports image sizes 32, 64 and 128 (got 1000000)."),
        (["ngf": "4096", "ndf": "4096"], "over the limit of 200 million."),
    ])
    func absurdMetadataIsRefused(changes: [String: String], message: String) throws {
        let error = try #require(throws: TrainingError.self) { try GANArchitecture(metadata: Self.metadata(changes), path: "g.safetensors") }
        #expect(error.code == .corruptCheckpoint)
        #expect(error.message.hasPrefix("'g.safetensors': Invalid GAN architecture: "))
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func theShippedSizesPass() throws {
        for a in [GANArchitecture(imageSize: 64, noiseSize: 100, generatorWidth: 32, discriminatorWidth: 32),
                  GANArchitecture(imageSize: 128), GANArchitecture(kind: .mlp, imageSize: 28, channels: 1, generatorWidth: 1024, discriminatorWidth: 1024)] {
            try a.validate()
        }
    }

    /// The weight count matches what the built networks hold (biases and BatchNorm aside).
    @Test func weightCountMatchesTheBuiltNetworks() {
        for a in [GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 6, classCount: 2),
                  GANArchitecture(kind: .mlp, imageSize: 8, channels: 1, noiseSize: 5, generatorWidth: 7, discriminatorWidth: 9)] {
            let built = (Generator(a).stateDict().merging(Discriminator(a).stateDict().mapKeys { "d." + $0 }) { $1 })
                .filter { $0.key.hasSuffix("weight") && $0.value.shape.count != 1 }
                .reduce(0) { $0 + $1.value.count }
            #expect(Int(a.weightCount) == built, "\(a.summary)")
        }
    }
}

extension Dictionary {
    fileprivate func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
