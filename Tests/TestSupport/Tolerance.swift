import NN

/// `|a - b| <= atol + rtol * |b|`, as `torch.allclose`.
public func isClose(_ a: Float, _ b: Float, atol: Float, rtol: Float) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}

/// Tolerances for comparing with a reference, as `torch.allclose`: `|a − b| ≤ atol + rtol·|b|`.
public struct Tolerance: Sendable, CustomStringConvertible {
    public var atol: Float
    public var rtol: Float

    public init(atol: Float, rtol: Float) {
        precondition(atol >= 0 && rtol >= 0, "Tolerances must be non-negative")
        self.atol = atol
        self.rtol = rtol
    }

    /// Forward values: the project's starting point, tight enough to catch an off-by-one pixel.
    public static let forward = Tolerance(atol: 1e-5, rtol: 1e-4)
    /// Gradients: sums of many more products than the forward values, so one decade looser.
    public static let gradient = Tolerance(atol: 1e-4, rtol: 1e-3)

    public var description: String { "atol \(atol), rtol \(rtol)" }
}
