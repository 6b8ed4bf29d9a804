/// Placeholder until the NN core lands: NCHW float32 tensor.
public struct Tensor: Sendable {
    public var shape: [Int]
    public var data: [Float]
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }
}
