import Media
import NN

/// Face crops to and from the networks' tensors: `[N, C, S, S]` float32 in [-1, 1],
/// `x = pixel / 127.5 − 1` (the GAN's normalisation, recorded in every model file). The loader,
/// the generator's samples, `alter` and the detector all convert through here.
public enum FaceTensors {
    /// Stacks `S × S` RGB crops into one `[N, 3, S, S]` batch. Every crop must have the same square size.
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

    /// Image `index` of `[N, C, H, W]` in [-1, 1] as 8-bit RGB (one channel is replicated to grey).
    /// Values outside [-1, 1] are clamped and NaN becomes 0 (black), so a damaged network's output
    /// still converts.
    public static func image(_ tensor: Tensor, index: Int = 0) -> RGBImage {
        let (c, h, w) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let plane = h * w
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        tensor.withUnsafeBufferPointer { values in
            pixels.withUnsafeMutableBufferPointer { out in
                for channel in 0..<3 {
                    let base = (index * c + min(channel, c - 1)) * plane
                    for k in 0..<plane {
                        out[k * 3 + channel] = pixel(values[base + k])
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// `x` in [-1, 1] as a byte, `(x + 1) · 127.5` rounded; clamped to 0...255, NaN to 0.
    @inline(__always)
    static func pixel(_ x: Float) -> UInt8 {
        let value = ((x + 1) * 127.5).rounded()
        // Written so that NaN fails both comparisons and lands on 0.
        if value >= 255 { return 255 }
        if value > 0 { return UInt8(value) }
        return 0
    }
}
