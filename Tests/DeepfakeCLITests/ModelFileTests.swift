import Foundation
import Media
import NN
import Testing

/// Numbers read from model files are checked at load time: a copy of a shipped model with one NaN
/// weight, or with absurd metadata, makes every command that loads it fail with a typed message
/// naming the file (and the tensor), and write nothing. A NaN generator weight used to stop
/// `generate` and `alter` with SIGILL converting pixels; a NaN detector weight made `score` print
/// `uncertain nan` and then a raw EncodingError.
@Suite struct ModelFileTests {
    static let generator = CLI.root.appendingPathComponent("models/utkface64-dcgan32.safetensors")
    static let detector = CLI.root.appendingPathComponent("models/deepfake-detector.safetensors")

    /// A copy of `source` in `folder` with `change` applied to its tensors and metadata.
    static func copy(_ source: URL, to folder: URL, named name: String,
                     change: (inout [String: Tensor], inout [String: String]) -> Void) throws -> String {
        let file = try SafeTensorsFile(contentsOf: source)
        var tensors = file.tensors()
        var metadata = file.metadata
        change(&tensors, &metadata)
        let url = folder.appendingPathComponent(name)
        try SafeTensorsFile.write(tensors, metadata: metadata, to: url)
        return url.path
    }

    /// Sets element 5 of `name` to `value`.
    static func poison(_ name: String, with value: Float) -> (inout [String: Tensor], inout [String: String]) -> Void {
        { tensors, _ in
            var tensor = tensors[name]!
            var values = tensor.data
            values[5] = value
            tensor = Tensor(shape: tensor.shape, data: values)
            tensors[name] = tensor
        }
    }

    @Test(arguments: [Float.nan, .infinity])
    func nonFiniteGeneratorWeightIsNamedByGenerateAndAlter(value: Float) throws {
        let folder = try CLI.scratch("generator\(value)")
        let model = try Self.copy(Self.generator, to: folder, named: "g.safetensors", change: Self.poison("generator.main.3.weight", with: value))
        let image = folder.appendingPathComponent("face.png").path
        try ImageFile.writePNG(RGBImage(width: 64, height: 64, fill: (150, 110, 90)), to: image)
        let before = CLI.files(in: folder)
        let expected = "Tensor 'generator.main.3.weight' in '\(model)' holds \(value) at element 5: the model is damaged"
        for arguments in [["generate", "--model", model, "--grid", folder.appendingPathComponent("grid.png").path],
                          ["generate", "--model", model, "--out", folder.appendingPathComponent("samples").path],
                          ["alter", image, "--model", model, "--out", folder.appendingPathComponent("altered.png").path]] {
            let result = try CLI.run(arguments, timeout: 120)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(CLI.files(in: folder) == before)
        }
    }

    @Test func nonFiniteDetectorWeightIsNamedByScoreAndEvaluate() throws {
        let folder = try CLI.scratch()
        let model = try Self.copy(Self.detector, to: folder, named: "d.safetensors", change: Self.poison("discriminator.main.2.weight", with: .nan))
        let report = folder.appendingPathComponent("r.json").path
        let before = CLI.files(in: folder)
        let expected = "Tensor 'discriminator.main.2.weight' in '\(model)' holds nan at element 5: the model is damaged"
        let score = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--model", model, "--count", "2", "--report", report], timeout: 120)
        #expect(score.status == 1, "\(score.stderr)")
        #expect(score.stderr.contains(expected), "\(score.stderr)")
        #expect(!score.stderr.contains("EncodingError") && !score.stderr.contains("uncertain nan"), "\(score.stderr)")
        let evaluate = try CLI.run(["evaluate", "detector", "--real", CLI.fixture("h264_aac.mp4"), "--fake", CLI.fixture("vp9.webm"),
                                    "--model", model, "--report", report], timeout: 120)
        #expect(evaluate.status == 1, "\(evaluate.stderr)")
        #expect(evaluate.stderr.contains(expected), "\(evaluate.stderr)")
        #expect(CLI.files(in: folder) == before)
    }

    /// Finite weights so large that D overflows give NaN scores: the input gets an error naming the
    /// model instead of `uncertain nan` and a report that cannot be encoded.
    @Test func overflowingDetectorIsAnErrorEntryNotANaNScore() throws {
        let folder = try CLI.scratch()
        let model = try Self.copy(Self.detector, to: folder, named: "d.safetensors") { tensors, _ in
            for name in ["discriminator.main.0.weight", "discriminator.main.2.weight"] {
                let t = tensors[name]!
                tensors[name] = Tensor(shape: t.shape, data: t.data.map { max(min($0 * 1e30, 3e38), -3e38) })
            }
        }
        let report = folder.appendingPathComponent("r.json").path
        let clip = CLI.root.appendingPathComponent("fixtures/demo/generated_faces.mp4").path
        let result = try CLI.run(["score", clip, "--model", model, "--count", "4", "--report", report], timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("'\(model)': gave a score of"), "\(result.stderr)")
        #expect(!result.stderr.contains("EncodingError"), "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(json["summary"] == nil)
        #expect((json["error"] as? [String: Any])?["message"] as? String != nil)
    }

    /// Metadata numbers are bounded before the networks are allocated (nz = 10¹¹ would ask for
    /// terabytes).
    @Test(arguments: [
        ("nz", "100000000000", "Invalid GAN architecture: nz must be 1...4096 (got 100000000000)."),
        ("nz", "1e11", "has no valid 'nz' in its metadata"),
        ("ngf", "100000", "Invalid GAN architecture: ngf and ndf must be 1...4096 (got 100000 and 32)."),
        ("ngf", "4096", "would hold 11327 million weights, over the limit of 200 million."),
        ("image_size", "1000000", "--arch dcgan supports image sizes 32, 64 and 128 (got 1000000)."),
        ("classes", "-3", "the class count must be 0...1000 (got -3)."),
    ])
    func absurdGeneratorMetadataIsRefusedBeforeAllocating(key: String, value: String, message: String) throws {
        let folder = try CLI.scratch("metadata" + key + value)
        let model = try Self.copy(Self.generator, to: folder, named: "g.safetensors") { _, metadata in metadata[key] = value }
        let before = CLI.files(in: folder)
        let result = try CLI.run(["generate", "--model", model, "--grid", folder.appendingPathComponent("grid.png").path], timeout: 60)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("'\(model)'"), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(CLI.files(in: folder) == before)
    }

    @Test(arguments: [("temperature", "1e300"), ("threshold", "nan"), ("uncertain_band", "7")])
    func absurdDetectorCalibrationIsRefused(key: String, value: String) throws {
        let folder = try CLI.scratch("calibration" + key)
        let model = try Self.copy(Self.detector, to: folder, named: "d.safetensors") { _, metadata in metadata[key] = value }
        let result = try CLI.run(["score", CLI.fixture("h264_aac.mp4"), "--model", model, "--count", "2"], timeout: 60)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("'\(model)'"), "\(result.stderr)")
        #expect(result.stderr.contains(key), "\(result.stderr)")
    }
}
