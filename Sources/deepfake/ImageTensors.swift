import Foundation
import GAN
import Media
import NN

/// Moving images between `Media`'s 8-bit RGB and the GAN's `[N, C, S, S]` tensors in [-1, 1]
/// (`x = pixel / 127.5 − 1`, the generator file's `normalisation`).
enum ImageTensors {
    /// Centre-crops to a square and resizes to `size × size`: box-averaged by the whole factor,
    /// then bilinear for the rest.
    static func square(_ image: RGBImage, size: Int) -> [UInt8] {
        let side = min(image.width, image.height)
        let (left, top) = ((image.width - side) / 2, (image.height - side) / 2)
        if side == size && image.width == image.height { return image.pixels }
        // Box-average by the integer factor first (anti-aliasing), then bilinear.
        let factor = max(1, side / size)
        let boxSide = side / factor
        var box = [Float](repeating: 0, count: boxSide * boxSide * 3)
        for y in 0..<boxSide {
            for x in 0..<boxSide {
                for c in 0..<3 {
                    var total = 0
                    for dy in 0..<factor {
                        for dx in 0..<factor {
                            total += Int(image.pixels[((top + y * factor + dy) * image.width + left + x * factor + dx) * 3 + c])
                        }
                    }
                    box[(y * boxSide + x) * 3 + c] = Float(total) / Float(factor * factor)
                }
            }
        }
        var result = [UInt8](repeating: 0, count: size * size * 3)
        let scale = Float(boxSide) / Float(size)
        for y in 0..<size {
            let sy = min(max((Float(y) + 0.5) * scale - 0.5, 0), Float(boxSide - 1))
            let (y0, fy) = (Int(sy), sy - Float(Int(sy)))
            let y1 = min(y0 + 1, boxSide - 1)
            for x in 0..<size {
                let sx = min(max((Float(x) + 0.5) * scale - 0.5, 0), Float(boxSide - 1))
                let (x0, fx) = (Int(sx), sx - Float(Int(sx)))
                let x1 = min(x0 + 1, boxSide - 1)
                for c in 0..<3 {
                    let top = box[(y0 * boxSide + x0) * 3 + c] * (1 - fx) + box[(y0 * boxSide + x1) * 3 + c] * fx
                    let bottom = box[(y1 * boxSide + x0) * 3 + c] * (1 - fx) + box[(y1 * boxSide + x1) * 3 + c] * fx
                    result[(y * size + x) * 3 + c] = UInt8(min(max((top * (1 - fy) + bottom * fy).rounded(), 0), 255))
                }
            }
        }
        return result
    }

    /// Images stored `N × S × S × 3` (HWC bytes) to `[n, C, S, S]` in [-1, 1]; C = 1 takes the
    /// luma (BT.601), and `flip` mirrors chosen images horizontally.
    static func tensor(pixels: [UInt8], indices: [Int], size: Int, channels: Int, flip: [Bool]? = nil) -> Tensor {
        let plane = size * size
        var values = [Float](repeating: 0, count: indices.count * channels * plane)
        for (row, index) in indices.enumerated() {
            let base = index * plane * 3
            let mirrored = flip?[row] ?? false
            for y in 0..<size {
                for x in 0..<size {
                    let sx = mirrored ? size - 1 - x : x
                    let p = base + (y * size + sx) * 3
                    let (r, g, b) = (Float(pixels[p]), Float(pixels[p + 1]), Float(pixels[p + 2]))
                    if channels == 1 {
                        values[row * plane + y * size + x] = (0.299 * r + 0.587 * g + 0.114 * b) / 127.5 - 1
                    } else {
                        values[(row * 3) * plane + y * size + x] = r / 127.5 - 1
                        values[(row * 3 + 1) * plane + y * size + x] = g / 127.5 - 1
                        values[(row * 3 + 2) * plane + y * size + x] = b / 127.5 - 1
                    }
                }
            }
        }
        return Tensor(shape: [indices.count, channels, size, size], data: values)
    }

    /// Image `index` of `[N, C, H, W]` in [-1, 1] as 8-bit RGB (grey replicated).
    static func image(_ tensor: Tensor, index: Int = 0) -> RGBImage {
        let (c, h, w) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let values = tensor.data
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for channel in 0..<3 {
                    let v = values[((index * c + min(channel, c - 1)) * h + y) * w + x]
                    pixels[(y * w + x) * 3 + channel] = UInt8(min(max(((v + 1) * 127.5).rounded(), 0), 255))
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// Tiles images into a grid and writes it as PNG.
    static func writeGrid(_ images: Tensor, columns: Int? = nil, to path: String) throws {
        try ImageFile.writePNG(image(SampleGrid.tile(images, columns: columns)), to: path)
    }
}
