import Media
import NN

/// Face crops to the detector's input: `[N, 3, S, S]` float32 in [-1, 1], `x = pixel / 127.5 − 1`
/// (the GAN's normalisation, recorded in every model file).
public enum FaceTensors {
    /// Stacks `S × S` crops into one batch. Every crop must have the same square size.
    public static func batch(_ crops: [RGBImage]) -> Tensor {
        precondition(!crops.isEmpty, "an empty batch")
        let size = crops[0].width
        precondition(crops.allSatisfy { $0.width == size && $0.height == size }, "crops must be square and of one size")
        let plane = size * size
        var values = [Float](repeating: 0, count: crops.count * 3 * plane)
        values.withUnsafeMutableBufferPointer { out in
            for (n, crop) in crops.enumerated() {
                crop.pixels.withUnsafeBufferPointer { p in
                    let base = n * 3 * plane
                    for k in 0..<plane {
                        out[base + k] = Float(p[3 * k]) / 127.5 - 1
                        out[base + plane + k] = Float(p[3 * k + 1]) / 127.5 - 1
                        out[base + 2 * plane + k] = Float(p[3 * k + 2]) / 127.5 - 1
                    }
                }
            }
        }
        return Tensor(shape: [crops.count, 3, size, size], data: values)
    }
}
