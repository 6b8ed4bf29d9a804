import Foundation
import NN

/// A smooth random displacement field: white noise in [−1, 1] per pixel and axis, blurred by a
/// Gaussian of `sigma` pixels (Simard et al.'s elastic distortion, as albumentations'
/// `ElasticTransform` draws it; SBI applies one to its masks). The blur makes neighbouring
/// displacements nearly equal, so a mask's rim wobbles without tearing or folding.
///
/// albumentations multiplies the blurred noise by `alpha` pixels, which makes the displacement's
/// size depend on σ in pixels (blurred white noise has a spread of `√(1/3) / (2√π σ)`), so that
/// SBI's alpha 50 and sigma 7 move its masks by about 1.2 pixels whatever the face's size. Here the
/// field is given by that spread instead: the noise is scaled so each displacement component has
/// standard deviation `spread` pixels, and both lengths can follow the face.
public struct ElasticField: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Displacement along x and y at each pixel, row-major.
    public let dx: [Float]
    public let dy: [Float]

    /// Draws a field from `seed`: all of x's noise row by row, then all of y's, each on the field
    /// padded by the kernel's radius so the blur sees noise, not a border, everywhere.
    public init(width: Int, height: Int, sigma: Double, spread: Double, seed: UInt64) {
        precondition(width > 0 && height > 0 && sigma >= 0 && spread >= 0)
        self.width = width
        self.height = height
        var random = SeededGenerator(seed: seed)
        let kernel = GaussianKernel(sigma: sigma, radius: Int((3 * sigma).rounded(.up)))
        // Blurred uniform noise has variance (1/3) · Σ w² over the 2-D kernel (Σ w² per axis, squared).
        let keep = kernel.weights.reduce(0) { $0 + Double($1) * Double($1) }
        let gain = Float(spread / ((1.0 / 3).squareRoot() * keep))
        let r = kernel.radius, paddedWidth = width + 2 * r, paddedHeight = height + 2 * r
        func component() -> [Float] {
            let noise = SoftMask(width: paddedWidth, height: paddedHeight,
                                 values: (0..<(paddedWidth * paddedHeight)).map { _ in Float(2 * random.nextUniform() - 1) })
            let blurred = noise.blurred(x: kernel, y: kernel, everywhere: true).values
            var out = [Float](repeating: 0, count: width * height)
            for y in 0..<height {
                for x in 0..<width { out[y * width + x] = blurred[(y + r) * paddedWidth + x + r] * gain }
            }
            return out
        }
        dx = component()
        dy = component()
    }

    /// The largest change of a displacement between neighbouring pixels (pixels per pixel).
    public var maximumGradient: Float {
        var g: Float = 0
        for field in [dx, dy] {
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    if x + 1 < width { g = max(g, abs(field[i + 1] - field[i])) }
                    if y + 1 < height { g = max(g, abs(field[i + width] - field[i])) }
                }
            }
        }
        return g
    }

    /// The largest displacement length.
    public var maximumDisplacement: Float {
        zip(dx, dy).map { ($0 * $0 + $1 * $1).squareRoot() }.max() ?? 0
    }

    /// `mask` resampled through the field laid with its top-left corner at pixel `(originX, originY)`
    /// of the mask: the output at `p` is the mask at `p + d(p)` (bilinear, zero outside the mask).
    /// Beyond the field nothing moves, so the field needs to cover only the mask's support and
    /// the displacements' reach around it.
    public func warp(_ mask: SoftMask, originX: Int = 0, originY: Int = 0) -> SoftMask {
        var out = mask
        let xs = max(0, originX)..<min(mask.width, originX + width), ys = max(0, originY)..<min(mask.height, originY + height)
        out.values.withUnsafeMutableBufferPointer { o in
            mask.values.withUnsafeBufferPointer { m in
                for y in ys {
                    for x in xs {
                        let i = (y - originY) * width + (x - originX)
                        o[y * mask.width + x] = Self.bilinear(m, width: mask.width, height: mask.height,
                                                              x: Float(x) + dx[i], y: Float(y) + dy[i])
                    }
                }
            }
        }
        return out
    }

    /// How far the displacements of a field of this spread reach in practice (pixels): six
    /// standard deviations, and one more pixel.
    public static func reach(spread: Double) -> Int {
        Int((6 * spread).rounded(.up)) + 1
    }

    /// The plane sampled at `(x, y)` (pixel-centre coordinates), zero beyond its edges. Written as
    /// `a + (b − a)·t`, so between equal weights it returns them exactly (a plateau of 1 stays 1).
    @inline(__always)
    static func bilinear(_ m: UnsafeBufferPointer<Float>, width: Int, height: Int, x: Float, y: Float) -> Float {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let x0 = Int(fx), y0 = Int(fy)
        let u = x - fx, v = y - fy
        @inline(__always) func at(_ x: Int, _ y: Int) -> Float {
            x >= 0 && x < width && y >= 0 && y < height ? m[y * width + x] : 0
        }
        let a = at(x0, y0), b = at(x0 + 1, y0), c = at(x0, y0 + 1), d = at(x0 + 1, y0 + 1)
        let top = a + (b - a) * u, bottom = c + (d - c) * u
        return top + (bottom - top) * v
    }
}

