/// Cropping and resizing, used wherever faces are cut out (datasets, crops, compositing).
extension RGBImage {
    /// The pixels of the rectangle `x, y, width, height`; parts outside the image repeat its edge
    /// pixels (edge replication), so a crop may extend past any border.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(w > 0 && h > 0, "crop needs a positive size, got \(w)x\(h)")
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let sy = min(max(y + row, 0), height - 1)
                    for col in 0..<w {
                        let sx = min(max(x + col, 0), width - 1)
                        let s = (sy * width + sx) * 3, d = (row * w + col) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// The largest centred square.
    public func centerSquare() -> RGBImage {
        let side = min(width, height)
        return cropped(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }

    /// The image resized to `width × height`: area averaging along an axis that shrinks (every
    /// source pixel counts with its covered fraction, so no aliasing), bilinear interpolation along
    /// an axis that grows (pixel centres aligned, as OpenCV's INTER_LINEAR and PyTorch's
    /// `align_corners=False`).
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resize needs a positive size")
        if newWidth == width && newHeight == height { return self }
        let xTaps = Self.taps(from: width, to: newWidth)
        let yTaps = Self.taps(from: height, to: newHeight)
        // Horizontal pass into floats, then vertical pass into bytes.
        var middle = [Float](repeating: 0, count: newWidth * height * 3)
        pixels.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { mid in
                for row in 0..<height {
                    for (col, taps) in xTaps.enumerated() {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for (index, weight) in taps {
                            let s = (row * width + index) * 3
                            r += weight * Float(src[s])
                            g += weight * Float(src[s + 1])
                            b += weight * Float(src[s + 2])
                        }
                        let d = (row * newWidth + col) * 3
                        mid[d] = r
                        mid[d + 1] = g
                        mid[d + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        middle.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                for (row, taps) in yTaps.enumerated() {
                    for i in 0..<(newWidth * 3) {
                        var v: Float = 0
                        for (index, weight) in taps { v += weight * mid[index * newWidth * 3 + i] }
                        dst[row * newWidth * 3 + i] = UInt8(min(max(v.rounded(), 0), 255))
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// For each output position, the source indices and weights that make it.
    static func taps(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        if target < source {
            // Area: output pixel i covers source interval [i*scale, (i+1)*scale).
            return (0..<target).map { i in
                let start = Double(i) * scale, end = Double(i + 1) * scale
                var taps: [(Int, Float)] = []
                var j = Int(start)
                while Double(j) < end && j < source {
                    let covered = min(end, Double(j + 1)) - max(start, Double(j))
                    if covered > 1e-9 { taps.append((j, Float(covered / scale))) }
                    j += 1
                }
                return taps
            }
        }
        return (0..<target).map { i in
            let centre = (Double(i) + 0.5) * scale - 0.5
            let clamped = min(max(centre, 0), Double(source - 1))
            let left = Int(clamped.rounded(.down))
            let right = min(left + 1, source - 1)
            let fraction = Float(clamped - Double(left))
            return right == left ? [(left, Float(1))] : [(left, 1 - fraction), (right, fraction)]
        }
    }
}
