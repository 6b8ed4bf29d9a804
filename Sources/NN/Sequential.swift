/// Layers applied in order, as PyTorch's `nn.Sequential`.
///
/// Children are keyed by their index, so the state of the reference DCGAN's
/// `self.main = nn.Sequential(...)` appears under `0.weight`, `1.running_mean`, …; a model that
/// holds this stack as `main` prefixes them to `main.0.weight` (see `Named`).
public final class Sequential: LayerContainer {
    /// The layers, applied first to last.
    public let layers: [any Layer]

    /// Creates a stack.
    /// - Parameter layers: applied in order; the output of each is the input of the next.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// Runs every layer in order.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, recording: recording) }
        return x
    }

    /// Runs every layer's backward in reverse order. Inner layers always produce their input
    /// gradient (the previous layer needs it); `inputGradient` applies to the first layer only.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool)
        -> Tensor?
    {
        var gradient = gradOutput
        for index in layers.indices.reversed() {
            let wantsInput = index > 0 || inputGradient
            guard
                let next = layers[index].backward(
                    gradient, inputGradient: wantsInput, parameterGradients: parameterGradients)
            else { return nil }
            gradient = next
        }
        return gradient
    }

    /// Each child's entries under `index.key`.
    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        layers.enumerated().flatMap { index, layer in
            layer.stateEntries().map { (joinedKey(String(index), $0.key), $0.entry) }
        }
    }

    /// Sets the mode of every child.
    public func setTraining(_ training: Bool) {
        for layer in layers { layer.setTraining(training) }
    }
}

/// Wraps a layer under an attribute name, so its keys read `name.…` as in a PyTorch module that
/// stores the child as `self.name`.
///
/// The reference DCGAN generator is `Named("main", Sequential([...]))`: keys `main.0.weight`, ….
public final class Named: LayerContainer {
    /// The attribute name, e.g. `main`.
    public let name: String
    /// The wrapped layer.
    public let layer: any Layer

    /// Creates the wrapper.
    /// - Parameters:
    ///   - name: the attribute name, used as the key prefix.
    ///   - layer: the wrapped layer.
    public init(_ name: String, _ layer: any Layer) {
        self.name = name
        self.layer = layer
    }

    /// Runs the wrapped layer.
    public func forward(_ input: Tensor, recording: Bool) -> Tensor {
        layer.forward(input, recording: recording)
    }

    /// Back-propagates through the wrapped layer.
    public func backward(_ gradOutput: Tensor, inputGradient: Bool, parameterGradients: Bool)
        -> Tensor?
    {
        layer.backward(
            gradOutput, inputGradient: inputGradient, parameterGradients: parameterGradients)
    }

    /// The wrapped layer's entries under `name.key`.
    public func stateEntries() -> [(key: String, entry: StateEntry)] {
        layer.stateEntries().map { (joinedKey(name, $0.key), $0.entry) }
    }

    /// Sets the wrapped layer's mode.
    public func setTraining(_ training: Bool) {
        layer.setTraining(training)
    }
}

extension Sequential {
    public var sublayers: [any Layer] { layers }
}

extension Named {
    public var sublayers: [any Layer] { [layer] }
}
