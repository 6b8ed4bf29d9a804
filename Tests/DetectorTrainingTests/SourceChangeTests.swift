import Media
import Testing

@testable import DetectorTraining

@Suite("Source changes")
struct SourceChangeTests {
    let image = SyntheticFace.image

    @Test("no change is the identity; each step alone changes the picture")
    func eachStepChanges() {
        #expect(SourceChange.none.isIdentity)
        #expect(SourceChange.none.apply(to: image) == image)
        let steps: [SourceChange] = [
            SourceChange(rgbShift: SIMD3(12, -8, 3)), SourceChange(hueShift: 3), SourceChange(saturationShift: 0.03),
            SourceChange(valueShift: -0.03), SourceChange(brightness: 0.05), SourceChange(contrast: 1.08),
            SourceChange(quality: .downscale(factor: 2)), SourceChange(quality: .downscale(factor: 4)),
            SourceChange(quality: .sharpen(alpha: 0.3, lightness: 0.8)),
        ]
        for step in steps {
            #expect(!step.isIdentity)
            let changed = step.apply(to: image)
            #expect(changed.width == image.width && changed.height == image.height)
            let differing = zip(changed.pixels, image.pixels).filter { $0 != $1 }.count
            #expect(differing > image.pixels.count / 4, "\(step) changed only \(differing) of \(image.pixels.count) levels")
        }
    }

    @Test("an RGB shift adds its levels (clamped); brightness and contrast follow v·c + b·255")
    func levelArithmetic() {
        let grey = RGBImage(width: 2, height: 1, pixels: [100, 100, 100, 250, 10, 128])
        #expect(SourceChange(rgbShift: SIMD3(10, -20, 0)).apply(to: grey).pixels == [110, 80, 100, 255, 0, 128])
        #expect(SourceChange(brightness: 0.1, contrast: 0.9).apply(to: grey).pixels == [116, 116, 116, 251, 35, 141])
    }

    @Test("the HSV shift keeps greys grey under a hue turn and turns a hue by the degrees given")
    func hsv() {
        let greys = RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 128, 128, 128, 255, 255, 255])
        #expect(SourceChange(hueShift: 40).apply(to: greys) == greys)
        // Pure red turned by 120° is pure green.
        let red = RGBImage(width: 1, height: 1, pixels: [255, 0, 0])
        #expect(SourceChange(hueShift: 120).apply(to: red).pixels == [0, 255, 0])
        #expect(SourceChange(hueShift: -120).apply(to: red).pixels == [0, 0, 255])
    }

    @Test("downscaling samples the nearest pixel; a sharpening of alpha 0 changes nothing")
    func qualitySteps() {
        // 2×2 blocks of one colour survive a factor-2 nearest shrink and bilinear enlargement
        // except along block edges, where the enlargement interpolates.
        let blocks = RGBImage(width: 4, height: 4, pixels: (0..<16).flatMap { i -> [UInt8] in
            let v: UInt8 = ((i % 4) / 2 + (i / 8)) % 2 == 0 ? 40 : 200
            return [v, v, v]
        })
        let down = SourceChange.downscaled(blocks, factor: 2)
        #expect(down[0, 0] == blocks[0, 0] && down[3, 3] == blocks[3, 3])
        #expect(SourceChange.sharpened(image, alpha: 0, lightness: 0.7) == image)
        // Lightness 1 keeps the weights summing to 1: a flat picture stays flat.
        let flat = RGBImage(width: 5, height: 5, fill: (90, 90, 90))
        #expect(SourceChange.sharpened(flat, alpha: 0.5, lightness: 1) == flat)
        #expect(SourceChange.sharpened(flat, alpha: 0.5, lightness: 0.5)[2, 2].r == 68, "weights sum to 1 − α(1 − L) = 0.75: 90 · 0.75 = 67.5")
    }
}
