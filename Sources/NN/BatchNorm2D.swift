/// Batch normalisation over `[N, C, H, W]` per channel, as PyTorch's `nn.BatchNorm2d`
/// (Ioffe & Szegedy, arXiv:1502.03167).
///
/// `y = (x − μ_c) / sqrt(σ²_c + eps) · weight[c] + bias[c]`.
/// - Training mode: μ and σ² are the batch's mean and *biased* variance over `N·H·W` values, and the
///   running statistics move by `momentum`: `running = (1 − m)·running + m·batch`, where the running
///   variance takes the *unbiased* batch variance (`·M/(M − 1)`, `M = N·H·W`), exactly as PyTorch.
///   `num_batches_tracked` counts the updates.
/// - Evaluation mode: μ and σ² are the running statistics.
///
/// Sums are carried in Double: a channel of a DCGAN layer at batch 64 has up to 65,536 values, and a
/// float32 running sum of that many would lose about 4 digits.
public final class BatchNorm2D: Layer {
    /// γ, `[C]`, PyTorch's `weight`.
    public let weight: Parameter
    /// β, `[C]`, PyTorch's `bias`.
    public let bias: Parameter
    /// `[C]`, PyTorch's `running_mean` buffer.
    public let runningMean: Buffer
    /// `[C]`, PyTorch's `running_var` buffer.
    public let runningVariance: Buffer
    /// Scalar `[]`, PyTorch's `num_batches_tracked` buffer. PyTorch stores it as int64; here it is a
    /// float, exact up to 2²⁴ ≈ 16.7 million updates.
    public let batchesTracked: Buffer
    public let featureCount: Int
    public let eps: Float
    public let momentum: Float
    /// Training (batch statistics) or evaluation (running statistics) behaviour.
    public private(set) var isTraining = true

    private var output: Tensor?
    private var inputGradientBuffer: Tensor?
    /// The recorded forward: input (shared), per-channel mean and 1/sqrt(σ² + eps), and the mode.
    private var recordedInput: Tensor?
    private var mean: [Float]
    private var inverseStd: [Float]
    private var recordedTraining = true

