/// A trainable tensor and the gradient that backward passes accumulate into it.
///
/// A class, so that a layer, the parameter registry and an optimizer all refer to the same
/// weights. Backward passes *add* to `gradient` (as PyTorch's `.grad` accumulates); call
/// `zeroGradient()` (or `Layer.zeroGradients()`) before each optimisation step's backward passes.
public final class Parameter {
    /// The current values, e.g. a Conv2d weight `[out, in, kH, kW]`.
    public var value: Tensor
    /// The accumulated gradient, same shape as `value`.
    public var gradient: Tensor

    /// Creates a parameter with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }

    /// Sets every gradient element to zero.
    public func zeroGradient() {
        let pointer = gradient.mutablePointer()
        pointer.update(repeating: 0, count: gradient.count)
    }
}

/// A non-trainable tensor saved with the model, such as BatchNorm's running statistics.
public final class Buffer {
    /// The current values.
    public var value: Tensor

    /// Creates a buffer.
    public init(_ value: Tensor) {
        self.value = value
    }
}

/// One entry of a layer's state: a parameter or a buffer, under its PyTorch `state_dict` key.
public enum StateEntry {
    case parameter(Parameter)
    case buffer(Buffer)

    /// The tensor this entry holds.
    public var value: Tensor {
        switch self {
        case .parameter(let parameter): parameter.value
        case .buffer(let buffer): buffer.value
        }
    }
}
