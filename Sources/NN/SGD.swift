/// Stochastic gradient descent with momentum, as `torch.optim.SGD` (dampening 0):
///
/// ```
/// g = grad + weightDecay · p
/// b = g                  (first step)      b = momentum · b + g   (later steps)
/// d = nesterov ? g + momentum · b : b       (d = g when momentum is 0)
/// p -= lr · d
/// ```
public final class SGD {
    public let parameters: [Parameter]
    /// Hyperparameters are `Double`, as PyTorch's Python floats (see `Adam`), rounded to Float once per step.
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    /// The momentum buffers, one per parameter; `nil` before the first step.
    public var momentumBuffers: [Tensor]?

    /// Creates the optimizer.
    /// - Parameters:
    ///   - parameters: what to update.
    ///   - learningRate: lr.
    ///   - momentum: default 0 (plain SGD).
    ///   - weightDecay: L2 coefficient, default 0.
    ///   - nesterov: Nesterov momentum, default `false`.
    public init(parameters: [Parameter], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// Updates every parameter from its accumulated gradient. Does not zero the gradients.
    public func step() {
        let first = momentumBuffers == nil
        if first && momentum != 0 { momentumBuffers = parameters.map { Tensor(zeros: $0.value.shape) } }
        let (lr, momentum, weightDecay, nesterov) =
            (Float(learningRate), Float(self.momentum), Float(self.weightDecay), self.nesterov)
        for index in parameters.indices {
            let parameter = parameters[index]
            let p = parameter.value.mutablePointer()
            let grad = parameter.gradient.pointer
            if momentum == 0 {
                for i in 0..<parameter.value.count {
                    let g = weightDecay == 0 ? grad[i] : grad[i] + weightDecay * p[i]
                    p[i] -= lr * g
                }
                continue
            }
            let b = momentumBuffers![index].mutablePointer()
            for i in 0..<parameter.value.count {
                let g = weightDecay == 0 ? grad[i] : grad[i] + weightDecay * p[i]
                b[i] = first ? g : momentum * b[i] + g
                let d = nesterov ? g + momentum * b[i] : b[i]
                p[i] -= lr * d
            }
        }
    }
}