/// A normalised, truncated 1-D Gaussian.
struct GaussianKernel: Sendable, Equatable {
    let radius: Int
    let weights: [Float]

    /// Weights `exp(−i² / 2σ²)` for `i` in `−radius…radius`, summing to 1; radius 0 (or σ 0) is
    /// the identity.
    init(sigma: Double, radius: Int) {
        guard radius > 0, sigma > 0 else {
            self.radius = 0
            weights = [1]
            return
        }
        let raw = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        self.radius = radius
        weights = raw.map { Float($0 / total) }
    }

    /// OpenCV's `GaussianBlur` kernel for an odd `size` and `sigma` (σ 0: OpenCV's default for
    /// that size, `0.3·((size − 1)/2 − 1) + 0.8`).
    init(openCVSize size: Int, sigma: Double) {
        self.init(sigma: sigma > 0 ? sigma : 0.3 * (Double(size - 1) / 2 - 1) + 0.8, radius: (size - 1) / 2)
    }
}

extension SoftMask {
    /// The mask blurred by separable kernels along x and y, edge weights replicated beyond the
    /// border (as CropAugmentation blurs crops). Unless `everywhere`, only the support and the
    /// kernels' reach around it are computed: the rest stays exactly 0, as it is.
    ///
    /// Each pass adds one weighted, shifted copy of a row at a time, so its inner loop runs over
    /// contiguous floats and vectorises.
    func blurred(x kx: GaussianKernel, y ky: GaussianKernel, everywhere: Bool = false) -> SoftMask {
        if kx.radius == 0 && ky.radius == 0 { return self }
        let xs: Range<Int>, ys: Range<Int>
        if everywhere {
            (xs, ys) = (0..<width, 0..<height)
        } else {
            guard let support else { return self }
            xs = max(0, support.x.lowerBound - kx.radius)..<min(width, support.x.upperBound + kx.radius)
            ys = max(0, support.y.lowerBound - ky.radius)..<min(height, support.y.upperBound + ky.radius)
        }
        let (w, h, n) = (width, height, xs.count)
        // The vertical pass reads rows within its radius of `ys`, clamped to the image.
        let readRows = max(0, ys.lowerBound - ky.radius)..<min(h, ys.upperBound + ky.radius)
        var middle = [Float](repeating: 0, count: w * h)
        var out = SoftMask(width: w, height: h)
        // One row of the span, with `radius` replicated edge values on each side.
        var line = [Float](repeating: 0, count: n + 2 * kx.radius)
        values.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { mid in
                line.withUnsafeMutableBufferPointer { line in
                    for y in readRows {
                        let row = y * w
                        for i in 0..<line.count { line[i] = src[row + min(max(xs.lowerBound - kx.radius + i, 0), w - 1)] }
                        let target = mid.baseAddress! + row + xs.lowerBound
                        for (t, weight) in kx.weights.enumerated() {
                            let shifted = line.baseAddress! + t
                            for j in 0..<n { target[j] += weight * shifted[j] }
                        }
                    }
                }
            }
        }
        middle.withUnsafeBufferPointer { mid in
            out.values.withUnsafeMutableBufferPointer { dst in
                for y in ys {
                    let target = dst.baseAddress! + y * w + xs.lowerBound
                    for (t, weight) in ky.weights.enumerated() {
                        let source = mid.baseAddress! + min(max(y + t - ky.radius, 0), h - 1) * w + xs.lowerBound
                        for j in 0..<n { target[j] += weight * source[j] }
                    }
                }
            }
        }
        return out
    }

    /// The mask carried into a `width × height` image whose pixel `(x, y)` lies at
    /// `((x + ½ − origin.x) · scale.x − ½, (y + ½ − origin.y) · scale.y − ½)` of this mask's pixel
    /// grid: bilinear (OpenCV's `resize`, centres aligned), zero beyond the mask. Only image pixels
    /// over the mask's support are computed.
    func placed(width: Int, height: Int, origin: SIMD2<Double>, scale: SIMD2<Double>) -> SoftMask {
        var out = SoftMask(width: width, height: height)
        guard let support else { return out }
        // The image rectangle the support (grown by a pixel for the interpolation) covers.
        func imageRange(_ r: Range<Int>, _ o: Double, _ s: Double, _ limit: Int) -> Range<Int> {
            let lo = max(0, Int((Double(r.lowerBound - 1) + 0.5) / s + o - 0.5)), hi = min(limit, Int(((Double(r.upperBound + 1) + 0.5) / s + o).rounded(.up)))
            return lo..<max(lo, hi)
        }
        let xs = imageRange(support.x, origin.x, scale.x, width), ys = imageRange(support.y, origin.y, scale.y, height)
        values.withUnsafeBufferPointer { m in
            out.values.withUnsafeMutableBufferPointer { o in
                for y in ys {
                    let v = Float((Double(y) + 0.5 - origin.y) * scale.y - 0.5)
                    for x in xs {
                        let u = Float((Double(x) + 0.5 - origin.x) * scale.x - 0.5)
                        o[y * width + x] = ElasticField.bilinear(m, width: self.width, height: self.height, x: u, y: v)
                    }
                }
            }
        }
        return out
    }
}

