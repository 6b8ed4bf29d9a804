import Faces
import Foundation
import GAN
import NN
import Testing

@testable import Detection

@Suite struct DetectorModelTests {
    static let architecture = GANArchitecture(imageSize: 32, generatorWidth: 8, discriminatorWidth: 8)

    static func scratch(_ name: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("detector-model-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    static func randomImages(_ n: Int, seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape: [n, 3, 32, 32], using: &random)
    }

    static func initialisedDiscriminator(seed: UInt64) -> Discriminator {
        let d = Discriminator(architecture)
        var random = SeededGenerator(seed: seed)
        DCGANInitializer.initialize(d, using: &random)
        return d
    }

    @Test func scoreIsOneMinusDsRealProbability() {
        let d = Self.initialisedDiscriminator(seed: 3)
        let model = DetectorModel(discriminator: d)
        let images = Self.randomImages(4, seed: 9)
        d.setTraining(false)
        let real = d.forward(images, recording: false)
        let fake = model.probabilities(images)
        for i in 0..<4 { #expect(abs(fake[i] - (1 - Double(real[flat: i]))) < 1e-5) }
    }

    @Test func writeThenLoadKeepsWeightsCalibrationAndCrop() throws {
        let model = DetectorModel(
            discriminator: Self.initialisedDiscriminator(seed: 5), calibration: TemperatureScaling(temperature: 2.5),
            threshold: 0.37, uncertainBand: 0.05, crop: .faceForensics(), isCalibrated: true)
        let url = Self.scratch("d.safetensors")
        try model.write(to: url, extra: ["val_auc": "0.99"])
        let loaded = try DetectorModel.load(url)
        #expect(loaded.calibration.temperature == 2.5)
        #expect(loaded.threshold == 0.37)
        #expect(loaded.uncertainBand == 0.05)
        #expect(loaded.crop == .faceForensics())
        #expect(loaded.isCalibrated)
        #expect(loaded.metadata["val_auc"] == "0.99")
        #expect(loaded.metadata["schema"] == DetectorModel.schema)
        let images = Self.randomImages(3, seed: 1)
        #expect(loaded.fakeLogits(images) == model.fakeLogits(images))
    }

    @Test func ganNetworksFileIsAnUncalibratedDetector() throws {
        let g = Generator(Self.architecture)
        let d = Self.initialisedDiscriminator(seed: 7)
        let url = Self.scratch("gan.safetensors")
        try GeneratorFile.writeNetworks(generator: g, discriminator: d, to: url)
        let model = try DetectorModel.load(url)
        #expect(!model.isCalibrated)
        #expect(model.threshold == 0.5)
        #expect(model.calibration.temperature == 1)
        let images = Self.randomImages(2, seed: 2)
        #expect(model.fakeLogits(images) == DetectorModel(discriminator: d).fakeLogits(images))
    }

    @Test func generatorOnlyFileIsRejectedWithItsPath() throws {
        let url = Self.scratch("g.safetensors")
        try GeneratorFile.write(Generator(Self.architecture), to: url)
        let error = #expect(throws: DetectorError.self) { try DetectorModel.load(url) }
        #expect(error?.code == .invalidModel)
        #expect(error?.message == "'\(url.path)': schema 'deepfake-gan-generator/1' is not a detector or a GAN file with a discriminator (expected one of deepfake-detector/1, deepfake-gan-checkpoint/1, deepfake-gan-networks/1). A generator-only file cannot detect.")
    }

    @Test func missingFileSaysSo() {
        let error = #expect(throws: DetectorError.self) { try DetectorModel.load(URL(fileURLWithPath: "/nonexistent/d.safetensors")) }
        #expect(error?.code == .notFound)
    }

    @Test func damagedCalibrationIsRejected() throws {
        let model = DetectorModel(discriminator: Self.initialisedDiscriminator(seed: 5), isCalibrated: true)
        let url = Self.scratch("bad.safetensors")
        try model.write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        var metadata = file.metadata
        metadata["temperature"] = "-1"
        try SafeTensorsFile.write(file.tensors(), dtype: .f32, metadata: metadata, to: url)
        let error = #expect(throws: DetectorError.self) { try DetectorModel.load(url) }
        #expect(error?.code == .invalidModel)
    }

    @Test("a model trained on aligned crops records its template, is cut by it, and an unknown template is refused at load")
    func alignedCropTemplateRoundTripAndCheck() throws {
        let model = DetectorModel(discriminator: Self.initialisedDiscriminator(seed: 5), alignment: .alignedV1, isCalibrated: true)
        let url = Self.scratch("aligned.safetensors")
        try model.write(to: url)
        let loaded = try DetectorModel.load(url)
        #expect(loaded.alignment == .alignedV1)
        #expect(loaded.cropName == "aligned-v1")
        #expect(loaded.cropSpec == .aligned(.alignedV1, size: Self.architecture.imageSize))
        // A box-crop model has no alignment, and writing it again drops a stale key.
        let plain = DetectorModel(discriminator: Self.initialisedDiscriminator(seed: 5), metadata: loaded.metadata)
        try plain.write(to: url)
        #expect(try DetectorModel.load(url).alignment == nil)
        #expect(try DetectorModel.load(url).cropSpec == .box(.utkface, size: Self.architecture.imageSize))

        try model.write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        for (text, fragment) in [
            (#"{"name":"aligned-v1","rightEye":[0.3,0.3],"leftEye":[0.7,0.3],"mouth":[0.5,0.7]}"#, "does not know ('aligned-v1'"),
            (#"{"name":"aligned-v9","rightEye":[0.2958,0.2933],"leftEye":[0.6896,0.2951],"mouth":[0.4946,0.6984]}"#, "does not know ('aligned-v9'"),
            ("not json", "not an aligned-crop template"),
        ] {
            var metadata = file.metadata
            metadata["alignment"] = text
            try SafeTensorsFile.write(file.tensors(), dtype: .f32, metadata: metadata, to: url)
            let error = #expect(throws: DetectorError.self) { try DetectorModel.load(url) }
            #expect(error?.code == .invalidModel)
            #expect(error.map { "\($0)".contains(fragment) && "\($0)".contains(url.path) } == true, "\(String(describing: error))")
        }
    }
}
