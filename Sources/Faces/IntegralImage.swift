/// Integral images as OpenCV's `integral()` defines them, for an image of `width × height`
/// written into a `(width + 1) × (height + 1)` grid with the given row stride.
enum IntegralImage {
    /// `sum(X, Y) = Σ_{x<X, y<Y} I(x, y)` and the same of `I²`, both in wrapping 32-bit arithmetic.
    static func compute(
        _ image: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int,
        sum: UnsafeMutablePointer<Int32>, squareSum: UnsafeMutablePointer<Int32>
    ) {
        for x in 0...width {
            sum[x] = 0
            squareSum[x] = 0
        }
        for y in 0..<height {
            let src = image + y * width
            let above = sum + y * stride, row = sum + (y + 1) * stride
            let aboveSq = squareSum + y * stride, rowSq = squareSum + (y + 1) * stride
            row[0] = 0
            rowSq[0] = 0
            var s: Int32 = 0, sq: Int32 = 0
            for x in 0..<width {
                let v = Int32(src[x])
                s &+= v
                sq &+= v &* v
                row[x + 1] = above[x + 1] &+ s
                rowSq[x + 1] = aboveSq[x + 1] &+ sq
            }
        }
    }

    /// The rotated integral `T(X, Y) = Σ_{y<Y, |x − X + 1| ≤ Y − y − 1} I(x, y)` (OpenCV's `tilted`).
    ///
    /// Uses `T(X, Y) = T(X−1, Y−1) + T(X+1, Y−1) − T(X, Y−2) + I(X−1, Y−1) + I(X−1, Y−2)` on a grid
    /// padded by `height + 1` columns each side, since the triangles reach beyond the image.
    static func computeTilted(
        _ image: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int,
        into tilted: UnsafeMutablePointer<Int32>
    ) {
        let pad = height + 2
        let wide = width + 1 + 2 * pad
        var grid = [Int32](repeating: 0, count: wide * (height + 1))
        func pixel(_ x: Int, _ y: Int) -> Int32 {
            (x >= 0 && x < width && y >= 0 && y < height) ? Int32(image[y * width + x]) : 0
        }
        grid.withUnsafeMutableBufferPointer { t in
            for y in 1...max(height, 1) where y <= height {
                for gx in 1..<(wide - 1) {
                    let x = gx - pad
                    var v = t[(y - 1) * wide + gx - 1] &+ t[(y - 1) * wide + gx + 1]
                        &+ pixel(x - 1, y - 1) &+ pixel(x - 1, y - 2)
                    if y >= 2 { v &-= t[(y - 2) * wide + gx] }
                    t[y * wide + gx] = v
                }
            }
            for y in 0...height {
                for x in 0...width { tilted[y * stride + x] = t[y * wide + x + pad] }
            }
        }
    }
}
