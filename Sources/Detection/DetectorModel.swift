import Faces
import Foundation
import GAN
import NN

/// The fake detector: the GAN's discriminator, its calibration and its operating point.
///
/// D's last layer is a sigmoid giving the probability that an image is *real*; the detector works
/// on the logit before it, negated, so that a score is a probability of *fake*:
/// `p_fake = sigmoid(−logit_D / T)`. The weights and their keys are D's (`discriminator.main.0.weight`,
/// …), so a detector file, a GAN checkpoint and the shipped `models/` GAN file load alike.
///
/// Detector file (`schema: "deepfake-detector/1"`), safetensors with `__metadata__`:
/// - the GAN architecture fields (`arch`, `image_size`, `nz`, `ngf`, `ndf`, `channels`, `classes`);
/// - `temperature`, `threshold`, `uncertain_band` as decimal strings;
/// - `crop`: the ``CropConvention`` as JSON (the convention faces are cut with);
/// - `alignment` (optional): an ``AlignedCropTemplate`` as JSON, for a model trained on aligned
///   crops (`aligned-v1`); faces are then cut by their eyes and mouth instead of `crop`. It must
///   equal one of ``AlignedCropTemplate/known``;
/// - `normalisation`: as the GAN's (`x = pixel / 127.5 − 1`);
/// - `calibrated`: `true` for a built detector, `false` for a raw GAN discriminator;
/// - anything the builder adds (validation metrics, training data hashes, threshold rule).
public final class DetectorModel {
    public static let schema = "deepfake-detector/1"

    /// D, with the GAN's keys under `main.`.
    public let discriminator: Discriminator
    /// D's layers up to (not including) its final sigmoid: images → real-logits `[N, 1, 1, 1]`.
    public let logitNetwork: Sequential
    public var architecture: GANArchitecture { discriminator.architecture }
    public var calibration: TemperatureScaling
    /// Scores at or above this are `fake` (before the uncertain band).
    public var threshold: Double
    /// Half-width of the `uncertain` band around the threshold.
    public var uncertainBand: Double
    public var crop: CropConvention
    /// The aligned-crop template the model was trained with (nil: box crops by ``crop``).
    public var alignment: AlignedCropTemplate?
    /// Whether the temperature and threshold were fitted (false for a raw GAN discriminator).
    public var isCalibrated: Bool
    /// The file's metadata (everything, including the fields above as strings).
    public var metadata: [String: String]

    public init(discriminator: Discriminator, calibration: TemperatureScaling = .init(), threshold: Double = 0.5,
                uncertainBand: Double = 0.1, crop: CropConvention = .utkface, alignment: AlignedCropTemplate? = nil,
                isCalibrated: Bool = false, metadata: [String: String] = [:]) {
        self.alignment = alignment
        precondition(discriminator.architecture.kind == .dcgan && !discriminator.architecture.isConditional,
                     "the detector takes an unconditional DCGAN discriminator")
        self.discriminator = discriminator
        let layers = discriminator.main.layers
        precondition(layers.last is Sigmoid, "D must end with a sigmoid")
        logitNetwork = Sequential(Array(layers.dropLast()))
        self.calibration = calibration
        self.threshold = threshold
        self.uncertainBand = uncertainBand
        self.crop = crop
        self.isCalibrated = isCalibrated
        self.metadata = metadata
    }

    /// Image side the detector takes.
    public var imageSize: Int { architecture.imageSize }

    /// How faces are cut for this model: aligned by eyes and mouth when it was trained so, else a
    /// box crop by its convention; at its image size.
    public var cropSpec: FaceCropSpec {
        alignment.map { .aligned($0, size: imageSize) } ?? .box(crop, size: imageSize)
    }

    /// The name of the crop the model takes (`aligned-v1`, `utkface-chip-v1`, …).
    public var cropName: String { alignment?.name ?? crop.name }

    /// Fake-logits (−D's logit) of `[N, 3, S, S]` images in [-1, 1], in eval mode (BatchNorm on
    /// running statistics), so every image's score is independent of the others in its batch.
    public func fakeLogits(_ images: Tensor) -> [Double] {
        discriminator.setTraining(false)
        let output = logitNetwork.forward(images, recording: false)
        return (0..<output.count).map { -Double(output[flat: $0]) }
    }

    /// Calibrated probabilities of fake.
    public func probabilities(_ images: Tensor) -> [Double] {
        fakeLogits(images).map { calibration.probability(logit: $0) }
    }

    // MARK: - Files

