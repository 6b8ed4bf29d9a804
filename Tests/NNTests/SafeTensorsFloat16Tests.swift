import NN
import Testing

/// Known binary16 bit patterns and the floats they stand for.
private let halfPatterns: [(bits: UInt16, value: Float)] = [
    (0x0000, 0), (0x8000, -0.0), (0x3C00, 1), (0xBC00, -1), (0xC000, -2), (0x3800, 0.5),
    (0x3555, 0.333251953125), (0x7BFF, 65504), (0xFBFF, -65504),
    (0x0001, 0x1p-24), (0x8001, -0x1p-24), (0x0002, 0x1p-23), (0x0200, 0x1p-15),
    (0x03FF, 1023 * 0x1p-24), (0x0400, 0x1p-14), (0x3BFF, 1 - 0x1p-11), (0x3C01, 1 + 0x1p-10),
    (0x7C00, .infinity), (0xFC00, -.infinity),
]

@Test(arguments: halfPatterns)
func halfBitPatternDecodesExactly(_ pattern: (bits: UInt16, value: Float)) {
    let decoded = Float16Conversion.float(fromHalf: pattern.bits)
    #expect(decoded.bitPattern == pattern.value.bitPattern)
    #expect(Float16Conversion.half(from: pattern.value) == pattern.bits)
}

@Test func halfNaNsStayNaNWithSignAndPayload() {
    #expect(Float16Conversion.float(fromHalf: 0x7E00).bitPattern == 0x7FC0_0000)
    #expect(Float16Conversion.float(fromHalf: 0x7C01).bitPattern == 0x7F80_2000)  // signalling
    #expect(Float16Conversion.float(fromHalf: 0xFE00).bitPattern == 0xFFC0_0000)
    #expect(Float16Conversion.half(from: .nan) == 0x7E00)
    #expect(Float16Conversion.half(from: -Float.nan) == 0xFE00)
    // A signalling float NaN whose payload lies below the kept bits still becomes a NaN.
    #expect(Float16Conversion.half(from: Float(bitPattern: 0x7F80_0001)) == 0x7E00)
}

/// (float, expected half): ties go to the even neighbour.
private let roundingCases: [(value: Float, half: UInt16)] = [
    (1 + 0x1p-11, 0x3C00),  // halfway between 1 and 1 + 2^-10
    (1 + 3 * 0x1p-11, 0x3C02),  // halfway between 0x3C01 and 0x3C02
    (1 + 0x1p-11 + 0x1p-20, 0x3C01),  // just above halfway
    (65519, 0x7BFF),  // below halfway to 65536: largest finite
    (65520, 0x7C00),  // halfway to 65536: rounds to even, which is infinity
    (.greatestFiniteMagnitude, 0x7C00),
    (0x1p-25, 0x0000),  // halfway between 0 and the smallest subnormal
    (Float(0x1p-25).nextUp, 0x0001),
    (3 * 0x1p-25, 0x0002),  // halfway between subnormals 1 and 2
    (5 * 0x1p-25, 0x0002),  // halfway between subnormals 2 and 3
    (0x1p-14 - 0x1p-25, 0x0400),  // largest subnormal + half a step rounds to the smallest normal
    (.leastNonzeroMagnitude, 0x0000),
    (-Float.leastNormalMagnitude, 0x8000),
]

@Test(arguments: roundingCases)
func floatToHalfRoundsToNearestEven(_ rounding: (value: Float, half: UInt16)) {
    #expect(Float16Conversion.half(from: rounding.value) == rounding.half)
}

@Test func everyHalfSurvivesFloatAndBack() {
    for bits in UInt16.min...UInt16.max {
        let value = Float16Conversion.float(fromHalf: bits)
        if value.isNaN {
            #expect(Float16Conversion.half(from: value) == bits | 0x0200, "NaN \(bits) comes back quiet")
        } else {
            #expect(Float16Conversion.half(from: value) == bits)
        }
    }
}

#if !(os(macOS) && arch(x86_64))
/// Swift's `Float16` (the hardware conversion where there is one) is an independent reference.
@Test func conversionsAgreeWithSwiftFloat16() {
    for bits in UInt16.min...UInt16.max {
        let reference = Float(Float16(bitPattern: bits))
        let ours = Float16Conversion.float(fromHalf: bits)
        #expect(ours.bitPattern == reference.bitPattern || (ours.isNaN && reference.isNaN))
    }
    var random = SplitMix64(seed: 16)
    for _ in 0..<200_000 {
        let value = Float(bitPattern: UInt32(truncatingIfNeeded: random.next()))
        guard !value.isNaN else { continue }
        #expect(Float16Conversion.half(from: value) == Float16(value).bitPattern)
        // Values near the half range, where rounding matters most.
        let near = Float(bitPattern: 0x3000_0000 | UInt32(truncatingIfNeeded: random.next()) & 0x0FFF_FFFF)
        #expect(Float16Conversion.half(from: near) == Float16(near).bitPattern)
        let small = Float(bitPattern: 0x3300_0000 | UInt32(truncatingIfNeeded: random.next()) & 0x03FF_FFFF)
        #expect(Float16Conversion.half(from: small) == Float16(small).bitPattern)
    }
}
#endif

@Test func bfloat16IsTheTopHalfOfAFloat() {
    #expect(Float16Conversion.float(fromBFloat16: 0x3F80) == 1)
    #expect(Float16Conversion.float(fromBFloat16: 0xC040) == -3)
    #expect(Float16Conversion.float(fromBFloat16: 0x7F80) == .infinity)
    #expect(Float16Conversion.float(fromBFloat16: 0x0001) == Float(bitPattern: 0x0001_0000))
    #expect(Float16Conversion.float(fromBFloat16: 0x7FC0).isNaN)
    #expect(Float16Conversion.bfloat16(from: 1) == 0x3F80)
    #expect(Float16Conversion.bfloat16(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even
    #expect(Float16Conversion.bfloat16(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, even
    #expect(Float16Conversion.bfloat16(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(Float16Conversion.bfloat16(from: .greatestFiniteMagnitude) == 0x7F80)
    #expect(Float16Conversion.bfloat16(from: Float(bitPattern: 0x7F80_0001)) == 0x7FC0)  // NaN stays NaN
    #expect(Float16Conversion.bfloat16(from: 1.0 / 3.0) == 0x3EAB)
}
