import Foundation
import NN
import Testing
import TestSupport

struct StateDictTests {
    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("nn-\(UUID().uuidString)-\(name)")
    }

    @Test func saveThenLoadIsBitExact() throws {
        var generator = SeededGenerator(seed: 5)
        let model = ReferenceDCGAN.discriminator(ndf: 4)
        DCGANInitializer.initialize(model, using: &generator)
        _ = model.forward(Tensor.randomNormal(shape: [2, 3, 64, 64], using: &generator))  // moves running stats
        let url = Self.temporaryURL("d.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.saveState(to: url, prefix: "netD", metadata: ["architecture": "dcgan-d"])

        let copy = ReferenceDCGAN.discriminator(ndf: 4)
        try copy.loadState(from: SafeTensorsFile(contentsOf: url), prefix: "netD")
        let (original, loaded) = (model.stateDict(), copy.stateDict())
        #expect(original.keys.sorted() == loaded.keys.sorted())
        for (key, value) in original { #expect(loaded[key] == value, "\(key) differs after the round trip") }
        #expect(loaded["main.3.num_batches_tracked"]?[flat: 0] == 1)
    }

    @Test func missingTensorAndWrongShapeAreTypedErrors() throws {
        let url = Self.temporaryURL("g.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let small = ReferenceDCGAN.generator(nz: 4, ngf: 2)
        try small.saveState(to: url)
        let file = try SafeTensorsFile(contentsOf: url)

        let wider = ReferenceDCGAN.generator(nz: 4, ngf: 4)
        let before = wider.stateDict()
        #expect(throws: CheckpointError.self) { try wider.loadState(from: file) }
        do {
            try wider.loadState(from: file)
        } catch {
            #expect(error.code == .shapeMismatch)
            #expect(error.tensorName == "main.0.weight")
        }
        #expect(wider.stateDict() == before, "a failed load must change nothing")

        do {
            try small.loadState(from: file, prefix: "netG")
            Issue.record("loading under a missing prefix should throw")
        } catch {
            #expect(error.code == .tensorNotFound)
            #expect(error.tensorName == "netG.main.0.weight")
        }
    }

    @Test func dcganInitialisationHasTheReferenceStatistics() {
        var generator = SeededGenerator(seed: 1)
        let model = ReferenceDCGAN.generator(nz: 100, ngf: 16)
        DCGANInitializer.initialize(model, using: &generator)
        let state = model.stateDict()
        let conv = state["main.3.weight"]!.data  // [128, 64, 4, 4]: 131,072 values from N(0, 0.02)
        let mean = conv.reduce(0.0) { $0 + Double($1) } / Double(conv.count)
        let std = (conv.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(conv.count)).squareRoot()
        #expect(abs(mean) < 0.001 && abs(std - 0.02) < 0.001)
        let gamma = state["main.1.weight"]!.data
        #expect(gamma.allSatisfy { abs($0 - 1) < 0.2 } && Set(gamma).count == gamma.count)
        #expect(state["main.1.bias"]!.data.allSatisfy { $0 == 0 })
        // The same seed gives the same weights.
        var again = SeededGenerator(seed: 1)
        let twin = ReferenceDCGAN.generator(nz: 100, ngf: 16)
        DCGANInitializer.initialize(twin, using: &again)
        #expect(twin.stateDict() == state)
    }
}
