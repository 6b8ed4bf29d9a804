import Foundation
import NN
import Testing
import TestSupport

/// MediaPipe's three face models run by `TFLiteModel` against TFLite's own reference kernels
/// (fixtures/golden/tflite_*.safetensors, written by tools/golden/tflite_faces.py).
@Suite("TFLite goldens", .enabled(if: MediaPipeModels.present, Comment(rawValue: MediaPipeModels.absentReason)))
struct TFLiteGoldenTests {
    /// The tolerance for every output tensor.
    static let tolerance = Tolerance(atol: 1e-4, rtol: 1e-3)

    @Test("outputs match TFLite's reference kernels", arguments: MediaPipeModels.stems)
    func matchesReference(stem: String) throws {
        let golden = try GoldenFile("tflite_" + stem)
        let model = try TFLiteModel(contentsOf: MediaPipeModels.url(stem))
        let names = try JSONDecoder().decode([String].self, from: Data((golden.metadata["output_names"] ?? "[]").utf8))
        #expect(model.outputNames == names)
        for i in 0..<2 {
            let input = try golden.tensor("input_\(i)")
            #expect(input.shape == model.inputShape)
            let outputs = try model.run(input.data)
            #expect(outputs.count == names.count)
            for (k, output) in outputs.enumerated() {
                let expected = try golden.tensor("output_\(k)_\(i)")
                #expect(expected.shape == model.outputShapes[k])
                let reference = expected.data
                var worst: Float = 0, failures = 0
                for (a, b) in zip(output, reference) {
                    if !isClose(a, b, atol: Self.tolerance.atol, rtol: Self.tolerance.rtol) { failures += 1 }
                    worst = max(worst, abs(a - b))
                }
                #expect(output.count == reference.count)
                #expect(failures == 0, "\(stem) output \(k) (\(names[k])) input \(i): \(failures) of \(reference.count) values outside \(Self.tolerance), largest difference \(worst)")
            }
        }
    }
}
