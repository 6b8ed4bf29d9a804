/// Bit-exact conversions between `Float` and the 16-bit float formats of safetensors files.
///
/// Written with integer operations rather than Swift's `Float16`, which is not available on every
/// platform (macOS on Intel lacks it), so a checkpoint reads the same everywhere. The tests check
/// every one of the 65,536 half-precision bit patterns against the hardware conversion.
///
/// Formats (sign, exponent, mantissa bits): binary32 1-8-23, binary16 1-5-10, bfloat16 1-8-7.
public enum Float16Conversion {
    // MARK: - binary16 (F16)

    /// The `Float` equal to an IEEE 754 binary16 value. Exact: every half is a float.
    ///
    /// Subnormal halves become normal floats; infinities stay infinities; a NaN stays a NaN with
    /// its sign and payload bits (shifted into the float's mantissa).
    public static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        let result: UInt32
        if exponent == 0x1F {
            // Infinity (mantissa 0) or NaN.
            result = sign | 0x7F80_0000 | (mantissa << 13)
        } else if exponent != 0 {
            // Normal: rebias the exponent from 15 to 127.
            result = sign | ((exponent + 112) << 23) | (mantissa << 13)
        } else if mantissa == 0 {
            result = sign  // ±0
        } else {
            // Subnormal: mantissa × 2⁻²⁴. Shift the leading 1 up to the implicit bit's place
            // (bit 10), lowering the exponent by one per shift, from that of 2⁻¹⁴ (113).
            var shifted = mantissa
            var floatExponent: UInt32 = 113
            while shifted & 0x0400 == 0 {
                shifted <<= 1
                floatExponent -= 1
            }
            result = sign | (floatExponent << 23) | ((shifted & 0x03FF) << 13)
        }
        return Float(bitPattern: result)
    }

    /// The binary16 nearest to `value`, ties to even, as IEEE 754's default rounding.
    ///
    /// Values at or beyond 65520 (halfway past the largest half, 65504) become infinity; values
    /// below 2⁻²⁵ become ±0; values in between the half's subnormal range round to a subnormal.
    /// A NaN stays a quiet NaN with its sign and the top 9 bits of its payload, as x86's F16C
    /// `vcvtps2ph` does.
    public static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }  // ±infinity
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)  // quiet NaN
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F {
            return sign | 0x7C00  // too large even before rounding
        }
        if halfExponent >= 1 {
            // Normal half: keep the top 10 mantissa bits and round on the 13 dropped ones.
            // A carry out of the mantissa moves into the exponent, which is the right result
            // (up to infinity, 0x7C00, for values from 65520).
            let truncated = UInt32(halfExponent) << 10 | (mantissa >> 13)
            let rounded = truncated + roundingIncrement(dropped: mantissa & 0x1FFF, bitCount: 13, kept: truncated)
            return sign | UInt16(truncatingIfNeeded: rounded)
        }
        // Subnormal half (or zero): the result is round(significand × 2^(exponent − 126)) units
        // of 2⁻²⁴, where significand has the implicit bit (float subnormals have exponent 1).
        let significand = exponent == 0 ? mantissa : mantissa | 0x0080_0000
        let shift = 126 - max(exponent, 1)  // at least 14
        if shift > 24 {
            return sign  // below half of 2⁻²⁴: rounds to zero
        }
        let truncated = significand >> UInt32(shift)
        let dropped = significand & ((1 << UInt32(shift)) - 1)
        // A round-up from 0x3FF to 0x400 gives the smallest normal half, also correct.
        let rounded = truncated + roundingIncrement(dropped: dropped, bitCount: shift, kept: truncated)
        return sign | UInt16(truncatingIfNeeded: rounded)
    }

    // MARK: - bfloat16 (BF16)

    /// The `Float` equal to a bfloat16 value: its bits are the top half of the float's. Exact.
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 nearest to `value`, ties to even. NaN stays a quiet NaN with its sign.
    public static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        let kept = bits >> 16
        // Infinity stays infinity (no dropped bits); the largest finite floats round up to it.
        return UInt16(truncatingIfNeeded: kept + roundingIncrement(dropped: bits & 0xFFFF, bitCount: 16, kept: kept))
    }

    // MARK: - Rounding

    /// 1 if dropping the low `bitCount` bits `dropped` should round `kept` up, by ties to even.
    private static func roundingIncrement(dropped: UInt32, bitCount: Int, kept: UInt32) -> UInt32 {
        let halfway: UInt32 = 1 << UInt32(bitCount - 1)
        if dropped > halfway || (dropped == halfway && kept & 1 == 1) {
            return 1
        }
        return 0
    }
}
