import Foundation

// Moving a model's parameters and buffers in and out of safetensors files under PyTorch
// `state_dict` keys, so a file moves between this project and PyTorch without conversion.

extension Layer {
    /// Replaces every parameter and buffer with the tensor of the same key in `file`, like
    /// PyTorch's `load_state_dict(strict=True)` for missing keys. Tensors the model does not have are
    /// ignored (metadata-only extras, or the other network of a GAN checkpoint under another prefix).
    ///
    /// Nothing is changed unless every tensor is present with the right shape.
    /// - Parameters:
    ///   - file: an opened safetensors file.
    ///   - prefix: prepended to each key with a dot, e.g. `netG` reads `netG.main.0.weight`.
    /// - Throws: `CheckpointError` `.tensorNotFound` (naming the key), `.shapeMismatch`, or
    ///   `.nonFiniteValue` for a tensor holding NaN or an infinity.
    public func loadState(from file: SafeTensorsFile, prefix: String = "") throws(CheckpointError) {
        var loaded: [(StateEntry, Tensor)] = []
        for (key, entry) in stateEntries() {
            let name = joinedKey(prefix, key)
            guard file.contains(name) else {
                throw CheckpointError(
                    code: .tensorNotFound, path: file.path, tensorName: name,
                    message:
                        "Missing tensor '\(name)' in '\(file.path)' (expected \(entry.value.shape)). "
                        + "Check that the file holds this model's state_dict, saved with the same architecture."
                )
            }
            let tensor = try file.tensor(named: name)
            // PyTorch stores num_batches_tracked with shape []; accept any single-element shape for scalars.
            let expected = entry.value.shape
            guard tensor.shape == expected || (expected.isEmpty && tensor.count == 1) else {
                throw CheckpointError(
                    code: .shapeMismatch, path: file.path, tensorName: name,
                    message:
                        "Cannot load tensor '\(name)' from '\(file.path)': shape \(tensor.shape) but the "
                        + "model expects \(expected). Check the architecture settings (nz, ngf, ndf) the file was saved with."
                )
            }
            // A NaN or infinite weight poisons every output; refuse it here, naming the tensor,
            // rather than let it surface as NaN scores or a crash converting pixels.
            if let bad = tensor.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
                let value = tensor.withUnsafeBufferPointer { $0[bad] }
                throw CheckpointError(
                    code: .nonFiniteValue, path: file.path, tensorName: name,
                    message:
                        "Tensor '\(name)' in '\(file.path)' holds \(value) at element \(bad): the model is damaged "
                        + "(a diverged training run or a corrupt copy). Use another model file, or retrain or re-export it."
                )
            }
            loaded.append((entry, tensor.reshaped(expected)))
        }
        for (entry, tensor) in loaded {
            switch entry {
            case .parameter(let parameter): parameter.value = tensor
            case .buffer(let buffer): buffer.value = tensor
            }
        }
    }

    /// Writes every parameter and buffer to a safetensors file under `prefix.key`.
    /// - Parameters:
    ///   - url: the file; written to a temporary name and renamed, so a crash leaves no partial file.
    ///   - prefix: prepended to each key with a dot (empty for none).
    ///   - metadata: strings for `__metadata__` (architecture, provenance, …).
    /// - Throws: `CheckpointError` `.writeFailed`.
    public func saveState(to url: URL, prefix: String = "", metadata: [String: String] = [:])
        throws(CheckpointError)
    {
        var tensors: [String: Tensor] = [:]
        for (key, entry) in stateEntries() { tensors[joinedKey(prefix, key)] = entry.value }
        try SafeTensorsFile.write(tensors, metadata: metadata, to: url)
    }
}
