import Testing
@testable import Faces

// Expected anchors were read from MediaPipe 0.10.14's own SsdAnchorsCalculator, run through the
// Python graph API (mediapipe==0.10.14) with the face graphs' options and printed with float32
// repr; tools/faces/mediapipe_geometry.py records further anchors in the fixture.

@Suite struct SSDAnchorTests {
    @Test func fullRangeAnchorsMatchMediaPipe() {
        let anchors = SSDAnchor.generate(.blazeFaceFullRange)
        #expect(anchors.count == 2304)
        #expect(anchors[0] == SSDAnchor(xCenter: 0.010416667, yCenter: 0.010416667, width: 1, height: 1))
        #expect(anchors[1] == SSDAnchor(xCenter: 0.03125, yCenter: 0.010416667, width: 1, height: 1))
        #expect(anchors[48] == SSDAnchor(xCenter: 0.010416667, yCenter: 0.03125, width: 1, height: 1))
        #expect(anchors[2303] == SSDAnchor(xCenter: 0.9895833, yCenter: 0.9895833, width: 1, height: 1))
    }

    @Test func shortRangeAnchorsMatchMediaPipe() {
        let anchors = SSDAnchor.generate(.blazeFaceShortRange)
        #expect(anchors.count == 896)
        // Stride 8: 16×16 cells, two anchors each (aspect 1 and the interpolated scale).
        #expect(anchors[0] == SSDAnchor(xCenter: 0.03125, yCenter: 0.03125, width: 1, height: 1))
        #expect(anchors[1] == anchors[0])
        #expect(anchors[48] == SSDAnchor(xCenter: 0.53125, yCenter: 0.09375, width: 1, height: 1))
        #expect(anchors[511] == SSDAnchor(xCenter: 0.96875, yCenter: 0.96875, width: 1, height: 1))
        // Three stride-16 layers share one 8×8 map: six anchors per cell.
        #expect(anchors[512] == SSDAnchor(xCenter: 0.0625, yCenter: 0.0625, width: 1, height: 1))
        #expect(anchors[517] == anchors[512])
        #expect(anchors[895] == SSDAnchor(xCenter: 0.9375, yCenter: 0.9375, width: 1, height: 1))
    }

    @Test(arguments: ["shortRangeSized", "ssdLowestLayerReduced"])
    func sizedAnchorsMatchMediaPipeBitForBit(name: String) throws {
        let fixture = try MediaPipeFixture.load()
        let expected = try #require(fixture.anchors[name])
        let options: SSDAnchorOptions
        if name == "shortRangeSized" {
            // The short-range layout with sizes: interpolated scales, the last layer's next scale 1.
            var sized = SSDAnchorOptions.blazeFaceShortRange
            sized.fixedAnchorSize = false
            options = sized
        } else {
            // The proto's example SSD: six layers, five aspect ratios, the reduced lowest layer, the
            // default interpolated ratio 1.
            options = SSDAnchorOptions(
                inputWidth: 300, inputHeight: 300, minScale: 0.2, maxScale: 0.95, strides: [16, 32, 64, 128, 256, 512],
                aspectRatios: [1.0, 2.0, 0.5, 3.0, 0.3333], reduceBoxesInLowestLayer: true)
        }
        let anchors = SSDAnchor.generate(options)
        #expect(anchors.count == expected.count)
        let values = MediaPipeFixture.floats(expected.values)
        for (k, index) in expected.indices.enumerated() {
            let a = anchors[index]
            let want = SSDAnchor(
                xCenter: values[4 * k], yCenter: values[4 * k + 1], width: values[4 * k + 2], height: values[4 * k + 3])
            #expect(a == want, "anchor \(index)")
        }
    }

    @Test func calculateScaleRampsInDoubleAndHalvesForOneStride() {
        #expect(SSDAnchor.calculateScale(0.1484375, 0.75, 0, 1) == (0.1484375 + 0.75) * 0.5)
        #expect(SSDAnchor.calculateScale(0.1484375, 0.75, 0, 4) == 0.1484375)
        #expect(SSDAnchor.calculateScale(0.1484375, 0.75, 3, 4) == 0.75)
    }
}
