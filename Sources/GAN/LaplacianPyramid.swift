import NN

/// The Laplacian pyramid of progressive_growing_of_gans `metrics/sliced_wasserstein.py` (Karras et
/// al. 2018), which matches OpenCV's `pyrDown`/`pyrUp`: a 5×5 binomial filter
/// `[1 4 6 4 1]ᵀ[1 4 6 4 1] / 256` with mirrored borders (scipy's `mode='mirror'`: index −1 reads 1).
///
/// Level 0 is the image minus the upsampled next level (fine detail); the last level is the
/// blurred, downsampled image itself.
public enum LaplacianPyramid {
    private static let taps: [Float] = [1, 4, 6, 4, 1].map { $0 / 16 }

    /// The pyramid of one `side × side` plane.
    /// - Parameters:
    ///   - plane: `side · side` values, row-major.
    ///   - side: the plane's width and height.
    ///   - levels: how many levels (each halves the side).
    /// - Returns: `levels` planes of sides `side, side/2, …`.
    public static func build(_ plane: [Float], side: Int, levels: Int) -> [[Float]] {
        var pyramid: [[Float]] = [plane]
        var sides = [side]
        for _ in 1..<max(levels, 1) {
            let (coarse, coarseSide) = down(pyramid[pyramid.count - 1], side: sides[sides.count - 1])
            let up = Self.up(coarse, side: coarseSide)
            for index in pyramid[pyramid.count - 1].indices { pyramid[pyramid.count - 1][index] -= up[index] }
            pyramid.append(coarse)
            sides.append(coarseSide)
        }
        return pyramid
    }

    /// Mirrored index, scipy's `mode='mirror'` (`d c b | a b c d | c b a`).
    @inline(__always)
    static func mirror(_ index: Int, _ count: Int) -> Int {
        if index < 0 { return -index }
        if index >= count { return 2 * (count - 1) - index }
        return index
    }

    /// Blur with the binomial filter, then keep even rows and columns (`pyrDown`).
    static func down(_ plane: [Float], side: Int) -> ([Float], Int) {
        let half = side / 2
        // Separable: filter rows at even columns only, then columns at even rows only.
        var rows = [Float](repeating: 0, count: side * half)
        for y in 0..<side {
            for x in 0..<half {
                var total: Float = 0
                for t in 0..<5 { total += taps[t] * plane[y * side + mirror(2 * x + t - 2, side)] }
                rows[y * half + x] = total
            }
        }
        var result = [Float](repeating: 0, count: half * half)
        for y in 0..<half {
            for x in 0..<half {
                var total: Float = 0
                for t in 0..<5 { total += taps[t] * rows[mirror(2 * y + t - 2, side) * half + x] }
                result[y * half + x] = total
            }
        }
        return (result, half)
    }

    /// Insert zeros between samples, then blur with 4× the filter (`pyrUp`).
    static func up(_ plane: [Float], side: Int) -> [Float] {
        let full = side * 2
        var spread = [Float](repeating: 0, count: full * full)
        for y in 0..<side { for x in 0..<side { spread[(2 * y) * full + 2 * x] = plane[y * side + x] } }
        var rows = [Float](repeating: 0, count: full * full)
        for y in stride(from: 0, to: full, by: 2) {
            for x in 0..<full {
                var total: Float = 0
                for t in 0..<5 { total += taps[t] * spread[y * full + mirror(x + t - 2, full)] }
                rows[y * full + x] = 2 * total
            }
        }
        var result = [Float](repeating: 0, count: full * full)
        for y in 0..<full {
            for x in 0..<full {
                var total: Float = 0
                for t in 0..<5 { total += taps[t] * rows[mirror(y + t - 2, full) * full + x] }
                result[y * full + x] = 2 * total
            }
        }
        return result
    }
}
