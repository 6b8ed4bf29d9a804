import Foundation
import GAN
import NN
import Testing
import TestSupport

/// Forward passes of every variant against PyTorch (tools/golden/gan_variants.py): G's images and
/// D's probabilities in training mode (batch statistics) and in eval mode (running statistics).
struct VariantGoldenTests {
    static let variants = ["dcgan32", "dcgan64", "dcgan128", "cgan64", "mlp16"]

    static func architecture(_ name: String, golden: GoldenFile) throws -> GANArchitecture {
        let cases = try JSONSerialization.jsonObject(with: Data((golden.metadata["variants"] ?? "[]").utf8))
            as? [[String: Any]] ?? []
        let v = try #require(cases.first { $0.string("name") == name })
        return GANArchitecture(
            kind: v.string("arch") == "mlp" ? .mlp : .dcgan, imageSize: v.int("size"), channels: v.int("nc"),
            noiseSize: v.int("nz"), generatorWidth: v.int("ngf"), discriminatorWidth: v.int("ndf"),
            classCount: v.int("classes"))
    }

    @Test(arguments: variants)
    func forwardMatchesPyTorch(_ name: String) throws {
        let golden = try GoldenFile("gan_variants")
        let architecture = try Self.architecture(name, golden: golden)
        try architecture.validate()
        let generator = Generator(architecture)
        let discriminator = Discriminator(architecture)
        try generator.loadState(from: golden.file, prefix: "\(name).netG")
        try discriminator.loadState(from: golden.file, prefix: "\(name).netD")
        // Every golden tensor of the variant is a key of ours, and the other way round.
        let goldenKeys = Set(golden.file.names.filter { $0.hasPrefix("\(name).netG.") }.map { String($0.dropFirst(name.count + 6)) })
        #expect(goldenKeys == Set(generator.stateEntries().map(\.key)))

        let noise = try golden.tensor("\(name).noise")
        let labels = golden.contains("\(name).labels") ? try golden.tensor("\(name).labels").data.map { Int($0) } : nil
        #expect((labels != nil) == architecture.isConditional)
        let k = architecture.classCount
        for (mode, suffix) in [(false, "_eval"), (true, "")] {
            generator.setTraining(mode)
            discriminator.setTraining(mode)
            let fake = generator.infer(Conditioning.generatorInput(noise: noise, labels: labels, classCount: k))
            expectClose(fake, try golden.tensor("\(name).fake\(suffix)"), .forward, "\(name) G\(suffix)")
            let probabilities = discriminator.infer(
                Conditioning.discriminatorInput(images: try golden.tensor("\(name).fake\(suffix)"), labels: labels,
                                                classCount: k))
            expectClose(probabilities, try golden.tensor("\(name).d_out\(suffix)"), .forward, "\(name) D\(suffix)")
        }
    }
}
