import NN
import Testing
import TestSupport

/// Identities that hold whatever PyTorch says: im2col conv equals the 7-loop definition, and the
/// transposed convolution is the adjoint of the convolution.
struct ConvolutionPropertyTests {
    struct Geometry: CustomTestStringConvertible, Sendable {
        var batch, inChannels, outChannels, height, width, kernel, stride, padding: Int
        var testDescription: String {
            "N\(batch) C\(inChannels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(padding)"
        }
    }

    static let geometries: [Geometry] = [
        Geometry(batch: 2, inChannels: 3, outChannels: 4, height: 8, width: 8, kernel: 4, stride: 2, padding: 1),
        Geometry(batch: 3, inChannels: 2, outChannels: 3, height: 7, width: 6, kernel: 3, stride: 1, padding: 1),
        Geometry(batch: 1, inChannels: 4, outChannels: 2, height: 9, width: 9, kernel: 3, stride: 3, padding: 2),
        Geometry(batch: 2, inChannels: 5, outChannels: 1, height: 4, width: 4, kernel: 4, stride: 1, padding: 0),
        Geometry(batch: 5, inChannels: 2, outChannels: 2, height: 5, width: 7, kernel: 2, stride: 2, padding: 0),
    ]

    /// `y[n,o,oy,ox] = b[o] + Σ w[o,c,i,j]·x[n,c,oy·s−p+i,ox·s−p+j]`, summed in Double.
    static func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k) = (w.shape[0], w.shape[2])
        let (oH, oW) = ((h + 2 * p - k) / s + 1, (wd + 2 * p - k) / s + 1)
        let (xv, wv, bv) = (x.data, w.data, b?.data)
        var y = [Float](repeating: 0, count: n * o * oH * oW)
        for image in 0..<n {
            for out in 0..<o {
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        var total = Double(bv?[out] ?? 0)
                        for channel in 0..<c {
                            for i in 0..<k {
                                for j in 0..<k {
                                    let (iy, ix) = (oy * s - p + i, ox * s - p + j)
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    total += Double(wv[((out * c + channel) * k + i) * k + j])
                                        * Double(xv[((image * c + channel) * h + iy) * wd + ix])
                                }
                            }
                        }
                        y[((image * o + out) * oH + oy) * oW + ox] = Float(total)
                    }
                }
            }
        }
        return Tensor(shape: [n, o, oH, oW], data: y)
    }

    @Test(arguments: geometries)
    func im2colConvolutionEqualsDefinition(_ g: Geometry) {
        var generator = SeededGenerator(seed: 3)
        let conv = Conv2D(inputChannels: g.inChannels, outputChannels: g.outChannels, kernelSize: g.kernel,
                          stride: g.stride, padding: g.padding)
        conv.weight.value = .randomNormal(shape: conv.weight.value.shape, using: &generator)
        conv.bias!.value = .randomNormal(shape: [g.outChannels], using: &generator)
        let x = Tensor.randomNormal(shape: [g.batch, g.inChannels, g.height, g.width], using: &generator)
        let expected = Self.naiveConv(x, conv.weight.value, conv.bias!.value, stride: g.stride, padding: g.padding)
        expectClose(conv.infer(x), expected, .forward, "inference path")
        expectClose(conv.forward(x), expected, .forward, "recording path")
    }

    /// ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ with the same weights (both without bias).
    @Test(arguments: geometries)
    func transposedConvolutionIsTheAdjoint(_ g: Geometry) throws {
        var generator = SeededGenerator(seed: 5)
        // The conv drops (H + 2p − k) mod s rows of x that no window reaches; the transposed conv
        // restores them as output padding (PyTorch's rule), so convT(y) has x's shape.
        let remainder = (g.height + 2 * g.padding - g.kernel) % g.stride
        try #require(remainder == (g.width + 2 * g.padding - g.kernel) % g.stride, "one outputPadding for both axes")
        let conv = Conv2D(inputChannels: g.inChannels, outputChannels: g.outChannels, kernelSize: g.kernel,
                          stride: g.stride, padding: g.padding, bias: false)
        // ConvTranspose2d maps O channels back to C; its weight [O, C, k, k] is the conv's weight as is.
        let convT = ConvTranspose2D(inputChannels: g.outChannels, outputChannels: g.inChannels, kernelSize: g.kernel,
                                    stride: g.stride, padding: g.padding, outputPadding: remainder, bias: false)
        conv.weight.value = .randomNormal(shape: conv.weight.value.shape, using: &generator)
        convT.weight.value = conv.weight.value
        let x = Tensor.randomNormal(shape: [g.batch, g.inChannels, g.height, g.width], using: &generator)
        let convX = conv.infer(x)
        let y = Tensor.randomNormal(shape: convX.shape, using: &generator)
        let convTY = convT.infer(y)
        try #require(convTY.shape == x.shape)
        let left = zip(convX.data, y.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x.data, convTY.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) <= 1e-4 * max(abs(left), 1), "⟨conv x, y⟩ = \(left), ⟨x, convT y⟩ = \(right)")
    }

    /// Conv2D's input gradient is the transposed convolution of the output gradient.
    @Test func convolutionBackwardIsTheTransposedConvolution() {
        var generator = SeededGenerator(seed: 8)
        let conv = Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 4, stride: 2, padding: 1, bias: false)
        let convT = ConvTranspose2D(inputChannels: 4, outputChannels: 3, kernelSize: 4, stride: 2, padding: 1,
                                    bias: false)
        conv.weight.value = .randomNormal(shape: conv.weight.value.shape, using: &generator)
        convT.weight.value = conv.weight.value
        let x = Tensor.randomNormal(shape: [3, 3, 8, 8], using: &generator)
        let dY = Tensor.randomNormal(shape: conv.forward(x).shape, using: &generator)
        expectClose(conv.backward(dY), convT.infer(dY), .forward, "Conv2D dX vs ConvTranspose2D(dY)")
    }
}
