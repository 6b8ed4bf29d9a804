import Foundation

/// A seeded random number generator that gives the same numbers on every machine.
///
/// Algorithm: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; the constants of Vigna's public-domain `splitmix64.c`). The whole state is one
/// `UInt64`, so a checkpoint stores `state` and a resumed run continues the exact sequence.
///
/// - Uniform floats use the top 53 bits: `Double(next() >> 11) * 2⁻⁵³`, in `[0, 1)`.
/// - Normal values use the Box–Muller transform on two uniforms, `u1` in `(0, 1]` and `u2` in
///   `[0, 1)`: `sqrt(-2 ln u1) · cos(2π u2)`. The sine partner is discarded so that the state stays a
///   single integer. Computed in `Double` and rounded once to `Float`; the libm functions used
///   (`log`, `cos`, `sqrt`) are correctly rounded or within 1 ulp in glibc, so results can differ
///   from another libm only in the last bit of a `Double`, which the rounding to `Float` absorbs in
///   all but vanishingly rare cases.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The complete generator state. Save it to resume the same sequence later.
    public var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)` with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal value (mean 0, standard deviation 1), by Box–Muller.
    public mutating func nextNormal() -> Double {
        let u1 = 1.0 - nextUniform()  // (0, 1], so the logarithm is finite
        let u2 = nextUniform()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }
}

extension Tensor {
    /// A tensor of normal values `mean + std · z`, z drawn in row-major order from `generator`.
    /// - Parameters:
    ///   - shape: any shape.
    ///   - mean: the mean of the distribution.
    ///   - standardDeviation: its standard deviation.
    public static func randomNormal(
        shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
        using generator: inout SeededGenerator
    ) -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        let pointer = result.mutablePointer()
        for index in 0..<result.count {
            pointer[index] = Float(Double(mean) + Double(standardDeviation) * generator.nextNormal())
        }
        return result
    }

    /// A tensor of uniform values in `[low, high)`, drawn in row-major order from `generator`.
    public static func randomUniform(
        shape: [Int], low: Float = 0, high: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        let pointer = result.mutablePointer()
        for index in 0..<result.count {
            pointer[index] = Float(Double(low) + Double(high - low) * generator.nextUniform())
        }
        return result
    }
}
