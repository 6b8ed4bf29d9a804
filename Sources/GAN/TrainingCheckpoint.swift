import Foundation
import NN

/// A training checkpoint: one safetensors file with everything a run needs to continue bit for bit.
///
/// Tensors (all F32, so values round-trip exactly):
/// - `generator.main.…`, `discriminator.main.…`: both `state_dict`s (PyTorch keys under a prefix);
/// - `optimizer_g.exp_avg.<key>`, `optimizer_g.exp_avg_sq.<key>` and the same for `optimizer_d`:
///   Adam's moments by parameter key.
///
/// `__metadata__`: `schema` (`deepfake-gan-checkpoint/1`), the architecture (`arch`, `image_size`,
/// `channels`, `nz`, `ngf`, `ndf`, `classes`), `training` (the `TrainingConfiguration` as JSON),
/// `optimizer_g.step`, `optimizer_d.step`, `rng_state` (the noise generator's state), `step`,
/// `data_position` (JSON), plus whatever the caller adds (run configuration, monitor state, SWD).
/// The write is atomic (temporary file, then rename).
public enum TrainingCheckpoint {
    /// The `schema` value of a checkpoint.
    public static let schema = "deepfake-gan-checkpoint/1"

    /// What a checkpoint restores.
    public struct Contents {
        /// The trainer with networks, optimizers, noise state and step restored.
        public var trainer: GANTrainer
        /// The data loader's position to continue from.
        public var position: DataPosition
        /// The whole `__metadata__`, including the caller's extras.
        public var metadata: [String: String]
    }

    /// Writes a checkpoint of `trainer`.
    /// - Parameters:
    ///   - trainer: the state to save.
    ///   - position: the data loader's position (the next batch).
    ///   - extra: more metadata strings (must not reuse the keys above).
    ///   - url: the file.
    /// - Throws: `TrainingError` `.writeFailed`.
    public static func write(_ trainer: GANTrainer, position: DataPosition, extra: [String: String] = [:],
                             to url: URL) throws(TrainingError) {
        var tensors: [String: Tensor] = [:]
        for (key, entry) in trainer.generator.stateEntries() { tensors["generator." + key] = entry.value }
        for (key, entry) in trainer.discriminator.stateEntries() { tensors["discriminator." + key] = entry.value }
        for (name, model, optimizer) in [("optimizer_g", trainer.generator as any Layer, trainer.optimizerG),
                                         ("optimizer_d", trainer.discriminator as any Layer, trainer.optimizerD)] {
            for (index, (key, _)) in model.namedParameters.enumerated() {
                tensors["\(name).exp_avg.\(key)"] = optimizer.firstMoments[index]
                tensors["\(name).exp_avg_sq.\(key)"] = optimizer.secondMoments[index]
            }
        }
        var metadata = extra
        for (key, value) in trainer.architecture.metadata { metadata[key] = value }
        metadata["schema"] = schema
        metadata["training"] = JSON.string(trainer.configuration)
        metadata["optimizer_g.step"] = String(trainer.optimizerG.stepCount)
        metadata["optimizer_d.step"] = String(trainer.optimizerD.stepCount)
        metadata["rng_state"] = String(trainer.random.state)
        metadata["step"] = String(trainer.step)
        metadata["data_position"] = JSON.string(position)
        do {
            try SafeTensorsFile.write(tensors, metadata: metadata, to: url)
        } catch {
            throw TrainingError(code: .writeFailed, path: url.path,
                                message: "Cannot write checkpoint '\(url.path)': \(error.message)")
        }
    }