/// SBI's `get_blend_mask` and `dynamic_blend` (src/utils/blend.py), on a mask already resized to
/// SBI's `maskWidth × maskHeight` (``SelfBlender`` rasterises it there directly).
///
/// SBI resizes its mask (its face crop with margins, twice the 68 landmarks' width and 2.4 times
/// their height) to a random 192…256 pixels a side, blurs it with an odd kernel of 5…25 pixels
/// (OpenCV's default σ for that size), zeroes every weight below 1 (what is left is the hull
/// eroded by the kernel's radius), blurs again with another odd kernel of 5…25 pixels and σ of
/// 5…45 (so the second blur is nearly a box filter of that kernel's width), divides by the
/// maximum, resizes back, and scales by a ratio from {0.25, 0.5, 0.75, 1, 1, 1}. Working at SBI's
/// own mask size keeps its kernels as they are and bounds the cost whatever the image's size.
public struct BlendMaskSteps: Sendable, Equatable, Codable {
    /// SBI's random resize of the mask, its width and height in pixels (192…256).
    public var maskWidth: Int
    public var maskHeight: Int
    /// The first blur's odd kernel size (its σ is OpenCV's default for the size).
    public var firstKernel: Int
    /// The second blur's odd kernel size and its σ, in the mask's pixels.
    public var secondKernel: Int
    public var secondSigma: Double
    /// The blend ratio: the mask's weights are at most this.
    public var ratio: Float

    public init(maskWidth: Int = 224, maskHeight: Int = 224, firstKernel: Int = 5, secondKernel: Int = 5, secondSigma: Double = 5,
                ratio: Float = 1) {
        precondition(firstKernel % 2 == 1 && secondKernel % 2 == 1, "kernel sizes are odd")
        precondition(maskWidth > 0 && maskHeight > 0, "the mask needs a size")
        self.maskWidth = maskWidth
        self.maskHeight = maskHeight
        self.firstKernel = firstKernel
        self.secondKernel = secondKernel
        self.secondSigma = secondSigma
        self.ratio = ratio
    }

    /// The steps applied to a `maskWidth × maskHeight` mask.
    ///
    /// Where the first blur's threshold would leave nothing (a hull thinner than the kernel), the
    /// blurred mask is kept as it is instead: SBI divides by a zero maximum there and gets no mask.
    public func apply(to mask: SoftMask) -> SoftMask {
        let first = GaussianKernel(openCVSize: firstKernel, sigma: 0), second = GaussianKernel(openCVSize: secondKernel, sigma: secondSigma)
        var m = mask.blurred(x: first, y: first)
        // "mask_blured[mask_blured < 1] = 0": float sums of weights that add up to 1 may land a
        // few ulps short, so "1" is anything within 1e-4 of it.
        let eroded = m.values.map { $0 >= 1 - 1e-4 ? Float(1) : 0 }
        if eroded.contains(1) { m.values = eroded }
        m = m.blurred(x: second, y: second)
        let peak = m.maximum
        guard peak > 0 else { return m }
        // v / peak ≤ 1 exactly for v ≤ peak (division is monotonic), so weights stay within [0, ratio].
        m.values = m.values.map { $0 / peak * ratio }
        return m
    }
}
