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
        let s = toYCbCr(source), t = toYCbCr(target)
        let weights = mask?.weights ?? [Float](repeating: 1, count: source.width * source.height)
        var out = s
        for channel in 0..<3 {
            let (ms, ss) = stats(s, channel, weights)
            let (mt, st) = stats(t, channel, weights)
            // Chroma spread is often tiny on a face; cap the gain so noise is not blown up.
            let gain = ss > 1e-3 ? min(st / ss, 3) : 1
            for i in stride(from: channel, to: out.count, by: 3) {
                out[i] = (s[i] - ms) * gain + mt
            }
        }
        return fromYCbCr(out, width: source.width, height: source.height)
    }

    static func stats(_ values: [Float], _ channel: Int, _ weights: [Float]) -> (mean: Float, std: Float) {
        var sum: Double = 0, total: Double = 0
        for (i, w) in weights.enumerated() where w > 0 {
            sum += Double(w) * Double(values[i * 3 + channel])
            total += Double(w)
        }
        guard total > 0 else { return (0, 0) }
        let mean = sum / total
        var variance: Double = 0
        for (i, w) in weights.enumerated() where w > 0 {
            let d = Double(values[i * 3 + channel]) - mean
            variance += Double(w) * d * d
        }
        return (Float(mean), Float((variance / total).squareRoot()))
    }

    static func toYCbCr(_ image: RGBImage) -> [Float] {
        var out = [Float](repeating: 0, count: image.pixels.count)
        for i in stride(from: 0, to: out.count, by: 3) {
            let r = Float(image.pixels[i]), g = Float(image.pixels[i + 1]), b = Float(image.pixels[i + 2])
            out[i] = 0.299 * r + 0.587 * g + 0.114 * b
            out[i + 1] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
            out[i + 2] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
        }
        return out
    }

    static func fromYCbCr(_ values: [Float], width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: values.count)
        for i in stride(from: 0, to: values.count, by: 3) {
            let y = values[i], cb = values[i + 1] - 128, cr = values[i + 2] - 128
            let rgb = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb]
            for c in 0..<3 { pixels[i + c] = UInt8(min(max(rgb[c].rounded(), 0), 255)) }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
