import Foundation
import Media

/// Pastes a generated face into a frame: resized to the face box, colour-matched to the face it
/// replaces, and blended through a feathered elliptical mask (optionally Poisson-blended first).
public struct Compositor: Sendable {
    public enum Blending: String, Sendable, Codable, CaseIterable {
        /// Alpha blending through the feathered mask.
        case feather
        /// Poisson (gradient-domain) blending inside the mask (Pérez et al., SIGGRAPH 2003),
        /// then the feathered mask; hides colour steps at the cost of some time.
        case poisson
    }

    public var blending: Blending
    public var matchColor: Bool
    public var feather: Double
    /// Masks by size: a face box keeps about the same size from frame to frame.
    private let masks = MaskCache()

    public init(blending: Blending = .feather, matchColor: Bool = true, feather: Double = 0.2) {
        self.blending = blending
        self.matchColor = matchColor
        self.feather = feather
    }

    /// The result of pasting one face.
    public struct Paste: Sendable {
        /// The integer box that was written: `x, y, width, height` in frame pixels.
        public var box: (x: Int, y: Int, width: Int, height: Int)
        public var mask: FaceMask
    }

    /// Pastes `face` into `frame` over the box `x, y, width, height` (pixels, may extend past the
    /// frame; only the inside is written).
    @discardableResult
    public func paste(_ face: RGBImage, into frame: inout RGBImage, x: Double, y: Double, width: Double, height: Double) -> Paste {
        let bx = Int(x.rounded()), by = Int(y.rounded())
        let bw = max(2, Int(width.rounded())), bh = max(2, Int(height.rounded()))
        let mask = masks.mask(width: bw, height: bh, feather: feather)
        let original = frame.cropped(x: bx, y: by, width: bw, height: bh)
        var generated = face.resized(width: bw, height: bh)
        if matchColor { generated = ColorTransfer.match(generated, to: original, mask: mask) }
        let blended: [Float]
        switch blending {
        case .feather: blended = generated.pixels.map(Float.init)
        case .poisson: blended = Self.poisson(source: generated, target: original, mask: mask)
        }
        let (fw, fh) = (frame.width, frame.height)
        mask.weights.withUnsafeBufferPointer { weights in
            blended.withUnsafeBufferPointer { source in
                frame.pixels.withUnsafeMutableBufferPointer { pixels in
                    for row in 0..<bh {
                        let fy = by + row
                        guard fy >= 0 && fy < fh else { continue }
                        for col in 0..<bw {
                            let fx = bx + col
                            let w = weights[row * bw + col]
                            guard fx >= 0 && fx < fw && w > 0 else { continue }
                            let f = (fy * fw + fx) * 3, s = (row * bw + col) * 3
                            for c in 0..<3 {
                                let v = w * source[s + c] + (1 - w) * Float(pixels[f + c])
                                pixels[f + c] = UInt8(min(max(v.rounded(), 0), 255))
                            }
                        }
                    }
                }
            }
        }
        return Paste(box: (bx, by, bw, bh), mask: mask)
    }

    /// Solves ∇²f = ∇²source inside the mask with f = target on its border, by successive
    /// over-relaxation (ω = 1.9) from the target, per channel.
    static func poisson(source: RGBImage, target: RGBImage, mask: FaceMask, iterations: Int = 300) -> [Float] {
        let w = source.width, h = source.height
        var f = target.pixels.map(Float.init)
        let g = source.pixels.map(Float.init)
        let inside = mask.weights.map { $0 > 0 }
        let omega: Float = 1.9
        for _ in 0..<iterations {
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) where inside[y * w + x] {
                    for c in 0..<3 {
                        let i = (y * w + x) * 3 + c
                        let neighbours = f[i - 3] + f[i + 3] + f[i - w * 3] + f[i + w * 3]
                        let laplacian = 4 * g[i] - g[i - 3] - g[i + 3] - g[i - w * 3] - g[i + w * 3]
                        let update = (neighbours + laplacian) / 4
                        f[i] += omega * (update - f[i])
                    }
                }
            }
        }
        return f
    }
}

/// The last few masks made, by size and feather.
final class MaskCache: @unchecked Sendable {
    private var entries: [(width: Int, height: Int, feather: Double, mask: FaceMask)] = []

    func mask(width: Int, height: Int, feather: Double) -> FaceMask {
        if let hit = entries.first(where: { $0.width == width && $0.height == height && $0.feather == feather }) {
            return hit.mask
        }
        let mask = FaceMask(width: width, height: height, feather: feather)
        entries.append((width, height, feather, mask))
        if entries.count > 16 { entries.removeFirst() }
        return mask
    }
}
