import Datasets
import Foundation
import GAN
import Media
import NN

/// Moving images between `Media`'s 8-bit RGB and the GAN's `[N, C, S, S]` tensors in [-1, 1]
/// (`x = pixel / 127.5 − 1`, the generator file's `normalisation`).
enum ImageTensors {
    /// The BT.601 luma of `[N, 3, S, S]` images, `[N, 1, S, S]` (grey architectures).
    static func luma(_ images: Tensor) -> Tensor {
        let (n, plane) = (images.shape[0], images.shape[2] * images.shape[3])
        let values = images.data
        var grey = [Float](repeating: 0, count: n * plane)
        for image in 0..<n {
            for k in 0..<plane {
                let base = image * 3 * plane + k
                grey[image * plane + k] = 0.299 * values[base] + 0.587 * values[base + plane] + 0.114 * values[base + 2 * plane]
            }
        }
        return Tensor(shape: [n, 1, images.shape[2], images.shape[3]], data: grey)
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

    /// Tiles images into a grid and writes it as PNG.
    static func writeGrid(_ images: Tensor, columns: Int? = nil, to path: String) throws {
        try ImageFile.writePNG(FaceTensors.image(SampleGrid.tile(images, columns: columns)), to: path)
    }
}
