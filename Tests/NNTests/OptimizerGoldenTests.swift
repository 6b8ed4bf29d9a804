import NN
import Testing
import TestSupport

/// Adam and SGD against 3 steps of `torch.optim` on fixed gradients (tools/golden/optimizers.py).
struct OptimizerGoldenTests {
    /// Both sides run the same float32 operations in the same order, so only the last bits of
    /// `sqrt` and division may differ: far tighter than the forward tolerance. A wrong bias
    /// correction or eps placement moves a value by a good fraction of the learning rate (≥ 1e-6 here).
    static let tolerance = Tolerance(atol: 1e-7, rtol: 1e-6)

    @Test func threeStepsMatchTorchOptim() throws {
        let golden = try GoldenFile("optimizers")
        let cases = try golden.cases()
        #expect(cases.count == 5)
        for (index, c) in cases.enumerated() {
            let key = "case\(index)"
            let parameter = Parameter(try golden.tensor("\(key).param"))
            let step: () -> Void
            var adam: Adam? = nil
            if c.string("optimizer") == "adam" {
                let betas = c["betas"] as? [Any] ?? []
                let beta1 = (betas.first as? Double) ?? 0, beta2 = (betas.last as? Double) ?? 0
                let optimizer = Adam(parameters: [parameter], learningRate: c.double("lr"),
                                     betas: (beta1, beta2), eps: c.double("eps"), weightDecay: c.double("weight_decay"))
                adam = optimizer
                step = optimizer.step
            } else {
                let optimizer = SGD(parameters: [parameter], learningRate: c.double("lr"),
                                    momentum: c.double("momentum"), weightDecay: c.double("weight_decay"),
                                    nesterov: c.bool("nesterov"))
                step = optimizer.step
            }
            for t in 1...3 {
                parameter.gradient = try golden.tensor("\(key).grad\(t)")
                step()
                expectClose(parameter.value, try golden.tensor("\(key).param\(t)"), Self.tolerance,
                            "\(key) \(c.string("optimizer")) parameter after step \(t)")
            }
            if let adam {
                #expect(adam.stepCount == 3)
                expectClose(adam.firstMoments[0], try golden.tensor("\(key).exp_avg"), Self.tolerance, "\(key) exp_avg")
                expectClose(adam.secondMoments[0], try golden.tensor("\(key).exp_avg_sq"), Self.tolerance, "\(key) exp_avg_sq")
            }
        }
    }
}
