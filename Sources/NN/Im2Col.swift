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

extension ConvGeometry {
    /// Floats of working memory `im2col` and `col2imAdd` need for one channel's stride phases
    /// (`stride · H · ⌈W / stride⌉`; 0 for stride 1).
    var phaseScratchCount: Int {
        stride == 1 ? 0 : stride * height * ((width + stride - 1) / stride)
    }

    /// For kernel column `j`: the stride phase `r` and the shift such that input column
    /// `ox·s − p + j = (ox + shift)·s + r`, and the output columns whose input lies inside the image.
    @inline(__always)
    func phase(kernelColumn j: Int) -> (phase: Int, shift: Int, valid: Range<Int>) {
        let offset = j - padding
        let r = ((offset % stride) + stride) % stride
        let shift = (offset - r) / stride
        let phaseWidth = (width - r + stride - 1) / stride  // columns q with q·s + r < W
        let low = max(0, -shift)
        let high = max(low, min(outWidth, phaseWidth - shift))
        return (r, shift, low..<high)
    }
}

/// Writes the column matrices of `count` images side by side: image k (at `x + k·imageStride`,
/// `[C, H, W]`) fills columns `k·oH·oW ..< (k+1)·oH·oW` of `col`, whose rows are `rowStride` floats
/// apart. Row `(c·kH + i)·kW + j` holds the input pixels kernel tap (i, j) of channel c sees.
///
/// Two measures keep this memory-bound loop near copy speed (the profile had im2col and col2im at
/// 22 % of a DCGAN training step before them):
/// - rows are written one after the other, all images of a row together, so each cache line of
///   `col` is filled once instead of being revisited once per image;
/// - for stride s > 1, each channel is first split into its s column phases
///   (`phase_r[y][q] = x[y][q·s + r]`, `g.phaseScratchCount` floats per image in `phases`), so every
///   output row is a contiguous copy from one phase row rather than a strided gather.
func im2col(
    _ x: UnsafePointer<Float>, count: Int = 1, imageStride: Int = 0, _ g: ConvGeometry,
    _ col: UnsafeMutablePointer<Float>, rowStride: Int? = nil,
    phases: UnsafeMutablePointer<Float>? = nil
) {
    let ld = rowStride ?? g.columns
    let (h, w, kH, kW, s, p) = (
        g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding
    )
    let (oH, oW, planeSize) = (g.outHeight, g.outWidth, g.columns)
    let usePhases = s > 1 && phases != nil
    let phaseWidth = (w + s - 1) / s
    let phaseCount = g.phaseScratchCount
    for c in 0..<g.channels {
        if usePhases {
            // Split channel c of every image: phases[k·count + (r·H + y)·⌈W/s⌉ + q] = x_k[c, y, q·s + r].
            for k in 0..<count {
                let plane = x + k * imageStride + c * h * w
                let target = phases! + k * phaseCount
                for y in 0..<h {
                    splitPhases(
                        plane + y * w, width: w, stride: s, into: target + y * phaseWidth,
                        phaseStride: h * phaseWidth)
                }
            }
        }
        for i in 0..<kH {
            for j in 0..<kW {
                let row = col + ((c * kH + i) * kW + j) * ld
                // Where tap j reads: phase r shifted by `shift`, or the plain row shifted by j − p.
                let (r, shift, valid): (Int, Int, Range<Int>)
                if usePhases {
                    (r, shift, valid) = g.phase(kernelColumn: j)
                } else {
                    (r, shift, valid) = (0, j - p, g.validColumns(kernelColumn: j))
                }
                for k in 0..<count {
                    let (plane, planeWidth): (UnsafePointer<Float>, Int) =
                        usePhases
                        ? (UnsafePointer(phases! + k * phaseCount), phaseWidth)
                        : (x + k * imageStride + c * h * w, w)
                    let block = row + k * planeSize
                    for oy in 0..<oH {
                        let out = block + oy * oW
                        let iy = oy * s - p + i
                        if iy < 0 || iy >= h {
                            for ox in 0..<oW { out[ox] = 0 }
                            continue
                        }
                        // Zero prefix and suffix for the padding, then a branch-free copy.
                        for ox in 0..<valid.lowerBound { out[ox] = 0 }
                        for ox in valid.upperBound..<oW { out[ox] = 0 }
                        if s > 1 && !usePhases {
                            let source = plane + iy * w - p + j
                            for ox in valid { out[ox] = source[s * ox] }
                        } else {
                            let source = plane + (r * h + iy) * planeWidth + shift
                            for ox in valid { out[ox] = source[ox] }
                        }
                    }
                }
            }
        }
    }
}

