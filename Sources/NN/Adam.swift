import Foundation

/// Adam (Kingma & Ba, arXiv:1412.6980) with PyTorch's `torch.optim.Adam` semantics: bias
/// correction on, `weight_decay` as L2 added to the gradient (not AdamW), and the same operation
/// order as PyTorch's single-tensor CPU path, so trajectories agree to float32 rounding:
///
/// ```
/// g  = grad + weightDecay · p
/// m  = lerp(m, g, 1 − β1)                      // PyTorch's lerp_
/// v  = v · β2 + (1 − β2) · g · g
/// p -= (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + eps)
/// ```
///
/// Hyperparameters are `Double`, as PyTorch's Python floats, and scalars derived from them are
/// computed in Double and rounded to Float once, as PyTorch does. This matters: `1 − β2` computed
/// from `Float(0.999)` is 1.3e-5 relative away from PyTorch's, which shows in `exp_avg_sq`.
public final class Adam {
    /// The parameters, in the order their moments are stored.
    public let parameters: [Parameter]
    public var learningRate: Double
    public var betas: (Double, Double)
    public var eps: Double
    public var weightDecay: Double
    /// The number of steps taken so far (t after the last step).
    public var stepCount: Int = 0
    /// m, one per parameter, same shapes (PyTorch's `exp_avg`).
    public var firstMoments: [Tensor]
    /// v, one per parameter (PyTorch's `exp_avg_sq`).
    public var secondMoments: [Tensor]

    /// Creates the optimizer with zero moments.
    /// - Parameters:
    ///   - parameters: what to update, e.g. `layer.parameters`.
    ///   - learningRate: lr, PyTorch's default 1e-3 (DCGAN uses 2e-4).
    ///   - betas: (β1, β2), default (0.9, 0.999) (DCGAN uses (0.5, 0.999)).
    ///   - eps: added to the denominator, default 1e-8.
    ///   - weightDecay: L2 coefficient, default 0.
    public init(
        parameters: [Parameter], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.firstMoments = parameters.map { Tensor(zeros: $0.value.shape) }
        self.secondMoments = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    /// Updates every parameter from its accumulated gradient. Does not zero the gradients.
    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let (beta1, beta2) = betas
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2Root = (1 - pow(beta2, t)).squareRoot()
        let stepSize = Float(learningRate / biasCorrection1)
        let inverseCorrection2Root = Float(biasCorrection2Root)
        let weight1 = Float(1 - beta1)  // lerp weight
        let (decay2, weight2) = (Float(beta2), Float(1 - beta2))
        let (eps, weightDecay) = (Float(self.eps), Float(self.weightDecay))

        for index in parameters.indices {
            let parameter = parameters[index]
            let count = parameter.value.count
            let p = parameter.value.mutablePointer()
            let grad = parameter.gradient.pointer
            let m = firstMoments[index].mutablePointer()
            let v = secondMoments[index].mutablePointer()
            Parallel.forEachChunk(count: count, threshold: 1 << 18) { range in
                for i in range {
                    let g = weightDecay == 0 ? grad[i] : grad[i] + weightDecay * p[i]
                    // lerp(m, g, w): PyTorch's formula switches at w = 0.5 for accuracy.
                    m[i] = weight1 < 0.5 ? m[i] + weight1 * (g - m[i]) : g - (g - m[i]) * (1 - weight1)
                    v[i] = v[i] * decay2 + weight2 * g * g
                    let denominator = v[i].squareRoot() / inverseCorrection2Root + eps
                    p[i] = p[i] + -stepSize * (m[i] / denominator)
                }
            }
        }
    }
}
