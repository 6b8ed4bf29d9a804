import Media

/// An 8-bit single-channel image, rows top to bottom, no padding. The detector works on these.
public struct GrayImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` bytes, row-major.
    public var pixels: [UInt8]

    /// Creates an image from packed bytes.
    /// - Precondition: `pixels.count == width * height`, both sides positive.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "GrayImage needs a positive size, got \(width)x\(height)")
        precondition(pixels.count == width * height, "GrayImage \(width)x\(height) needs \(width * height) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Converts RGB to luma exactly as OpenCV 4's `cvtColor(COLOR_BGR2GRAY)` does for 8-bit input:
    /// `Y = (9798 R + 19235 G + 3735 B + 2¹⁴) >> 15` (BT.601 weights in 15-bit fixed point; checked
    /// pixel for pixel against opencv-python 4.14).
    public init(_ rgb: RGBImage) {
        let count = rgb.width * rgb.height
        var out = [UInt8](repeating: 0, count: count)
        rgb.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    dst[i] = UInt8(truncatingIfNeeded: (r &* 9798 &+ g &* 19235 &+ b &* 3735 &+ 16384) >> 15)
                }
            }
        }
        self.init(width: rgb.width, height: rgb.height, pixels: out)
    }

    /// The image flipped left to right (for finding profile faces that look the other way).
    public func mirrored() -> GrayImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width { dst[row + x] = src[row + width - 1 - x] }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Bilinear resize bit-exact with OpenCV's `INTER_LINEAR_EXACT`, which OpenCV 4's cascade
    /// detector uses for its image pyramid (checked pixel for pixel against opencv-python 4.14).
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> GrayImage {
        if newWidth == width && newHeight == height { return self }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                GrayImage.resizeLinearExact(src.baseAddress!, width, height, dst.baseAddress!, newWidth, newHeight)
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Taps of OpenCV's `interpolationLinear::getCoeffs`: for each output index the first source
    /// index and two weights in 8-bit fixed point (summing to 256); outputs before `first` copy the
    /// first source sample, outputs from `end` on copy the last.
    private static func linearTaps(source: Int, destination: Int) -> (offset: [Int], weight: [(Int32, Int32)], first: Int, end: Int) {
        let scale = 1.0 / (Double(destination) / Double(source))
        var offset = [Int](repeating: 0, count: destination)
        var weight = [(Int32, Int32)](repeating: (256, 0), count: destination)
        var first = 0, end = destination
        for v in 0..<destination {
            let f = scale * (Double(v) + 0.5) - 0.5
            let i = Int(f.rounded(.down))
            if i >= 0 && source > 1 {
                if i < source - 1 {
                    offset[v] = i
                    let c1 = max(0, Int32(((f - Double(i)) * 256).rounded(.toNearestOrEven)))
                    weight[v] = (256 - c1, c1)
                } else {
                    offset[v] = source - 1
                    end = min(end, v)
                }
            } else {
                first = max(first, v + 1)
            }
        }
        return (offset, weight, first, end)
    }

    /// OpenCV's `resize_bitExact` for one 8-bit channel: horizontal pass in 8-bit fixed point,
    /// vertical pass to 16 fractional bits, rounded to the nearest grey level.
    static func resizeLinearExact(
        _ src: UnsafePointer<UInt8>, _ sw: Int, _ sh: Int, _ dst: UnsafeMutablePointer<UInt8>, _ dw: Int, _ dh: Int
    ) {
        let xs = linearTaps(source: sw, destination: dw)
        let ys = linearTaps(source: sh, destination: dh)
        var rows = [Int32](repeating: 0, count: 2 * dw)
        var cached = (-1, -1)
        rows.withUnsafeMutableBufferPointer { buffer in
            var r0 = buffer.baseAddress!, r1 = buffer.baseAddress! + dw
            func horizontal(_ sy: Int, _ row: UnsafeMutablePointer<Int32>) {
                let s = src + sy * sw
                let left = Int32(s[0]) << 8, right = Int32(s[xs.offset[dw - 1]]) << 8
                for x in 0..<min(xs.first, dw) { row[x] = left }
                if xs.first < xs.end {
                    for x in xs.first..<xs.end {
                        let o = xs.offset[x], w = xs.weight[x]
                        row[x] = w.0 * Int32(s[o]) + w.1 * Int32(s[o + 1])
                    }
                }
                for x in max(xs.end, xs.first)..<dw { row[x] = right }
            }
            for y in 0..<dh {
                let d = dst + y * dw
                if y < ys.first || y >= ys.end {
                    horizontal(y < ys.first ? 0 : sh - 1, r0)
                    cached = (-1, -1)
                    for x in 0..<dw { d[x] = UInt8(clamping: (r0[x] + 128) >> 8) }
                    continue
                }
                let y0 = ys.offset[y], y1 = y0 + 1
                if cached != (y0, y1) {
                    if cached.1 == y0 {
                        swap(&r0, &r1)
                        horizontal(y1, r1)
                    } else {
                        horizontal(y0, r0)
                        horizontal(y1, r1)
                    }
                    cached = (y0, y1)
                }
                let b0 = ys.weight[y].0, b1 = ys.weight[y].1
                for x in 0..<dw { d[x] = UInt8(clamping: (r0[x] &* b0 &+ r1[x] &* b1 &+ 32768) >> 16) }
            }
        }
    }
}
