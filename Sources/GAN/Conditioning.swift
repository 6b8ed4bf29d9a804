import NN

/// How class labels enter the networks of a conditional GAN: one-hot channels concatenated to
/// G's noise, and one-hot constant planes concatenated to D's images (see `GANArchitecture`).
/// Unconditional architectures pass tensors through unchanged.
public enum Conditioning {
    /// G's input: the noise with the one-hot label as K extra channels.
    /// - Parameters:
    ///   - noise: `[N, nz, 1, 1]`.
    ///   - labels: N class indices in `0..<K`, or `nil` for an unconditional architecture.
    ///   - classCount: K.
    /// - Returns: `[N, nz + K, 1, 1]`.
    public static func generatorInput(noise: Tensor, labels: [Int]?, classCount: Int) -> Tensor {
        appendingPlanes(to: noise, labels: labels, classCount: classCount)
    }

    /// D's input: the images with K constant planes, plane k all ones when the label is k.
    /// - Parameters:
    ///   - images: `[N, C, S, S]`.
    ///   - labels: N class indices, or `nil` for an unconditional architecture.
    ///   - classCount: K.
    /// - Returns: `[N, C + K, S, S]`.
    public static func discriminatorInput(images: Tensor, labels: [Int]?, classCount: Int) -> Tensor {
        appendingPlanes(to: images, labels: labels, classCount: classCount)
    }

    /// The part of ∂loss/∂(D's input) that belongs to the image channels.
    /// - Parameters:
    ///   - gradient: `[N, C + K, S, S]`.
    ///   - channels: C.
    /// - Returns: `[N, C, S, S]`.
    public static func imageGradient(_ gradient: Tensor, channels: Int) -> Tensor {
        let (n, total) = (gradient.shape[0], gradient.shape[1])
        guard total != channels else { return gradient }
        let plane = gradient.shape[2] * gradient.shape[3]
        var result = Tensor(zeros: [n, channels, gradient.shape[2], gradient.shape[3]])
        gradient.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for image in 0..<n {
                    let from = image * total * plane
                    let to = image * channels * plane
                    for index in 0..<(channels * plane) { target[to + index] = source[from + index] }
                }
            }
        }
        return result
    }

    private static func appendingPlanes(to tensor: Tensor, labels: [Int]?, classCount: Int) -> Tensor {
        guard classCount > 0 else {
            precondition(labels == nil, "Labels given to an unconditional GAN")
            return tensor
        }
        guard let labels else { preconditionFailure("A conditional GAN needs labels") }
        let (n, channels) = (tensor.shape[0], tensor.shape[1])
        precondition(labels.count == n, "\(labels.count) labels for \(n) images")
        let plane = tensor.shape[2] * tensor.shape[3]
        let total = channels + classCount
        var result = Tensor(zeros: [n, total, tensor.shape[2], tensor.shape[3]])
        tensor.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for image in 0..<n {
                    let label = labels[image]
                    precondition(label >= 0 && label < classCount, "Label \(label) outside 0..<\(classCount)")
                    let from = image * channels * plane
                    let to = image * total * plane
                    for index in 0..<(channels * plane) { target[to + index] = source[from + index] }
                    let onePlane = to + (channels + label) * plane
                    for index in 0..<plane { target[onePlane + index] = 1 }
                }
            }
        }
        return result
    }
}
