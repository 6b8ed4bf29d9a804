// Small shared loops over raw buffers. Reductions use SIMD8 with several accumulators: a scalar
// `sum` loop is never vectorised (floating-point addition is not reassociated), and the SIMD form is
// 15–20× faster (PLATFORM-NOTES d). Sums over a plane are then carried across planes in Double, so
// the rounding error of a channel sum stays near float32's ulp however large the batch is.

/// Σ values[0..<count], 8 lanes × 4 accumulators in Float, combined in Double.
@inline(__always)
func sum(_ values: UnsafePointer<Float>, count: Int) -> Double {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var index = 0
    let raw = UnsafeRawPointer(values)
    while index + 32 <= count {
        a0 += raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
        a1 += raw.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self)
        a2 += raw.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD8<Float>.self)
        a3 += raw.loadUnaligned(fromByteOffset: (index + 24) * 4, as: SIMD8<Float>.self)
        index += 32
    }
    var total = Double((a0 + a1).sum()) + Double((a2 + a3).sum())
    while index < count {
        total += Double(values[index])
        index += 1
    }
    return total
}

/// Σ a[i]·b[i] over `count` elements, as `sum`.
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    var index = 0
    let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
    while index + 16 <= count {
        a0.addProduct(rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self),
                      rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
        a1.addProduct(rawA.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self),
                      rawB.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self))
        index += 16
    }
    var total = Double((a0 + a1).sum())
    while index < count {
        total += Double(a[index]) * Double(b[index])
        index += 1
    }
    return total
}

/// `target[i] += source[i]`.
func addInPlace(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
    for index in 0..<count { target[index] += source[index] }
}

/// `y[n, c, :] += bias[c]` for `y: [N, C, plane]`.
func addChannelBias(
    _ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
) {
    for n in 0..<batch {
        for c in 0..<channels {
            let row = y + (n * channels + c) * plane
            let value = bias[c]
            for index in 0..<plane { row[index] += value }
        }
    }
}

/// `target[c] += Σ_{n, i} y[n, c, i]` for `y: [N, C, plane]`, summed in Double across planes.
func accumulateChannelSums(
    _ y: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int, into target: UnsafeMutablePointer<Float>
) {
    for c in 0..<channels {
        var total = 0.0
        for n in 0..<batch { total += sum(y + (n * channels + c) * plane, count: plane) }
        target[c] += Float(total)
    }
}