/// Splits one image row into its stride phases: `phases[r·phaseStride + q] = row[q·s + r]`.
/// Stride 2 (every DCGAN layer) de-interleaves 16 floats at a time with SIMD.
@inline(__always)
private func splitPhases(
    _ row: UnsafePointer<Float>, width w: Int, stride s: Int,
    into phases: UnsafeMutablePointer<Float>, phaseStride: Int
) {
    var q = 0
    if s == 2 {
        let (even, odd) = (phases, phases + phaseStride)
        let raw = UnsafeRawPointer(row)
        while 2 * q + 16 <= w {
            let v = raw.loadUnaligned(fromByteOffset: 8 * q, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(even + q).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(odd + q).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
            q += 8
        }
    }
    for r in 0..<s {
        var p = q
        while p * s + r < w {
            phases[r * phaseStride + p] = row[p * s + r]
            p += 1
        }
    }
}

/// The adjoint of `splitPhases`: `row[q·s + r] += phases[r·phaseStride + q]`.
@inline(__always)
private func mergePhasesAdding(
    _ phases: UnsafePointer<Float>, phaseStride: Int, width w: Int, stride s: Int,
    into row: UnsafeMutablePointer<Float>
) {
    var q = 0
    if s == 2 {
        let (even, odd) = (UnsafeRawPointer(phases), UnsafeRawPointer(phases + phaseStride))
        let raw = UnsafeMutableRawPointer(row)
        while 2 * q + 16 <= w {
            var v = raw.loadUnaligned(fromByteOffset: 8 * q, as: SIMD16<Float>.self)
            v.evenHalf += even.loadUnaligned(fromByteOffset: 4 * q, as: SIMD8<Float>.self)
            v.oddHalf += odd.loadUnaligned(fromByteOffset: 4 * q, as: SIMD8<Float>.self)
            raw.storeBytes(of: v, toByteOffset: 8 * q, as: SIMD16<Float>.self)
            q += 8
        }
    }
    for r in 0..<s {
        var p = q
        while p * s + r < w {
            row[p * s + r] += phases[r * phaseStride + p]
            p += 1
        }
    }
}

/// Adds column matrices back onto `count` images (the adjoint of `im2col`, same layout): every
/// entry goes to the pixel it was read from; padding entries are dropped. The images must be
/// initialised (usually zeroed) by the caller. For stride > 1 the sums are gathered per stride
/// phase in `phases` (contiguous adds) and interleaved into the image once per channel.
func col2imAdd(
    _ col: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>,
    count: Int = 1, imageStride: Int = 0, rowStride: Int? = nil,
    phases: UnsafeMutablePointer<Float>? = nil
) {
    let ld = rowStride ?? g.columns
    let (h, w, kH, kW, s, p) = (
        g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding
    )
    let (oH, oW, planeSize) = (g.outHeight, g.outWidth, g.columns)
    let usePhases = s > 1 && phases != nil
    let phaseWidth = (w + s - 1) / s
    let phaseCount = g.phaseScratchCount
    for c in 0..<g.channels {
        if usePhases { phases!.update(repeating: 0, count: count * phaseCount) }
        for i in 0..<kH {
            for j in 0..<kW {
                let row = col + ((c * kH + i) * kW + j) * ld
                let (r, shift, valid): (Int, Int, Range<Int>)
                if usePhases {
                    (r, shift, valid) = g.phase(kernelColumn: j)
                } else {
                    (r, shift, valid) = (0, j - p, g.validColumns(kernelColumn: j))
                }
                if valid.isEmpty { continue }
                for k in 0..<count {
                    let (plane, planeWidth) =
                        usePhases
                        ? (phases! + k * phaseCount, phaseWidth)
                        : (x + k * imageStride + c * h * w, w)
                    let block = row + k * planeSize
                    for oy in 0..<oH {
                        let iy = oy * s - p + i
                        if iy < 0 || iy >= h { continue }
                        let source = block + oy * oW
                        if s > 1 && !usePhases {
                            let target = plane + iy * w - p + j
                            for ox in valid { target[s * ox] += source[ox] }
                        } else {
                            let target = plane + (r * h + iy) * planeWidth + shift
                            for ox in valid { target[ox] += source[ox] }
                        }
                    }
                }
            }
        }
        if usePhases {
            // Interleave the phase sums back: x_k[c, y, q·s + r] += phases[k][(r·H + y)·⌈W/s⌉ + q].
            for k in 0..<count {
                let image = x + k * imageStride + c * h * w
                let source = phases! + k * phaseCount
                for y in 0..<h {
                    mergePhasesAdding(
                        source + y * phaseWidth, phaseStride: h * phaseWidth, width: w, stride: s,
                        into: image + y * w)
                }
            }
        }
    }
}

/// Consecutive images batched into one GEMM.
///
/// Deep DCGAN layers have tiny images (4×4 = 16 columns, or 1×1), and a GEMM with 16 columns runs
/// far below sgemm's peak (the profile showed those layers 2–3× slower per FLOP than the 16×16
/// ones). Placing several images' column matrices side by side, `[rows, count·oH·oW]`, gives GEMMs
/// of about `targetColumns` columns. Groups never straddle workers: each worker gets whole groups,
/// and every worker gets at least one when the batch allows it.
struct ImageGroups {
    let batch: Int
    let size: Int
    var count: Int { (batch + size - 1) / size }

    /// Aim for GEMMs at least this wide; 256 columns reach ~90 % of sgemm's large-matrix rate here.
    static let targetColumns = 256

    init(batch: Int, columnsPerImage: Int, workers: Int) {
        self.batch = batch
        let wanted = max(1, (Self.targetColumns + columnsPerImage - 1) / columnsPerImage)
        let perWorker = max(1, (batch + workers - 1) / workers)
        self.size = max(1, min(wanted, perWorker))
    }

    /// The images of group `index`.
    func images(_ index: Int) -> Range<Int> {
        (index * size)..<min(batch, (index + 1) * size)
    }
}

/// Copies `source: [N, C, P]` images `images` into `target: [C, images.count·P]` (channels outer,
/// images side by side), the layout a grouped GEMM reads.
func gatherChannels(
    _ source: UnsafePointer<Float>, channels: Int, plane: Int, images: Range<Int>,
    into target: UnsafeMutablePointer<Float>
) {
    let ld = images.count * plane
    for (j, image) in images.enumerated() {
        for c in 0..<channels {
            (target + c * ld + j * plane).update(
                from: source + (image * channels + c) * plane, count: plane)
        }
    }
}

/// The inverse of `gatherChannels`: `source: [C, images.count·P]` back into `target: [N, C, P]`.
func scatterChannels(
    _ source: UnsafePointer<Float>, channels: Int, plane: Int, images: Range<Int>,
    into target: UnsafeMutablePointer<Float>
) {
    let ld = images.count * plane
    for (j, image) in images.enumerated() {
        for c in 0..<channels {
            (target + (image * channels + c) * plane).update(
                from: source + c * ld + j * plane, count: plane)
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
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
