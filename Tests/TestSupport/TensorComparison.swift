import NN
import Testing

/// The worst mismatch between two tensors, or `nil` when they are close everywhere.
public func firstMismatch(_ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance) -> String? {
    guard actual.shape == expected.shape else {
        return "shape \(actual.shape) differs from the expected \(expected.shape)"
    }
    let (a, b) = (actual.data, expected.data)
    var worst: (index: Int, excess: Float)? = nil
    var failures = 0
    for index in a.indices where !isClose(a[index], b[index], atol: tolerance.atol, rtol: tolerance.rtol) {
        failures += 1
        let excess = abs(a[index] - b[index]) - (tolerance.atol + tolerance.rtol * abs(b[index]))
        if worst == nil || excess > worst!.excess || excess.isNaN { worst = (index, excess) }
    }
    guard let worst else { return nil }
    return "\(failures) of \(a.count) values differ beyond \(tolerance); worst at flat index \(worst.index): "
        + "\(a[worst.index]) vs expected \(b[worst.index])"
}

/// Records a test issue when `actual` and `expected` are not close (shapes must match too).
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let message = firstMismatch(actual, expected, tolerance) {
        Issue.record("\(what()): \(message)", sourceLocation: sourceLocation)
    }
}

/// Records a test issue when two scalars are not close.
public func expectClose(
    _ actual: Float, _ expected: Float, _ tolerance: Tolerance, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if !isClose(actual, expected, atol: tolerance.atol, rtol: tolerance.rtol) {
        Issue.record("\(what()): \(actual) vs expected \(expected) (\(tolerance))", sourceLocation: sourceLocation)
    }
}