    /// Reads a detector file, or uses a GAN file's discriminator as an uncalibrated detector
    /// (a training checkpoint, or the `deepfake-gan-networks/1` file in `models/`).
    /// - Throws: `DetectorError` `.notFound` or `.invalidModel`, naming the file.
    public static func load(_ url: URL) throws(DetectorError) -> DetectorModel {
        let path = url.path
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: url)
        } catch {
            if error.code == .fileNotFound {
                throw DetectorError(.notFound, path: path, "no such model file. Pass --model with a detector from models/ or built by `deepfake detector build`")
            }
            throw DetectorError(.invalidModel, path: path, "not a readable safetensors model: \(error.message)")
        }
        let schema = file.metadata["schema"] ?? ""
        let known = [Self.schema, TrainingCheckpoint.schema, GeneratorFile.networksSchema]
        guard known.contains(schema) else {
            throw DetectorError(
                .invalidModel, path: path,
                "schema \(schema.isEmpty ? "missing" : "'\(schema)'") is not a detector or a GAN file with a discriminator "
                    + "(expected one of \(known.joined(separator: ", "))). A generator-only file cannot detect")
        }
        let architecture: GANArchitecture
        do {
            architecture = try GANArchitecture(metadata: file.metadata, path: path)
        } catch {
            throw DetectorError(.invalidModel, path: path, error.message)
        }
        guard architecture.kind == .dcgan, !architecture.isConditional, architecture.channels == 3 else {
            throw DetectorError(.invalidModel, path: path,
                                "holds a \(architecture.summary) GAN; the detector needs an unconditional colour DCGAN")
        }
        let discriminator = Discriminator(architecture)
        do {
            try discriminator.loadState(from: file, prefix: "discriminator")
        } catch {
            throw DetectorError(.invalidModel, path: path, error.message)
        }
        let m = file.metadata
        guard schema == Self.schema else {
            return DetectorModel(discriminator: discriminator, metadata: m)
        }
        func number(_ key: String) throws(DetectorError) -> Double {
            guard let text = m[key], let value = Double(text), value.isFinite else {
                throw DetectorError(.invalidModel, path: path, "metadata '\(key)' is missing or not a number; the file is damaged. Rebuild it")
            }
            return value
        }
        let temperature = try number("temperature"), threshold = try number("threshold"), band = try number("uncertain_band")
        guard (1e-3...1e3).contains(temperature), (0...1).contains(threshold), (0...0.5).contains(band) else {
            throw DetectorError(.invalidModel, path: path,
                                "metadata out of range: temperature \(temperature) (0.001...1000), threshold \(threshold) (0...1), "
                                    + "uncertain_band \(band) (0...0.5); the file is damaged. Rebuild it")
        }
        guard let cropText = m["crop"], let crop = try? JSONDecoder().decode(CropConvention.self, from: Data(cropText.utf8)) else {
            throw DetectorError(.invalidModel, path: path, "metadata 'crop' is missing or not a crop convention; rebuild it")
        }
        var alignment: AlignedCropTemplate?
        if let text = m["alignment"] {
            guard let template = try? JSONDecoder().decode(AlignedCropTemplate.self, from: Data(text.utf8)) else {
                throw DetectorError(.invalidModel, path: path, "metadata 'alignment' is not an aligned-crop template; the file is damaged. Rebuild it")
            }
            guard AlignedCropTemplate.known.contains(template) else {
                let names = AlignedCropTemplate.known.map(\.name).joined(separator: ", ")
                throw DetectorError(.invalidModel, path: path,
                                    "metadata 'alignment' names a crop template this version does not know ('\(template.name)'; known: \(names)). "
                                        + "Use the version of deepfake that built the model, or rebuild it")
            }
            alignment = template
        }
        return DetectorModel(discriminator: discriminator, calibration: TemperatureScaling(temperature: temperature),
                             threshold: threshold, uncertainBand: band, crop: crop, alignment: alignment,
                             isCalibrated: m["calibrated"] == "true", metadata: m)
    }

    /// Writes a detector file (F32), atomically. `extra` adds provenance to the metadata.
    public func write(to url: URL, extra: [String: String] = [:]) throws(DetectorError) {
        var m = metadata
        for (key, value) in extra { m[key] = value }
        for (key, value) in architecture.metadata { m[key] = value }
        m["schema"] = Self.schema
        m["temperature"] = String(calibration.temperature)
        m["threshold"] = String(threshold)
        m["uncertain_band"] = String(uncertainBand)
        m["calibrated"] = String(isCalibrated)
        m["normalisation"] = GeneratorFile.normalisation
        m["score"] = "p_fake = sigmoid(-logit_D / temperature), D in eval mode (BatchNorm running statistics)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        m["crop"] = String(decoding: (try? encoder.encode(crop)) ?? Data(), as: UTF8.self)
        m["alignment"] = alignment.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) }
        var tensors: [String: Tensor] = [:]
        for (key, value) in discriminator.stateDict() { tensors["discriminator." + key] = value }
        do {
            try SafeTensorsFile.write(tensors, dtype: .f32, metadata: m, to: url)
        } catch {
            throw DetectorError(.writeFailed, path: url.path, "cannot write the detector: \(error.message)")
        }
        metadata = m
    }
}

/// A detector model or scoring failure, naming the file and what to do.
public struct DetectorError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case notFound = "not-found"
        case invalidModel = "invalid-model"
        case writeFailed = "write-failed"
        case invalidData = "invalid-data"
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ reason: String) {
        self.code = code
        self.path = path
        message = "'\(path)': \(reason)" + (reason.hasSuffix(".") ? "" : ".")
    }

    public var description: String { message }
}
