import Foundation
import Media
import Testing

@testable import Manipulation

@Suite struct CompositorTests {
    @Test func maskIsOneInsideZeroAtTheBoxEdgeAndSmoothBetween() {
        let mask = FaceMask(width: 41, height: 51)
        #expect(mask[20, 25] == 1)
        #expect(mask[0, 0] == 0 && mask[40, 50] == 0 && mask[20, 0] == 0)
        // Along a row from the centre outwards the weight never increases.
        let row = (20..<41).map { mask[$0, 25] }
        #expect(zip(row, row.dropFirst()).allSatisfy { $0 >= $1 })
        let extent = mask.extent
        #expect(extent.x > 0 && extent.x + extent.width < 41)
    }

    @Test func colourTransferMatchesMeanAndSpreadInLuma() {
        var source = RGBImage(width: 8, height: 8)
        var target = RGBImage(width: 8, height: 8)
        for i in 0..<64 {
            let v = UInt8(60 + (i % 8) * 10)
            source.pixels[i * 3] = v; source.pixels[i * 3 + 1] = v; source.pixels[i * 3 + 2] = v
            let t = UInt8(100 + (i % 8) * 5)
            target.pixels[i * 3] = t; target.pixels[i * 3 + 1] = t; target.pixels[i * 3 + 2] = t
        }
        let matched = ColorTransfer.match(source, to: target)
        let luma = ColorTransfer.toYCbCr(matched)
        let (mean, std) = ColorTransfer.stats(luma, 0, [Float](repeating: 1, count: 64))
        let (targetMean, targetStd) = ColorTransfer.stats(ColorTransfer.toYCbCr(target), 0, [Float](repeating: 1, count: 64))
        #expect(abs(mean - targetMean) < 0.6)
        #expect(abs(std - targetStd) < 0.6)
    }

    @Test(arguments: Compositor.Blending.allCases)
    func pasteChangesOnlyTheMaskedBox(blending: Compositor.Blending) {
        var frame = RGBImage(width: 100, height: 80, fill: (30, 60, 90))
        let original = frame
        var face = RGBImage(width: 16, height: 16, fill: (220, 180, 150))
        face.pixels[(8 * 16 + 8) * 3] = 0  // texture, so Poisson blending has gradients to keep
        let paste = Compositor(blending: blending, matchColor: false).paste(
            face, into: &frame, x: 20.4, y: 10.6, width: 40, height: 48)
        #expect(paste.box == (20, 11, 40, 48))
        var changedOutside = 0, changedCentre = false
        for y in 0..<80 {
            for x in 0..<100 {
                let inBox = x >= 20 && x < 60 && y >= 11 && y < 59
                let differs = frame[x, y] != original[x, y]
                if differs && !inBox { changedOutside += 1 }
                if x == 40 && y == 35 { changedCentre = differs }
            }
        }
        #expect(changedOutside == 0)
        #expect(changedCentre)
        if blending == .feather { #expect(frame[40, 30] == (220, 180, 150)) }
    }

    @Test func poissonBlendingKeepsTheSourceDetailAndTakesItsLevelFromTheTarget() {
        // A flat target at 100 and a source at 150 with a bump in the middle: inside the mask the
        // result is the target's level plus the source's bump.
        let target = RGBImage(width: 32, height: 32, fill: (100, 100, 100))
        var source = RGBImage(width: 32, height: 32)
        func bump(_ x: Int, _ y: Int) -> Double {
            let dx = Double(x) - 15.5, dy = Double(y) - 15.5
            return 40 * exp(-(dx * dx + dy * dy) / 18)
        }
        for y in 0..<32 {
            for x in 0..<32 { for c in 0..<3 { source.pixels[(y * 32 + x) * 3 + c] = UInt8(150 + bump(x, y)) } }
        }
        let mask = FaceMask(width: 32, height: 32, feather: 0.1, inset: 0.9)
        let f = Compositor.poisson(source: source, target: target, mask: mask, iterations: 1500)
        for (x, y) in [(16, 16), (12, 16), (16, 20), (8, 16)] {
            let expected = 100 + Float(Int(150 + bump(x, y)) - 150)
            #expect(abs(f[(y * 32 + x) * 3] - expected) < 3, "at \(x),\(y)")
        }
    }
}