    /// Creates the layer with `weight = 1`, `bias = 0`, `running_mean = 0`, `running_var = 1`.
    /// - Parameters:
    ///   - featureCount: C.
    ///   - eps: added to the variance, PyTorch's default 1e-5.
    ///   - momentum: running-statistics update weight, PyTorch's default 0.1.
    public init(featureCount: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(featureCount > 0, "BatchNorm2D needs a positive feature count")
        self.featureCount = featureCount
        self.eps = eps
        self.momentum = momentum
        self.weight = Parameter(Tensor(repeating: 1, shape: [featureCount]))
        self.bias = Parameter(Tensor(zeros: [featureCount]))
        self.runningMean = Buffer(Tensor(zeros: [featureCount]))
        self.runningVariance = Buffer(Tensor(repeating: 1, shape: [featureCount]))
        self.batchesTracked = Buffer(Tensor(zeros: []))
        self.mean = Array(repeating: 0, count: featureCount)
        self.inverseStd = Array(repeating: 1, count: featureCount)
    }

    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        [("weight", .parameter(weight)), ("bias", .parameter(bias)),
         ("running_mean", .buffer(runningMean)), ("running_var", .buffer(runningVariance)),
         ("num_batches_tracked", .buffer(batchesTracked))]
    }

    public func setTraining(_ training: Bool) {
        isTraining = training
    }

    /// Splits the channels over the workers when the tensor is big enough to gain from it.
    private func forEachChannel(count: Int, _ body: (Int) -> Void) {
        let workers = count >= Parallel.elementwiseThreshold ? min(Parallel.workerCount, featureCount) : 1
        Parallel.run(workers: workers) { worker in
            for c in Parallel.range(of: worker, workers: workers, count: featureCount) { body(c) }
        }
    }

    // MARK: - Forward

    /// - Parameter input: `[N, C, H, W]`.
    /// - Returns: `[N, C, H, W]`.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        precondition(input.shape.count == 4 && input.shape[1] == featureCount,
                     "BatchNorm2D expects [N, \(featureCount), H, W], got \(input.shape)")
        let (n, channels, plane) = (input.shape[0], featureCount, input.shape[2] * input.shape[3])
        let m = n * plane
        if isTraining { precondition(m > 1, "BatchNorm2D in training needs more than one value per channel") }
        let y = Tensor.reuse(&output, shape: input.shape)
        let (x, yPointer) = (input.pointer, y.storage.pointer)
        let (gamma, beta) = (weight.value.pointer, bias.value.pointer)
        let training = isTraining
        let runningMeanPointer = runningMean.value.mutablePointer()
        let runningVariancePointer = runningVariance.value.mutablePointer()
        let (momentum, eps) = (self.momentum, self.eps)

        mean.withUnsafeMutableBufferPointer { meanBuffer in
            inverseStd.withUnsafeMutableBufferPointer { inverseStdBuffer in
                let (meanOut, inverseStdOut) = (meanBuffer.baseAddress!, inverseStdBuffer.baseAddress!)
                forEachChannel(count: input.count) { c in
                    var mu: Float
                    var variance: Float
                    if training {
                        // Two passes (mean, then squared deviations) avoid the cancellation of
                        // E[x²] − E[x]².
                        var total = 0.0
                        for image in 0..<n { total += sum(x + (image * channels + c) * plane, count: plane) }
                        let meanDouble = total / Double(m)
                        mu = Float(meanDouble)
                        var squares = 0.0
                        for image in 0..<n {
                            squares += squaredDeviation(x + (image * channels + c) * plane, count: plane, from: mu)
                        }
                        variance = Float(squares / Double(m))
                        // Running statistics: unbiased variance, as PyTorch.
                        runningMeanPointer[c] = (1 - momentum) * runningMeanPointer[c] + momentum * mu
                        let unbiased = Float(squares / Double(m - 1))
                        runningVariancePointer[c] = (1 - momentum) * runningVariancePointer[c] + momentum * unbiased
                    } else {
                        mu = runningMeanPointer[c]
                        variance = runningVariancePointer[c]
                    }
                    let invStd = 1 / (variance + eps).squareRoot()
                    meanOut[c] = mu
                    inverseStdOut[c] = invStd
                    // y = (x − μ)·invStd·γ + β = x·scale + shift
                    let scale = invStd * gamma[c]
                    let shift = beta[c] - mu * scale
                    for image in 0..<n {
                        let offset = (image * channels + c) * plane
                        let (source, target) = (x + offset, yPointer + offset)
                        for index in 0..<plane { target[index] = source[index] * scale + shift }
                    }
                }
            }
        }
        if training {
            let tracked = batchesTracked.value.mutablePointer()
            tracked[0] += 1
        }
        recordedInput = recording ? input : nil
        recordedTraining = training
        return y
    }

    // MARK: - Backward

    /// - Parameter gradOutput: `[N, C, H, W]`.
    /// - Returns: `[N, C, H, W]`, or `nil` when `inputGradient` is `false`.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        guard let input = recordedInput else { preconditionFailure("BatchNorm2D.backward needs a recorded forward") }
        recordedInput = nil
        precondition(gradOutput.shape == input.shape,
                     "BatchNorm2D.backward expects \(input.shape), got \(gradOutput.shape)")
        let (n, channels, plane) = (input.shape[0], featureCount, input.shape[2] * input.shape[3])
        let m = Double(n * plane)
        let (x, dY, gamma) = (input.pointer, gradOutput.pointer, weight.value.pointer)
        var dX: Tensor? = nil
        var dXPointer: UnsafeMutablePointer<Float>? = nil
        if inputGradient {
            let tensor = Tensor.reuse(&inputGradientBuffer, shape: input.shape)
            dX = tensor
            dXPointer = tensor.storage.pointer
        }
        let dGamma = parameterGradients ? weight.gradient.mutablePointer() : nil
        let dBeta = parameterGradients ? bias.gradient.mutablePointer() : nil
        let training = recordedTraining

        mean.withUnsafeBufferPointer { meanBuffer in
            inverseStd.withUnsafeBufferPointer { inverseStdBuffer in
                forEachChannel(count: input.count) { c in
                    let (mu, invStd) = (meanBuffer[c], inverseStdBuffer[c])
                    // Σ dY and Σ dY·x̂ over the channel, with x̂ = (x − μ)·invStd.
                    // Centring x before the product avoids the cancellation in Σ dY·x − μ·Σ dY.
                    var sumDY = 0.0
                    var sumDYCentered = 0.0
                    for image in 0..<n {
                        let offset = (image * channels + c) * plane
                        sumDY += sum(dY + offset, count: plane)
                        sumDYCentered += centeredDot(dY + offset, x + offset, count: plane, center: mu)
                    }
                    let sumDYXHat = sumDYCentered * Double(invStd)
                    if let dGamma, let dBeta {
                        dGamma[c] += Float(sumDYXHat)  // ∂L/∂γ = Σ dY·x̂
                        dBeta[c] += Float(sumDY)  // ∂L/∂β = Σ dY
                    }
                    guard let dXPointer else { return }
                    let scale = gamma[c] * invStd
                    if training {
                        // μ and σ² depend on x, so besides the direct term γ·invStd·dY there are
                        //   term 2 (through μ):  −γ·invStd·mean(dY)
                        //   term 3 (through σ²): −γ·invStd·x̂·mean(dY·x̂)
                        // dX = γ·invStd·(dY − mean(dY) − x̂·mean(dY·x̂)), regrouped as
                        // dX = scale·dY + a·x + b with x̂ = (x − μ)·invStd.
                        let meanDY = Float(sumDY / m)
                        let meanDYXHat = Float(sumDYXHat / m)
                        let a = -scale * invStd * meanDYXHat
                        let b = -scale * meanDY - a * mu
                        for image in 0..<n {
                            let offset = (image * channels + c) * plane
                            let (g, source, target) = (dY + offset, x + offset, dXPointer + offset)
                            for index in 0..<plane { target[index] = scale * g[index] + a * source[index] + b }
                        }
                    } else {
                        // Running statistics are constants: only the direct term remains.
                        for image in 0..<n {
                            let offset = (image * channels + c) * plane
                            let (g, target) = (dY + offset, dXPointer + offset)
                            for index in 0..<plane { target[index] = scale * g[index] }
                        }
                    }
                }
            }
        }
        return dX
    }
}

