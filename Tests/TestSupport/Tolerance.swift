import NN

/// `|a - b| <= atol + rtol * |b|`, as `torch.allclose`.
public func isClose(_ a: Float, _ b: Float, atol: Float, rtol: Float) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}
