import Foundation
import Media
import Testing
@testable import Faces

/// The bytes a tensor's values scale (value = byte · (max − min) / 255 + min).
private func levels(_ tensor: ImageTensor, _ range: ClosedRange<Float>) -> [UInt8] {
    let scale = (range.upperBound - range.lowerBound) / 255
    return tensor.values.map { UInt8(((Double($0) - Double(range.lowerBound)) / Double(scale)).rounded()) }
}

@Suite struct ImageToTensorTests {
    @Test func wholeFrameLetterboxPaddingFor720pInto192() {
        let (roi, padding) = ImageToTensor.blazeFaceFullRange.padded(.whole(imageWidth: 1280, imageHeight: 720))
        let bar: Float = (1 - 720.0 / 1280.0) / 2  // 0.21875
        #expect(padding == LetterboxPadding(left: 0, top: bar, right: 0, bottom: bar))
        #expect(roi == RotatedRect(centerX: 640, centerY: 360, width: 1280, height: 1280))
        // Portrait frames get bars left and right instead.
        let (_, portrait) = ImageToTensor.blazeFaceFullRange.padded(.whole(imageWidth: 720, imageHeight: 1280))
        #expect(portrait == LetterboxPadding(left: bar, top: 0, right: bar, bottom: 0))
        // FaceMesh stretches the ROI: no bars.
        #expect(ImageToTensor.faceMesh.padded(.whole(imageWidth: 1280, imageHeight: 720)).padding == .none)
    }

    @Test func letterboxedWholeFrameHasBlackBarsAtTheRangeMinimum() {
        let frame = RGBImage(width: 64, height: 36, fill: (200, 200, 200))
        let tensor = ImageToTensor.blazeFaceFullRange.convert(frame)
        #expect(tensor.values.count == 192 * 192 * 3)
        // 0.21875 · 192 = 42 rows of bars above and below the picture.
        #expect(tensor.values[(10 * 192 + 96) * 3] == -1)
        #expect(tensor.values[(180 * 192 + 96) * 3] == -1)
        #expect(tensor.values[(96 * 192 + 96) * 3] == Float(Double(200) * Double(Float(2) / 255) - 1))
    }

    @Test func quarterTurnSamplesTheTurnedPixelAndProjectsBack() {
        // One white pixel at (14, 5) in a black 20×20 image.
        var image = RGBImage(width: 20, height: 20)
        for c in 0..<3 { image.pixels[(5 * 20 + 14) * 3 + c] = 255 }
        let roi = RotatedRect(centerX: 10, centerY: 10, width: 20, height: 20, rotation: .pi / 2)
        let converter = ImageToTensor(width: 20, height: 20, range: 0...1, keepAspectRatio: false, border: .replicate)
        let tensor = converter.convert(image, roi: roi)
        // The ROI's x axis points down the image: tensor (u, v) samples image (20 − v, u).
        let lit = stride(from: 0, to: tensor.values.count, by: 3).filter { tensor.values[$0] > 0 }.map { $0 / 3 }
        #expect(lit == [6 * 20 + 5])
        #expect(tensor.values[(6 * 20 + 5) * 3] == 1)
        // The landmark projection maps the tensor pixel back onto the white pixel.
        let back = FaceMeshGeometry.projectLandmarks([5, 6, 0], roi: roi, inputWidth: 20, inputHeight: 20, landmarkCount: 1)
        #expect(abs(back[0].x - 14) < 1e-4 && abs(back[0].y - 5) < 1e-4)
    }

    /// MediaPipe's ImageToTensorCalculator (OpenCV 3.4.20 warpPerspective) on the pattern image:
    /// whole frames, turned ROIs reaching outside the image, both borders, letterboxing.
    @Test func tensorsMatchMediaPipeByteForByte() throws {
        let fixture = try MediaPipeFixture.load().imageToTensor
        let image = SyntheticImages.named(fixture.image)
        for c in fixture.cases {
            let converter = ImageToTensor(
                width: c.width, height: c.height, range: c.min...c.max, keepAspectRatio: c.keepAspectRatio,
                border: c.border == "zero" ? .zero : .replicate)
            let roi = c.roi.map { RotatedRect(centerX: $0[0], centerY: $0[1], width: $0[2], height: $0[3], rotation: $0[4]) }
            let tensor = converter.convert(image, roi: roi)
            let expected = [UInt8](Data(base64Encoded: c.bytes)!)
            let got = levels(tensor, c.min...c.max)
            let differing = zip(got, expected).filter { $0 != $1 }.count
            #expect(got.count == expected.count && differing == 0, "\(c.name): \(differing) bytes differ")
            // And the floats are exactly MediaPipe's: the byte scaled in double, rounded once.
            let scale = Double((c.max - c.min) / 255)
            #expect(tensor.values == expected.map { Float(Double($0) * scale + Double(c.min)) }, "\(c.name)")
        }
    }

    @Test func detectorInputMatchesMediaPipe() throws {
        let fixture = try MediaPipeFixture.load().detection
        let tensor = ImageToTensor.blazeFaceShortRange.convert(SyntheticImages.named(fixture.image))
        let bytes = levels(tensor, -1...1)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 }
        #expect(bytes.reduce(0) { $0 + Int($1) } == fixture.inputSum)
        #expect(String(hash, radix: 16).leftPadded(to: 16) == fixture.inputFNV1a)
    }

    @Test func tensorToImageMapsCornersOfTheSampledROI() {
        let tensor = ImageToTensor.blazeFaceFullRange.convert(RGBImage(width: 128, height: 72))
        // The tensor's top-left corner is the letterboxed ROI's: 128·(0.21875) pixels above the frame.
        let topLeft = tensor.toImage(SIMD2(0, 0))
        #expect(abs(topLeft.x) < 1e-6 && abs(topLeft.y - (-28.0 / 72)) < 1e-6)
        let bottomRight = tensor.toImage(SIMD2(1, 1))
        #expect(abs(bottomRight.x - 1) < 1e-6 && abs(bottomRight.y - 100.0 / 72) < 1e-6)
        // Pixels of a detection normalised to the frame.
        let detection = FaceDetection(
            box: NormalizedBox(xmin: 0.25, ymin: 0.5, width: 0.125, height: 0.25), keypoints: [SIMD2(0.5, 0.5)], score: 1)
        #expect(detection.pixelBox(frameWidth: 128, frameHeight: 72) == FaceBox(x: 32, y: 36, width: 16, height: 18))
        #expect(detection.pixelKeypoints(frameWidth: 128, frameHeight: 72) == [SIMD2(64, 36)])
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
