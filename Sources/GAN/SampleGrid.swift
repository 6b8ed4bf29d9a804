import Foundation
import NN

/// Sampling helpers: fixed noise, image grids and latent interpolation.
public enum SampleGrid {
    /// Noise that does not change through a run, from its own seed: `[count, nz, 1, 1]`.
    public static func fixedNoise(count: Int, noiseSize: Int, seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed ^ 0x6669_7865_645F_6E7A)
        return .randomNormal(shape: [count, noiseSize, 1, 1], using: &random)
    }

    /// Labels cycling through the classes (`0, 1, …, K−1, 0, …`), or `nil` when unconditional.
    public static func cyclingLabels(count: Int, classCount: Int) -> [Int]? {
        classCount > 0 ? (0..<count).map { $0 % classCount } : nil
    }

    /// Runs G on noise in batches of at most 64, with BatchNorm on each batch's statistics as
    /// pytorch/examples `dcgan/main.py` samples (its fixed-noise grids run `netG` in training mode).
    /// Early in training the running statistics lag far behind (running variance starts at 1
    /// while G's activations are ~10⁻⁴), so eval-mode samples would be near-constant images. The
    /// running statistics are saved and restored, so sampling changes nothing in G.
    /// - Parameters:
    ///   - generator: G.
    ///   - noise: `[N, nz, 1, 1]`.
    ///   - labels: N labels for a conditional G.
    /// - Returns: `[N, C, S, S]` in [-1, 1].
    public static func generate(_ generator: Generator, noise: Tensor, labels: [Int]?) -> Tensor {
        let a = generator.architecture
        let n = noise.shape[0]
        let perImage = a.channels * a.imageSize * a.imageSize
        var output = [Float]()
        output.reserveCapacity(n * perImage)
        let buffers = generator.stateEntries().compactMap { entry -> (Buffer, Tensor)? in
            if case .buffer(let buffer) = entry.entry { return (buffer, buffer.value) }
            return nil
        }
        generator.setTraining(true)
        defer { for (buffer, saved) in buffers { buffer.value = saved } }
        let values = noise.data
        for start in stride(from: 0, to: n, by: 64) {
            let end = min(start + 64, n)
            let chunk = Tensor(shape: [end - start, a.noiseSize, 1, 1],
                               data: Array(values[(start * a.noiseSize)..<(end * a.noiseSize)]))
            let input = Conditioning.generatorInput(noise: chunk, labels: labels.map { Array($0[start..<end]) },
                                                    classCount: a.classCount)
            output += generator.infer(input).data
        }
        return Tensor(shape: [n, a.channels, a.imageSize, a.imageSize], data: output)
    }

    /// Spherical interpolation between two noise vectors (White 2016, "Sampling Generative
    /// Networks"), `steps` points including both ends.
    /// - Parameters:
    ///   - from: `[1, nz, 1, 1]` or `[nz]` values.
    ///   - to: the same size.
    /// - Returns: `[steps, nz, 1, 1]`.
    public static func interpolate(from a: [Float], to b: [Float], steps: Int) -> Tensor {
        precondition(a.count == b.count && steps >= 2, "interpolate needs equal sizes and at least 2 steps")
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let normA = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let normB = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let omega = acos(min(max(dot / max(normA * normB, 1e-12), -1), 1))
        var values: [Float] = []
        for step in 0..<steps {
            let t = Double(step) / Double(steps - 1)
            let (wa, wb): (Double, Double) = omega < 1e-6
                ? (1 - t, t) : (sin((1 - t) * omega) / sin(omega), sin(t * omega) / sin(omega))
            values += zip(a, b).map { Float(wa * Double($0.0) + wb * Double($0.1)) }
        }
        return Tensor(shape: [steps, a.count, 1, 1], data: values)
    }

    /// Tiles images into one image with a 2-pixel border, `columns` per row.
    /// - Parameters:
    ///   - images: `[N, C, S, S]`.
    ///   - columns: images per row (default: ⌈√N⌉).
    /// - Returns: `[1, C, H, W]` with the border at -1 (black).
    public static func tile(_ images: Tensor, columns: Int? = nil) -> Tensor {
        let (n, c, s) = (images.shape[0], images.shape[1], images.shape[2])
        let cols = max(1, columns ?? Int(Double(n).squareRoot().rounded(.up)))
        let rows = (n + cols - 1) / cols
        let pad = 2
        let (height, width) = (rows * (s + pad) + pad, cols * (s + pad) + pad)
        var grid = [Float](repeating: -1, count: c * height * width)
        images.withUnsafeBufferPointer { values in
            for image in 0..<n {
                let (top, left) = (pad + (image / cols) * (s + pad), pad + (image % cols) * (s + pad))
                for channel in 0..<c {
                    for y in 0..<s {
                        for x in 0..<s {
                            grid[(channel * height + top + y) * width + left + x] =
                                values[((image * c + channel) * s + y) * s + x]
                        }
                    }
                }
            }
        }
        return Tensor(shape: [1, c, height, width], data: grid)
    }
}

