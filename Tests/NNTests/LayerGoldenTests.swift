import NN
import Testing
import TestSupport

/// Every layer against PyTorch goldens (tools/golden/layers.py): forward output, input gradient and
/// every parameter gradient, at several shapes including the DCGAN 64×64 ones. The references are
/// float64 results for float32 inputs, so the differences measured are this module's float32
/// rounding.
struct LayerGoldenTests {
    /// Runs forward and backward of `layer` on case `key` and compares everything stored.
    static func check(
        _ layer: any Layer, _ golden: GoldenFile, _ key: String, parameters: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let input = try golden.tensor("\(key).input")
        let named = Dictionary(uniqueKeysWithValues: layer.namedParameters.map { ($0.key, $0.parameter) })
        for name in parameters { named[name]!.value = try golden.tensor("\(key).\(name)") }
        expectClose(layer.infer(input), try golden.tensor("\(key).output"), .forward, "\(key) inference output",
                    sourceLocation: sourceLocation)
        layer.zeroGradients()
        expectClose(layer.forward(input), try golden.tensor("\(key).output"), .forward, "\(key) output",
                    sourceLocation: sourceLocation)
        let gradInput = layer.backward(try golden.tensor("\(key).grad_output"))
        expectClose(gradInput, try golden.tensor("\(key).grad_input"), .gradient, "\(key) grad_input",
                    sourceLocation: sourceLocation)
        for name in parameters {
            expectClose(named[name]!.gradient, try golden.tensor("\(key).grad_\(name)"), .gradient,
                        "\(key) grad_\(name)", sourceLocation: sourceLocation)
        }
    }

    @Test func conv2D() throws {
        let golden = try GoldenFile("conv2d")
        let cases = try golden.cases()
        #expect(cases.count == 8)
        for (index, c) in cases.enumerated() {
            let layer = Conv2D(inputChannels: c.int("in_channels"), outputChannels: c.int("out_channels"),
                               kernelSize: c.int("kernel"), stride: c.int("stride"), padding: c.int("padding"),
                               bias: c.bool("bias"))
            try Self.check(layer, golden, "case\(index)", parameters: c.bool("bias") ? ["weight", "bias"] : ["weight"])
        }
    }

    @Test func convTranspose2D() throws {
        let golden = try GoldenFile("conv_transpose2d")
        let cases = try golden.cases()
        #expect(cases.count == 7)
        for (index, c) in cases.enumerated() {
            let layer = ConvTranspose2D(
                inputChannels: c.int("in_channels"), outputChannels: c.int("out_channels"), kernelSize: c.int("kernel"),
                stride: c.int("stride"), padding: c.int("padding"), outputPadding: c.int("output_padding"),
                bias: c.bool("bias"))
            try Self.check(layer, golden, "case\(index)", parameters: c.bool("bias") ? ["weight", "bias"] : ["weight"])
        }
    }

    @Test func batchNorm2D() throws {
        let golden = try GoldenFile("batchnorm2d")
        let cases = try golden.cases()
        #expect(cases.count == 8)
        for (index, c) in cases.enumerated() {
            let key = "case\(index)"
            let layer = BatchNorm2D(featureCount: c.int("features"))
            layer.setTraining(c.bool("training"))
            layer.weight.value = try golden.tensor("\(key).weight")
            layer.bias.value = try golden.tensor("\(key).bias")
            layer.runningMean.value = try golden.tensor("\(key).running_mean_before")
            layer.runningVariance.value = try golden.tensor("\(key).running_var_before")
            let input = try golden.tensor("\(key).input")
            expectClose(layer.forward(input), try golden.tensor("\(key).output"), .forward, "\(key) output")
            // Running statistics after exactly one forward (unchanged in evaluation mode).
            expectClose(layer.runningMean.value, try golden.tensor("\(key).running_mean"), .forward, "\(key) running_mean")
            expectClose(layer.runningVariance.value, try golden.tensor("\(key).running_var"), .forward, "\(key) running_var")
            #expect(layer.batchesTracked.value[flat: 0] == (c.bool("training") ? 1 : 0))
            let gradInput = layer.backward(try golden.tensor("\(key).grad_output"))
            expectClose(gradInput, try golden.tensor("\(key).grad_input"), .gradient, "\(key) grad_input")
            expectClose(layer.weight.gradient, try golden.tensor("\(key).grad_weight"), .gradient, "\(key) grad_weight")
            expectClose(layer.bias.gradient, try golden.tensor("\(key).grad_bias"), .gradient, "\(key) grad_bias")
        }
    }

    @Test func activations() throws {
        let golden = try GoldenFile("activations")
        let cases = try golden.cases()
        #expect(cases.count == 8)
        for (index, c) in cases.enumerated() {
            let layer: any Layer
            switch c.string("function") {
            case "relu": layer = ReLU()
            case "leaky_relu_0.2": layer = LeakyReLU(slope: 0.2)
            case "tanh": layer = Tanh()
            case "sigmoid": layer = Sigmoid()
            case let other:
                Issue.record("unknown activation \(other) in the golden file")
                continue
            }
            try Self.check(layer, golden, "case\(index)", parameters: [])
        }
    }

    @Test func linear() throws {
        let golden = try GoldenFile("linear")
        let cases = try golden.cases()
        #expect(cases.count == 2)
        for (index, c) in cases.enumerated() {
            let layer = Linear(inputFeatures: c.int("in_features"), outputFeatures: c.int("out_features"),
                               bias: c.bool("bias"))
            try Self.check(layer, golden, "case\(index)", parameters: c.bool("bias") ? ["weight", "bias"] : ["weight"])
        }
    }

    @Test func losses() throws {
        let golden = try GoldenFile("losses")
        let cases = try golden.cases()
        #expect(cases.count == 3)
        for (index, c) in cases.enumerated() {
            let key = "case\(index)"
            let (input, target) = (try golden.tensor("\(key).input"), try golden.tensor("\(key).target"))
            let result: (value: Float, gradient: Tensor)
            switch c.string("loss") {
            case "bce_with_logits": result = Loss.binaryCrossEntropyWithLogits(logits: input, targets: target)
            case "bce": result = Loss.binaryCrossEntropy(probabilities: input, targets: target)
            case "mse": result = Loss.meanSquaredError(predictions: input, targets: target)
            case let other:
                Issue.record("unknown loss \(other) in the golden file")
                continue
            }
            expectClose(result.value, try golden.tensor("\(key).loss")[flat: 0], .forward, "\(key) \(c.string("loss")) value")
            expectClose(result.gradient, try golden.tensor("\(key).grad_input"), .gradient, "\(key) gradient")
        }
    }
}
