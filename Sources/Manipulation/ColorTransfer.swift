import Media

/// Matches a generated face's colour to the original's: per-channel mean and standard deviation
/// in YCbCr (BT.601, full range), measured where the mask is on. A luma/chroma space keeps
/// brightness and tint separate, so shading is matched without shifting hue (Reinhard et al.,
/// "Color Transfer between Images", 2001, with YCbCr in place of lαβ).
public enum ColorTransfer {
    /// `source` recoloured so that its masked statistics equal `target`'s.
    /// - Parameters:
    ///   - source: the generated face, the same size as `target`.
    ///   - target: the original face region.
    ///   - mask: where to measure (weights); nil measures everywhere.
    public static func match(_ source: RGBImage, to target: RGBImage, mask: FaceMask? = nil) -> RGBImage {
        precondition(source.width == target.width && source.height == target.height, "ColorTransfer: sizes differ")
        var out = toYCbCr(source)
        let t = toYCbCr(target)
        let weights = mask?.weights ?? [Float](repeating: 1, count: source.width * source.height)
        var gains: [Float] = [], offsets: [Float] = []
        for channel in 0..<3 {
            let (ms, ss) = stats(out, channel, weights)
            let (mt, st) = stats(t, channel, weights)
            // Chroma spread is often tiny on a face; cap the gain so noise is not blown up.
            let gain = ss > 1e-3 ? min(st / ss, 3) : 1
            gains.append(gain)
            offsets.append(mt - ms * gain)
        }
        out.withUnsafeMutableBufferPointer { o in
            var i = 0
            while i < o.count {
                o[i] = o[i] * gains[0] + offsets[0]
                o[i + 1] = o[i + 1] * gains[1] + offsets[1]
                o[i + 2] = o[i + 2] * gains[2] + offsets[2]
                i += 3
            }
        }
        return fromYCbCr(out, width: source.width, height: source.height)
    }

    /// Weighted mean and standard deviation of one interleaved channel.
    static func stats(_ values: [Float], _ channel: Int, _ weights: [Float]) -> (mean: Float, std: Float) {
        var sum = 0.0, squares = 0.0, total = 0.0
        values.withUnsafeBufferPointer { v in
            weights.withUnsafeBufferPointer { w in
                for i in 0..<w.count where w[i] > 0 {
                    let weight = Double(w[i]), x = Double(v[i * 3 + channel])
                    sum += weight * x
                    squares += weight * x * x
                    total += weight
                }
            }
        }
        guard total > 0 else { return (0, 0) }
        let mean = sum / total
        return (Float(mean), Float(max(squares / total - mean * mean, 0).squareRoot()))
    }

    static func toYCbCr(_ image: RGBImage) -> [Float] {
        var out = [Float](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                var i = 0
                while i < o.count {
                    let r = Float(p[i]), g = Float(p[i + 1]), b = Float(p[i + 2])
                    o[i] = 0.299 * r + 0.587 * g + 0.114 * b
                    o[i + 1] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
                    o[i + 2] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
                    i += 3
                }
            }
        }
        return out
    }

    static func fromYCbCr(_ values: [Float], width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: values.count)
        // NaN (a flat channel's zero spread, say) becomes 0 rather than trapping in the conversion.
        @inline(__always) func byte(_ v: Float) -> UInt8 { v.isNaN ? 0 : UInt8(min(max(v.rounded(), 0), 255)) }
        values.withUnsafeBufferPointer { v in
            pixels.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < v.count {
                    let y = v[i], cb = v[i + 1] - 128, cr = v[i + 2] - 128
                    p[i] = byte(y + 1.402 * cr)
                    p[i + 1] = byte(y - 0.344136 * cb - 0.714136 * cr)
                    p[i + 2] = byte(y + 1.772 * cb)
                    i += 3
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
