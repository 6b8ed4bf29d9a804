import Foundation
import NN

/// The standalone generator file that `deepfake generate` reads and `models/` ships: G's
/// `state_dict` under its plain PyTorch keys (`main.0.weight`, …, loadable by
/// `netG.load_state_dict` as is), F32 or F16.
///
/// `__metadata__`: `schema` (`deepfake-gan-generator/1`), the architecture fields, `normalisation`
/// (`[-1,1]: x = pixel / 127.5 - 1`), `crop` (the face crop convention of the training images),
/// and provenance the caller adds (for a conditional model `label_column` and `class_names`).
public enum GeneratorFile {
    /// The `schema` value of a generator file.
    public static let schema = "deepfake-gan-generator/1"
    /// How pixels map to G's output range.
    public static let normalisation = "[-1,1]: x = pixel / 127.5 - 1"
    /// The crop convention recorded until the faces module fixes one: UTKFace's aligned chips.
    public static let defaultCrop = "utkface-chip: aligned and cropped face chips, resized to the model size"

    /// Writes G alone.
    /// - Parameters:
    ///   - generator: the network.
    ///   - halfPrecision: store F16 (half the size; values round to about 3 significant digits).
    ///   - extra: provenance and other metadata strings.
    ///   - url: the file; written atomically.
    /// - Throws: `TrainingError` `.writeFailed`.
    public static func write(_ generator: Generator, halfPrecision: Bool = false, extra: [String: String] = [:],
                             to url: URL) throws(TrainingError) {
        var metadata = extra
        for (key, value) in generator.architecture.metadata { metadata[key] = value }
        metadata["schema"] = schema
        metadata["normalisation"] = normalisation
        metadata["sampling"] = "BatchNorm on batch statistics, batches of 64 (as dcgan/main.py samples)"
        if metadata["crop"] == nil { metadata["crop"] = defaultCrop }
        do {
            try SafeTensorsFile.write(generator.stateDict(), dtype: halfPrecision ? .f16 : .f32, metadata: metadata,
                                      to: url)
        } catch {
            throw TrainingError(code: .writeFailed, path: url.path,
                                message: "Cannot write generator '\(url.path)': \(error.message)")
        }
    }

    /// The `schema` of a file holding both networks without optimizer state (`models/`).
    public static let networksSchema = "deepfake-gan-networks/1"

    /// Writes G and D (no optimizer state) under `generator.` and `discriminator.` prefixes: the
    /// shipped model, from which the detector starts with D. Metadata as `write`.
    /// - Throws: `TrainingError` `.writeFailed`.
    public static func writeNetworks(generator: Generator, discriminator: Discriminator, halfPrecision: Bool = false,
                                     extra: [String: String] = [:], to url: URL) throws(TrainingError) {
        var metadata = extra
        for (key, value) in generator.architecture.metadata { metadata[key] = value }
        metadata["schema"] = networksSchema
        metadata["normalisation"] = normalisation
        metadata["sampling"] = "BatchNorm on batch statistics, batches of 64 (as dcgan/main.py samples)"
        if metadata["crop"] == nil { metadata["crop"] = defaultCrop }
        var tensors: [String: Tensor] = [:]
        for (key, value) in generator.stateDict() { tensors["generator." + key] = value }
        for (key, value) in discriminator.stateDict() { tensors["discriminator." + key] = value }
        do {
            try SafeTensorsFile.write(tensors, dtype: halfPrecision ? .f16 : .f32, metadata: metadata, to: url)
        } catch {
            throw TrainingError(code: .writeFailed, path: url.path,
                                message: "Cannot write '\(url.path)': \(error.message)")
        }
    }

    /// Reads a generator from a generator file or from a training checkpoint (its `generator.`
    /// tensors). Sample with `SampleGrid.generate` (BatchNorm on batch statistics, as the reference).
    /// - Parameter url: the file.
    /// - Returns: G and the file's metadata.
    /// - Throws: `TrainingError` `.corruptCheckpoint` when the file is unreadable or not a GAN file.
    public static func read(_ url: URL) throws(TrainingError) -> (generator: Generator, metadata: [String: String]) {
        let file = try TrainingCheckpoint.openFile(url)
        let prefix: String
        switch file.metadata["schema"] {
        case schema: prefix = ""
        case TrainingCheckpoint.schema, networksSchema: prefix = "generator"
        default:
            throw TrainingError(
                code: .corruptCheckpoint, path: url.path,
                message: "'\(url.path)' is not a generator or GAN checkpoint of this project (schema "
                    + "\(file.metadata["schema"].map { "'\($0)'" } ?? "missing")). Pass a file from `models/` or a run's checkpoint.")
        }
        let architecture = try GANArchitecture(metadata: file.metadata, path: url.path)
        let generator = Generator(architecture)
        do {
            try generator.loadState(from: file, prefix: prefix)
        } catch {
            throw TrainingError(code: .corruptCheckpoint, path: url.path, message: error.message)
        }
        return (generator, file.metadata)
    }

    /// D from a file holding both networks (a training checkpoint or a `models/` GAN file), or nil
    /// for a generator-only file.
    /// - Throws: `TrainingError` `.corruptCheckpoint` when the file is unreadable or D's tensors are damaged.
    public static func readDiscriminator(_ url: URL) throws(TrainingError) -> Discriminator? {
        let file = try TrainingCheckpoint.openFile(url)
        guard [TrainingCheckpoint.schema, networksSchema].contains(file.metadata["schema"] ?? "") else { return nil }
        let discriminator = Discriminator(try GANArchitecture(metadata: file.metadata, path: url.path))
        do {
            try discriminator.loadState(from: file, prefix: "discriminator")
        } catch {
            throw TrainingError(code: .corruptCheckpoint, path: url.path, message: error.message)
        }
        return discriminator
    }
}
