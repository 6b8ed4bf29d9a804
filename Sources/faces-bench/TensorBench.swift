import ArgumentParser
import Faces
import Foundation
import Media

/// The model-input conversions of the CNN pipeline on one frame: the two BlazeFace letterboxes of
/// the whole frame and FaceMesh's turned crop, each timed alone (median of many runs).
struct TensorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor", abstract: "Time ImageToTensor's whole-frame and turned-ROI conversions on an image.")
    @Argument(help: "An image (PNG or JPEG).") var image: String
    @Option(help: "Timed runs per conversion.") var runs = 200
    @Option(help: "Turn of the FaceMesh ROI in degrees.") var degrees = 17.0

    func run() throws {
        guard (1...100_000).contains(runs) else { throw ValidationError("--runs must be in 1...100000, got \(runs)") }
        let frame = try ImageFile.read(image)
        let side = Float(min(frame.width, frame.height)) / 3
        let roi = RotatedRect(centerX: Float(frame.width) / 2, centerY: Float(frame.height) / 2, width: side, height: side,
                              rotation: Float(degrees * .pi / 180))
        let cases: [(String, () -> ImageTensor)] = [
            ("full-range letterbox 192", { ImageToTensor.blazeFaceFullRange.convert(frame) }),
            ("short-range letterbox 128", { ImageToTensor.blazeFaceShortRange.convert(frame) }),
            ("FaceMesh turned ROI 192", { ImageToTensor.faceMesh.convert(frame, roi: roi) }),
        ]
        print("\(image): \(frame.width)x\(frame.height), median of \(runs) runs")
        for (name, body) in cases {
            var times: [Double] = []
            var checksum: Float = 0
            for _ in 0..<runs {
                let t = now()
                let tensor = body()
                times.append(now() - t)
                checksum += tensor.values[tensor.values.count / 2]
            }
            times.sort()
            print(String(format: "  %@: %.1f us (best %.1f)  [%g]", name, times[times.count / 2] * 1e6, times[0] * 1e6, checksum))
        }
    }
}
