import CBLAS

/// The geometry of one 2-D convolution window sweep, shared by Conv2D's forward and
/// ConvTranspose2D's backward (and their adjoints, col2im).
///
/// The column matrix of one image `[C, H, W]` is `[C·kH·kW, oH·oW]`, row `(c·kH + i)·kW + j`,
/// column `oy·oW + ox`, holding `x[c, oy·stride − padding + i, ox·stride − padding + j]` or 0 when
/// that falls in the padding. Then a convolution is one sgemm: `weight[O, C·kH·kW] · col`.
struct ConvGeometry: Equatable {
    var channels: Int
    var height: Int
    var width: Int
    var kernelHeight: Int
    var kernelWidth: Int
    var stride: Int
    var padding: Int
    /// The output size of the convolution (for ConvTranspose2D, its input size).
    var outHeight: Int
    var outWidth: Int

    /// Rows of the column matrix, `C·kH·kW`.
    var rows: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix, `oH·oW`.
    var columns: Int { outHeight * outWidth }

    /// For kernel column `j`, the output columns `ox` whose input column `ox·s − p + j` lies in
    /// `0..<W`. Computing this range once per row is what keeps the inner loops free of bounds tests
    /// (the padding is written as a zero prefix and suffix instead).
    @inline(__always)
    func validColumns(kernelColumn j: Int) -> Range<Int> {
        let shift = padding - j  // ox·s ≥ shift  and  ox·s ≤ W − 1 + shift
        let low = shift <= 0 ? 0 : (shift + stride - 1) / stride
        let highInclusive = (width - 1 + shift) >= 0 ? (width - 1 + shift) / stride : -1
        let high = min(outWidth, highInclusive + 1)
        return min(low, high)..<max(min(low, high), high)
    }
}

/// Writes the column matrix `[C·kH·kW, oH·oW]` of one image `x: [C, H, W]` into `col`.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let (h, w, kH, kW, s, p) = (g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding)
    let (oH, oW) = (g.outHeight, g.outWidth)
    for c in 0..<g.channels {
        let plane = x + c * h * w
        for i in 0..<kH {
            for j in 0..<kW {
                let row = col + ((c * kH + i) * kW + j) * oH * oW
                let valid = g.validColumns(kernelColumn: j)
                for oy in 0..<oH {
                    let out = row + oy * oW
                    let iy = oy * s - p + i
                    if iy < 0 || iy >= h {
                        out.update(repeating: 0, count: oW)
                        continue
                    }
                    // Zero prefix and suffix for the padding, then a branch-free copy.
                    if valid.lowerBound > 0 { out.update(repeating: 0, count: valid.lowerBound) }
                    if valid.upperBound < oW {
                        (out + valid.upperBound).update(repeating: 0, count: oW - valid.upperBound)
                    }
                    let source = plane + iy * w - p + j
                    if s == 1 {
                        (out + valid.lowerBound).update(
                            from: source + valid.lowerBound, count: valid.count)
                    } else if s == 2 {
                        for ox in valid { out[ox] = source[2 * ox] }
                    } else {
                        for ox in valid { out[ox] = source[s * ox] }
                    }
                }
            }
        }
    }
}

/// Adds the column matrix `col: [C·kH·kW, oH·oW]` back onto the image `x: [C, H, W]` (the adjoint
/// of `im2col`): every entry goes to the pixel it was read from; padding entries are dropped.
/// `x` must be initialised (usually zeroed) by the caller.
func col2imAdd(_ col: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>) {
    let (h, w, kH, kW, s, p) = (g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding)
    let (oH, oW) = (g.outHeight, g.outWidth)
    for c in 0..<g.channels {
        let plane = x + c * h * w
        for i in 0..<kH {
            for j in 0..<kW {
                let row = col + ((c * kH + i) * kW + j) * oH * oW
                let valid = g.validColumns(kernelColumn: j)
                if valid.isEmpty { continue }
                for oy in 0..<oH {
                    let iy = oy * s - p + i
                    if iy < 0 || iy >= h { continue }
                    let source = row + oy * oW
                    let target = plane + iy * w - p + j
                    if s == 1 {
                        for ox in valid { target[ox] += source[ox] }
                    } else if s == 2 {
                        for ox in valid { target[2 * ox] += source[ox] }
                    } else {
                        for ox in valid { target[s * ox] += source[ox] }
                    }
                }
            }
        }
    }
}

/// Row-major single-precision GEMM, `C = alpha · op(A) · op(B) + beta · C`, with OpenBLAS.
/// `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`; `lda`, `ldb`, `ldc` are row strides of
/// the matrices as stored.
@inline(__always)
func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