/// Σ g[i]·(x[i] − center), as `sum`.
@inline(__always)
private func centeredDot(
    _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, center: Float
) -> Double {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    let c = SIMD8<Float>(repeating: center)
    let rawG = UnsafeRawPointer(g), rawX = UnsafeRawPointer(x)
    var index = 0
    while index + 16 <= count {
        a0.addProduct(rawG.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self),
                      rawX.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) - c)
        a1.addProduct(rawG.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self),
                      rawX.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self) - c)
        index += 16
    }
    var total = Double((a0 + a1).sum())
    while index < count {
        total += Double(g[index]) * Double(x[index] - center)
        index += 1
    }
    return total
}

/// Σ (values[i] − center)², as `sum`.
@inline(__always)
private func squaredDeviation(_ values: UnsafePointer<Float>, count: Int, from center: Float) -> Double {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    let c = SIMD8<Float>(repeating: center)
    let raw = UnsafeRawPointer(values)
    var index = 0
    while index + 16 <= count {
        let d0 = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) - c
        let d1 = raw.loadUnaligned(fromByteOffset: (index + 8) * 4, as: SIMD8<Float>.self) - c
        a0.addProduct(d0, d0)
        a1.addProduct(d1, d1)
        index += 16
    }
    var total = Double((a0 + a1).sum())
    while index < count {
        let d = Double(values[index] - center)
        total += d * d
        index += 1
    }
    return total
}
