import Foundation

/// Loss functions with mean reduction, as PyTorch's defaults (`reduction='mean'`). Each returns
/// the loss and its gradient with respect to the prediction, ready for `Layer.backward`.
///
/// Losses are summed in Double: they are reported per training step and compared against PyTorch
/// at `atol 1e-4`, so summation error must not show.
public enum Loss {
    /// Binary cross-entropy on probabilities, as `nn.BCELoss`:
    /// `−mean(y·log p + (1 − y)·log(1 − p))`, each log clamped at −100 as PyTorch does so that
    /// `p = 0` or `1` gives a finite loss.
    /// - Parameters:
    ///   - probabilities: p in `[0, 1]`, any shape.
    ///   - targets: y, the same shape, in `[0, 1]`.
    /// - Returns: the loss, and ∂loss/∂p `= (p − y) / max(p(1 − p), 1e-12) / count` (PyTorch's
    ///   clamp of the denominator).
    public static func binaryCrossEntropy(probabilities: Tensor, targets: Tensor) -> (value: Float, gradient: Tensor) {
        precondition(probabilities.shape == targets.shape,
                     "binaryCrossEntropy: probabilities \(probabilities.shape) and targets \(targets.shape) differ")
        let count = probabilities.count
        var gradient = Tensor(uninitializedShape: probabilities.shape)
        let (p, y, g) = (probabilities.pointer, targets.pointer, gradient.mutablePointer())
        var total = 0.0
        for index in 0..<count {
            let (pi, yi) = (Double(p[index]), Double(y[index]))
            total -= yi * max(log(pi), -100) + (1 - yi) * max(log(1 - pi), -100)
            let (pf, yf) = (p[index], y[index])
            g[index] = (pf - yf) / max((1 - pf) * pf, 1e-12) / Float(count)
        }
        return (Float(total / Double(count)), gradient)
    }

    /// Binary cross-entropy on logits, as `nn.BCEWithLogitsLoss`:
    /// `mean(max(x, 0) − x·y + log(1 + e^(−|x|)))`, which equals `BCE(sigmoid(x), y)` without
    /// overflow or the loss of precision of `log(sigmoid(x))` for large |x|.
    /// - Parameters:
    ///   - logits: x, any shape.
    ///   - targets: y, the same shape, in `[0, 1]`.
    /// - Returns: the loss, and ∂loss/∂x `= (sigmoid(x) − y) / count`.
    public static func binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor) -> (value: Float, gradient: Tensor) {
        precondition(logits.shape == targets.shape,
                     "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ")
        let count = logits.count
        var gradient = Tensor(uninitializedShape: logits.shape)
        let (x, y, g) = (logits.pointer, targets.pointer, gradient.mutablePointer())
        var total = 0.0
        for index in 0..<count {
            let (xi, yi) = (Double(x[index]), Double(y[index]))
            total += max(xi, 0) - xi * yi + log1p(exp(-abs(xi)))
            g[index] = (sigmoid(x[index]) - y[index]) / Float(count)
        }
        return (Float(total / Double(count)), gradient)
    }

    /// Mean squared error, as `nn.MSELoss`: `mean((x − y)²)`.
    /// - Parameters:
    ///   - predictions: x, any shape.
    ///   - targets: y, the same shape.
    /// - Returns: the loss, and ∂loss/∂x `= 2(x − y) / count`.
    public static func meanSquaredError(predictions: Tensor, targets: Tensor) -> (value: Float, gradient: Tensor) {
        precondition(predictions.shape == targets.shape,
                     "meanSquaredError: predictions \(predictions.shape) and targets \(targets.shape) differ")
        let count = predictions.count
        var gradient = Tensor(uninitializedShape: predictions.shape)
        let (x, y, g) = (predictions.pointer, targets.pointer, gradient.mutablePointer())
        var total = 0.0
        for index in 0..<count {
            let difference = x[index] - y[index]
            total += Double(difference) * Double(difference)
            g[index] = 2 * difference / Float(count)
        }
        return (Float(total / Double(count)), gradient)
    }
}
