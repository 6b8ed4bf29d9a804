import Foundation
import NN
import TestSupport
import Testing

/// A NaN or infinite value in a tensor loaded into a model is refused, naming the tensor and the
/// file, and the model is left as it was.
struct NonFiniteWeightTests {
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightIsATypedErrorNamingTheTensor(value: Float) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nn-\(UUID().uuidString)-g.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var random = SeededGenerator(seed: 2)
        let model = ReferenceDCGAN.generator(nz: 4, ngf: 2)
        DCGANInitializer.initialize(model, using: &random)
        var tensors = model.stateDict()
        var values = tensors["main.3.weight"]!.data
        values[7] = value
        tensors["main.3.weight"] = Tensor(shape: tensors["main.3.weight"]!.shape, data: values)
        try SafeTensorsFile.write(tensors, to: url)

        let copy = ReferenceDCGAN.generator(nz: 4, ngf: 2)
        let before = copy.stateDict()
        let error = try #require(throws: CheckpointError.self) { try copy.loadState(from: SafeTensorsFile(contentsOf: url)) }
        #expect(error.code == .nonFiniteValue)
        #expect(error.tensorName == "main.3.weight")
        #expect(error.message.hasPrefix("Tensor 'main.3.weight' in '\(url.path)' holds \(value) at element 7: the model is damaged"))
        #expect(copy.stateDict() == before)
    }

    @Test func aFIFOIsNotOpened() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nn-\(UUID().uuidString).safetensors").path
        #expect(mkfifo(path, 0o644) == 0)
        defer { unlink(path) }
        let error = try #require(throws: CheckpointError.self) { try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)) }
        #expect(error.code == .notRegularFile)
        #expect(error.message == "Cannot load '\(path)': it is a FIFO (named pipe), not a regular file. Pass the .safetensors file itself.")
    }
}