    /// Reads a checkpoint and rebuilds the trainer.
    /// - Parameters:
    ///   - url: the checkpoint file.
    ///   - expected: the architecture the caller wants, or `nil` to take the file's.
    /// - Throws: `TrainingError` `.corruptCheckpoint` (unreadable, not a checkpoint, missing tensor)
    ///   or `.architectureMismatch` (another architecture than `expected`).
    public static func read(_ url: URL, expecting expected: GANArchitecture? = nil) throws(TrainingError) -> Contents {
        let path = url.path
        let file = try openFile(url)
        guard file.metadata["schema"] == schema else {
            throw TrainingError(
                code: .corruptCheckpoint, path: path,
                message: "'\(path)' is not a GAN training checkpoint (schema \(file.metadata["schema"].map { "'\($0)'" } ?? "missing"), "
                    + "expected '\(schema)'). Resume from a run folder written by `deepfake train`.")
        }
        let architecture = try GANArchitecture(metadata: file.metadata, path: path)
        if let expected, expected != architecture {
            throw TrainingError(
                code: .architectureMismatch, path: path,
                message: "'\(path)' holds a \(architecture.summary) GAN, not the \(expected.summary) asked for. "
                    + "Drop the architecture options to continue with the checkpoint's, or start a new run folder.")
        }
        func field(_ key: String) throws(TrainingError) -> String {
            guard let value = file.metadata[key] else {
                throw TrainingError(code: .corruptCheckpoint, path: path,
                                    message: "Checkpoint '\(path)' has no '\(key)' in its metadata; it is damaged. "
                                        + "Resume from an earlier checkpoint of the run.")
            }
            return value
        }
        func number<T: FixedWidthInteger>(_ key: String, as: T.Type) throws(TrainingError) -> T {
            guard let value = T(try field(key)) else {
                throw TrainingError(code: .corruptCheckpoint, path: path,
                                    message: "Checkpoint '\(path)' has an invalid '\(key)'; it is damaged.")
            }
            return value
        }
        guard let configuration = JSON.decode(TrainingConfiguration.self, from: try field("training")),
              let position = JSON.decode(DataPosition.self, from: try field("data_position"))
        else {
            throw TrainingError(code: .corruptCheckpoint, path: path,
                                message: "Checkpoint '\(path)' has invalid training settings in its metadata; it is damaged.")
        }
        let generator = Generator(architecture)
        let discriminator = Discriminator(architecture)
        do {
            try generator.loadState(from: file, prefix: "generator")
            try discriminator.loadState(from: file, prefix: "discriminator")
        } catch {
            throw TrainingError(code: .corruptCheckpoint, path: path, message: error.message)
        }
        let trainer = GANTrainer(generator: generator, discriminator: discriminator, configuration: configuration,
                                 random: SeededGenerator(seed: try number("rng_state", as: UInt64.self)))
        trainer.step = try number("step", as: Int.self)
        for (name, model, optimizer) in [("optimizer_g", generator as any Layer, trainer.optimizerG),
                                         ("optimizer_d", discriminator as any Layer, trainer.optimizerD)] {
            optimizer.stepCount = try number("\(name).step", as: Int.self)
            for (index, (key, parameter)) in model.namedParameters.enumerated() {
                for (kind, isFirst) in [("exp_avg", true), ("exp_avg_sq", false)] {
                    let tensorName = "\(name).\(kind).\(key)"
                    guard file.contains(tensorName), let tensor = try? file.tensor(named: tensorName),
                          tensor.shape == parameter.value.shape
                    else {
                        throw TrainingError(code: .corruptCheckpoint, path: path,
                                            message: "Checkpoint '\(path)' lacks the optimizer tensor '\(tensorName)' "
                                                + "(or its shape is wrong); it is damaged. Resume from an earlier checkpoint.")
                    }
                    if isFirst { optimizer.firstMoments[index] = tensor } else { optimizer.secondMoments[index] = tensor }
                }
            }
        }
        return Contents(trainer: trainer, position: position, metadata: file.metadata)
    }

    /// Opens a safetensors file, turning its errors into `TrainingError`s.
    static func openFile(_ url: URL) throws(TrainingError) -> SafeTensorsFile {
        do {
            return try SafeTensorsFile(contentsOf: url)
        } catch {
            let code: TrainingError.Code = error.code == .fileNotFound ? .invalidRunFolder : .corruptCheckpoint
            throw TrainingError(code: code, path: url.path, message: error.message)
        }
    }
}

/// Small JSON helpers for metadata strings: sorted keys, so equal values give equal files.
enum JSON {
    static func string<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
