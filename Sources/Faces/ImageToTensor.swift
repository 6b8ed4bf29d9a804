import Foundation
import Media

/// A rectangle turned about its centre, in pixels: MediaPipe's `RotatedRect`. `rotation` is in
/// radians; positive turns the rectangle's x axis from the image's x axis towards its y axis
/// (clockwise on screen, since y points down).
public struct RotatedRect: Sendable, Equatable {
    /// Horizontal centre.
    public var centerX: Float
    /// Vertical centre.
    public var centerY: Float
    /// Extent along the rectangle's own x axis.
    public var width: Float
    /// Extent along the rectangle's own y axis.
    public var height: Float
    /// Turn in radians.
    public var rotation: Float

    /// Creates a rectangle.
    public init(centerX: Float, centerY: Float, width: Float, height: Float, rotation: Float = 0) {
        self.centerX = centerX
        self.centerY = centerY
        self.width = width
        self.height = height
        self.rotation = rotation
    }

    /// The whole image, unrotated (MediaPipe's ROI when none is given).
    public static func whole(imageWidth: Int, imageHeight: Int) -> RotatedRect {
        RotatedRect(
            centerX: 0.5 * Float(imageWidth), centerY: 0.5 * Float(imageHeight),
            width: Float(imageWidth), height: Float(imageHeight))
    }

    /// Whether every field is finite and the size positive: the rectangles `ImageToTensor` accepts.
    public var isValid: Bool {
        centerX.isFinite && centerY.isFinite && width.isFinite && height.isFinite && rotation.isFinite
            && width > 0 && height > 0
    }
}

/// Letterbox bars as fractions of the tensor's width (left, right) and height (top, bottom):
/// MediaPipe's `LETTERBOX_PADDING` (`[left, top, right, bottom]`).
public struct LetterboxPadding: Sendable, Equatable {
    /// Left bar.
    public var left: Float
    /// Top bar.
    public var top: Float
    /// Right bar.
    public var right: Float
    /// Bottom bar.
    public var bottom: Float

    /// Creates padding.
    public init(left: Float, top: Float, right: Float, bottom: Float) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    /// No bars.
    public static let none = LetterboxPadding(left: 0, top: 0, right: 0, bottom: 0)

    /// A detection normalised to the letterboxed tensor, normalised instead to the picture inside
    /// the bars: MediaPipe's `DetectionLetterboxRemovalCalculator`. For a whole-frame ROI this is
    /// the frame, so `pixelBox(frameWidth:frameHeight:)` then gives frame pixels.
    public func removed(from detection: FaceDetection) -> FaceDetection {
        let horizontal = 1 - (left + right), vertical = 1 - (top + bottom)
        var out = detection
        out.box = NormalizedBox(
            xmin: (detection.box.xmin - left) / horizontal, ymin: (detection.box.ymin - top) / vertical,
            width: detection.box.width / horizontal, height: detection.box.height / vertical)
        out.keypoints = detection.keypoints.map {
            SIMD2(($0.x - left) / horizontal, ($0.y - top) / vertical)
        }
        return out
    }
}

/// Cuts a rotated rectangle out of an image into a model's input tensor: MediaPipe 0.10.14's
/// `ImageToTensorCalculator` on the CPU.
///
/// MediaPipe's CPU converter calls OpenCV 3.4's `warpPerspective` (INTER_LINEAR) on the 8-bit
/// image, mapping the ROI's corners (`cv::boxPoints`) onto the tensor's corners, then `convertTo`
/// float with `byte * (max - min) / 255 + min`. This type does the same arithmetic: OpenCV's
/// inverse map in double, rounded to 1/32 pixel, bilinear weights in 15-bit fixed point, the
/// result rounded to a byte, then scaled in double and rounded to float once. The tests find the
/// same bytes and floats as MediaPipe 0.10.14 for whole frames and turned ROIs with both borders.
///
/// Outside the image, `.zero` samples black (so the range's minimum; pixels straddling the edge
/// blend with black) and `.replicate` repeats the edge. Tensor pixel `(x, y)` samples the image at
/// the ROI point `(x / width, y / height)` of its extent: corners, not pixel centres, line up.
/// Only the tensor's pixels are sampled (no area averaging), as in MediaPipe; for an unturned ROI
/// (every whole-frame detection) each column's and row's taps are computed once.
public struct ImageToTensor: Sendable, Equatable {
    /// What lies outside the image.
    public enum Border: Sendable, Equatable {
        /// Black (`BORDER_ZERO`, OpenCV's constant border 0).
        case zero
        /// The nearest edge pixel (`BORDER_REPLICATE`, MediaPipe's default).
        case replicate
    }

    /// Tensor width in pixels.
    public var width: Int
    /// Tensor height in pixels.
    public var height: Int
    /// Values of black and white.
    public var range: ClosedRange<Float>
    /// Whether the ROI is widened or heightened to the tensor's aspect ratio (letterboxing).
    public var keepAspectRatio: Bool
    /// Sampling outside the image.
    public var border: Border

    /// Creates a converter.
    /// - Precondition: positive size and a non-empty range.
    public init(width: Int, height: Int, range: ClosedRange<Float>, keepAspectRatio: Bool, border: Border) {
        precondition(width > 0 && height > 0, "tensor size must be positive")
        precondition(range.lowerBound < range.upperBound, "tensor value range must not be empty")
        self.width = width
        self.height = height
        self.range = range
        self.keepAspectRatio = keepAspectRatio
        self.border = border
    }

    /// The full-range face detector's input: 192×192, `[-1, 1]`, letterboxed, zero border.
    public static let blazeFaceFullRange = ImageToTensor(
        width: 192, height: 192, range: -1...1, keepAspectRatio: true, border: .zero)
    /// The short-range face detector's input: 128×128, `[-1, 1]`, letterboxed, zero border.
    public static let blazeFaceShortRange = ImageToTensor(
        width: 128, height: 128, range: -1...1, keepAspectRatio: true, border: .zero)
    /// FaceMesh's input: 192×192, `[0, 1]`, stretched to the ROI, replicated border.
    public static let faceMesh = ImageToTensor(
        width: 192, height: 192, range: 0...1, keepAspectRatio: false, border: .replicate)

    /// MediaPipe's `PadRoi`: the ROI grown to the tensor's aspect ratio (when `keepAspectRatio`),
    /// and the bars that growth leaves in the tensor.
    /// - Precondition: `roi.isValid`.
    public func padded(_ roi: RotatedRect) -> (roi: RotatedRect, padding: LetterboxPadding) {
        precondition(roi.isValid, "ROI must be finite with a positive size, got \(roi)")
        guard keepAspectRatio else { return (roi, .none) }
        let tensorAspect = Float(height) / Float(width)
        let roiAspect = roi.height / roi.width
        var out = roi
        if tensorAspect > roiAspect {
            out.height = roi.width * tensorAspect
            let pad = (1 - roiAspect / tensorAspect) / 2
            return (out, LetterboxPadding(left: 0, top: pad, right: 0, bottom: pad))
        }
        out.width = roi.height / tensorAspect
        let pad = (1 - tensorAspect / roiAspect) / 2
        return (out, LetterboxPadding(left: pad, top: 0, right: pad, bottom: 0))
    }

    /// Tensors of at least this many pixels are converted on ``workers`` threads.
    static let splitPixels = 16_384
    /// Threads a large conversion uses (at most two: the models' own worker pools use two).
    static let workers = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// The tensor for `roi` of `image` (the whole image when nil), NHWC `height × width × 3`.
    /// - Precondition: `roi`, if given, `isValid`.
    public func convert(_ image: RGBImage, roi: RotatedRect? = nil) -> ImageTensor {
        let (sampled, padding) = padded(roi ?? .whole(imageWidth: image.width, imageHeight: image.height))
        let map = WarpMap(roi: sampled, tensorWidth: width, tensorHeight: height)
        var lut = [Float](repeating: 0, count: 256)
        let scale = (range.upperBound - range.lowerBound) / 255
        // OpenCV 3.4's convertTo: the float scale applied in double, rounded to float once.
        for v in 0..<256 { lut[v] = Float(Double(v) * Double(scale) + Double(range.lowerBound)) }
        var values = [Float](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { src in
            lut.withUnsafeBufferPointer { lut in
                values.withUnsafeMutableBufferPointer { dst in
                    let sampler = BilinearSampler(
                        src: src, width: image.width, height: image.height, replicate: border == .replicate)
                    // Two halves of the rows on two threads (the conversion is a fifth of a
                    // frame's detection time on one): each row is computed the same either way.
                    let parts = width * height >= Self.splitPixels ? Self.workers : 1
                    let out = dst
                    let run = { (part: Int) in
                        let rows = (part * self.height / parts)..<((part + 1) * self.height / parts)
                        if map.isAxisAligned {
                            self.sampleAxisAligned(map, sampler, lut, out, rows: rows)
                        } else {
                            self.sampleRotated(map, sampler, lut, out, rows: rows)
                        }
                    }
                    if parts == 1 {
                        run(0)
                    } else {
                        withoutActuallyEscaping(run) { run in
                            let shared = UnsafeSendable(run)
                            DispatchQueue.concurrentPerform(iterations: parts) { shared.value($0) }
                        }
                    }
                }
            }
        }
        return ImageTensor(
            values: values, width: width, height: height, roi: sampled, padding: padding,
            imageWidth: image.width, imageHeight: image.height)
    }

    /// Every tensor pixel's source position when the ROI is not turned: columns and rows map
    /// independently, so each is computed once.
    private func sampleAxisAligned(
        _ map: WarpMap, _ sampler: BilinearSampler, _ lut: UnsafeBufferPointer<Float>,
        _ dst: UnsafeMutableBufferPointer<Float>, rows range: Range<Int>
    ) {
        var columns = [Int32](repeating: 0, count: width)
        var rows = [Int32](repeating: 0, count: width)
        for x in 0..<width { columns[x] = map.fixedX(x: x, y: 0) }
        columns.withUnsafeBufferPointer { columns in
            rows.withUnsafeMutableBufferPointer { rows in
                for y in range {
                    let fy = map.fixedY(x: 0, y: y)
                    for x in 0..<width { rows[x] = fy }
                    sampler.sampleRow(xs: columns.baseAddress!, ys: UnsafePointer(rows.baseAddress!), count: width,
                                      lut: lut, out: dst.baseAddress! + y * width * 3)
                }
            }
        }
    }

    /// Every tensor pixel's source position computed on its own (turned ROIs), a row at a time.
    private func sampleRotated(
        _ map: WarpMap, _ sampler: BilinearSampler, _ lut: UnsafeBufferPointer<Float>,
        _ dst: UnsafeMutableBufferPointer<Float>, rows range: Range<Int>
    ) {
        // The same sums as `fixedX`/`fixedY`, in the same order (so the same roundings): the part
        // fixed for a block of a row once, the column's offset within the block from a table.
        let (m0, m1, m2, m3, m4, m5) = map.m
        let bw = map.blockWidth
        let offsetX = (0..<bw).map { m0 * Double($0) }, offsetY = (0..<bw).map { m3 * Double($0) }
        var xs = [Int32](repeating: 0, count: width), ys = [Int32](repeating: 0, count: width)
        offsetX.withUnsafeBufferPointer { offsetX in
            offsetY.withUnsafeBufferPointer { offsetY in
                xs.withUnsafeMutableBufferPointer { xs in
                    ys.withUnsafeMutableBufferPointer { ys in
                        for y in range {
                            var block = 0
                            while block < width {
                                let baseX = m0 * Double(block) + m1 * Double(y) + m2
                                let baseY = m3 * Double(block) + m4 * Double(y) + m5
                                for k in 0..<min(bw, width - block) {
                                    xs[block + k] = WarpMap.fixed((baseX + offsetX[k]) * 32)
                                    ys[block + k] = WarpMap.fixed((baseY + offsetY[k]) * 32)
                                }
                                block += bw
                            }
                            sampler.sampleRow(xs: UnsafePointer(xs.baseAddress!), ys: UnsafePointer(ys.baseAddress!), count: width,
                                              lut: lut, out: dst.baseAddress! + y * width * 3)
                        }
                    }
                }
            }
        }
    }
}

/// A model input cut by `ImageToTensor`, with what is needed to map the model's normalised
/// outputs back onto the image.
public struct ImageTensor: Sendable, Equatable {
    /// NHWC values, `height × width × 3`, RGB.
    public var values: [Float]
    /// Tensor width.
    public var width: Int
    /// Tensor height.
    public var height: Int
    /// The rectangle actually sampled (the ROI after letterboxing), in image pixels.
    public var roi: RotatedRect
    /// The bars letterboxing left, as fractions of the tensor.
    public var padding: LetterboxPadding
    /// Width of the source image.
    public var imageWidth: Int
    /// Height of the source image.
    public var imageHeight: Int

    /// Creates a tensor record.
    public init(
        values: [Float], width: Int, height: Int, roi: RotatedRect, padding: LetterboxPadding,
        imageWidth: Int, imageHeight: Int
    ) {
        self.values = values
        self.width = width
        self.height = height
        self.roi = roi
        self.padding = padding
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
    }

    /// A point normalised to the tensor, normalised to the image instead: MediaPipe's `MATRIX`
    /// output (`GetRotatedSubRectToRectTransformMatrix` of the sampled ROI), evaluated in float as
    /// MediaPipe does.
    public func toImage(_ point: SIMD2<Float>) -> SIMD2<Float> {
        let a = roi.width, b = roi.height, c = cosf(roi.rotation), d = sinf(roi.rotation)
        let g = 1 / Float(imageWidth), h = 1 / Float(imageHeight)
        let m0 = a * c * g, m1 = -b * d * g, m3 = (-0.5 * a * c + 0.5 * b * d + roi.centerX) * g
        let m4 = a * d * h, m5 = b * c * h, m7 = (-0.5 * b * c - 0.5 * a * d + roi.centerY) * h
        return SIMD2(point.x * m0 + point.y * m1 + m3, point.x * m4 + point.y * m5 + m7)
    }

    /// A detection normalised to the tensor, normalised to the image instead: MediaPipe's
    /// `DetectionProjectionCalculator` (keypoints mapped; the box becomes the bounds of its four
    /// mapped corners). This is what the 0.10.14 face detection graph does; for an unrotated ROI
    /// it equals `padding.removed(from:)` followed by the ROI's offset and scale.
    public func toImage(_ detection: FaceDetection) -> FaceDetection {
        var out = detection
        out.keypoints = detection.keypoints.map { toImage($0) }
        let box = detection.box
        let corners = [
            SIMD2(box.xmin, box.ymin), SIMD2(box.xmin + box.width, box.ymin),
            SIMD2(box.xmin + box.width, box.ymin + box.height), SIMD2(box.xmin, box.ymin + box.height),
        ].map { toImage($0) }
        var low = SIMD2<Float>(repeating: .greatestFiniteMagnitude)
        var high = SIMD2<Float>(repeating: -.greatestFiniteMagnitude)
        for p in corners {
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
        }
        out.box = NormalizedBox(xmin: low.x, ymin: low.y, width: high.x - low.x, height: high.y - low.y)
        return out
    }
}

/// OpenCV's inverse map from tensor pixels to image positions in 1/32 pixel (`INTER_BITS` 5), as
/// `warpPerspective` computes it: the ROI's corners in float (`RotatedRect::points`), the affine
/// map through them in double, evaluated per 64×16-pixel block (`X0 + M[0]·x1`) and rounded half
/// to even.
struct WarpMap {
    let m: (Double, Double, Double, Double, Double, Double)
    /// Block width of OpenCV's warp loop; the per-row offset is taken at the block's first column.
    let blockWidth: Int

    init(roi: RotatedRect, tensorWidth: Int, tensorHeight: Int) {
        let angle = Float(Double(roi.rotation * 180) / Double.pi)
        let radians = Double(angle) * Double.pi / 180
        let b = Float(cos(radians)) * 0.5, a = Float(sin(radians)) * 0.5
        let (cx, cy, w, h) = (roi.centerX, roi.centerY, roi.width, roi.height)
        // cv::boxPoints: 0 bottom-left, 1 top-left, 2 top-right (tensor (0,H), (0,0), (W,0)).
        let p0 = (x: cx - a * h - b * w, y: cy + b * h - a * w)
        let p1 = (x: cx + a * h - b * w, y: cy - b * h - a * w)
        let p2 = (x: 2 * cx - p0.x, y: 2 * cy - p0.y)
        let tw = Double(tensorWidth), th = Double(tensorHeight)
        m = (
            (Double(p2.x) - Double(p1.x)) / tw, (Double(p0.x) - Double(p1.x)) / th, Double(p1.x),
            (Double(p2.y) - Double(p1.y)) / tw, (Double(p0.y) - Double(p1.y)) / th, Double(p1.y)
        )
        var bh = min(16, tensorHeight)
        let bw = min(1024 / bh, tensorWidth)
        bh = min(1024 / bw, tensorHeight)
        blockWidth = bw
    }

    /// Whether x depends on the column only and y on the row only.
    var isAxisAligned: Bool { m.1 == 0 && m.3 == 0 }

    func fixedX(x: Int, y: Int) -> Int32 {
        let block = x - x % blockWidth
        return WarpMap.fixed((m.0 * Double(block) + m.1 * Double(y) + m.2 + m.0 * Double(x - block)) * 32)
    }

    func fixedY(x: Int, y: Int) -> Int32 {
        let block = x - x % blockWidth
        return WarpMap.fixed((m.3 * Double(block) + m.4 * Double(y) + m.5 + m.3 * Double(x - block)) * 32)
    }

    /// `saturate_cast<int>` of a value clamped to the int range: round half to even.
    @inline(__always)
    static func fixed(_ value: Double) -> Int32 {
        let v = value.isNaN ? 0 : value
        let clamped = v < -2147483648 ? -2147483648 : (v > 2147483647 ? 2147483647 : v)
        return Int32(truncatingIfNeeded: Int64(clamped.rounded(.toNearestOrEven)))
    }
}

/// A value handed to `concurrentPerform`'s workers, each of which touches its own rows only.
private struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// OpenCV's `remapBilinear` for 8-bit, 3-channel images with 15-bit fixed-point weights.
struct BilinearSampler {
    let src: UnsafeBufferPointer<UInt8>
    let width: Int
    let height: Int
    let replicate: Bool

    /// ``sample(fixedX:fixedY:lut:into:)`` for `count` positions `(xs[i], ys[i])`, written to
    /// `out` three floats apiece. Taps inside the image take a separable form of the same integer
    /// sum, `(32 − g)·((32 − f)·p00 + f·p01) + g·((32 − f)·p10 + f·p11)`, which is exact.
    func sampleRow(xs: UnsafePointer<Int32>, ys: UnsafePointer<Int32>, count: Int, lut: UnsafeBufferPointer<Float>,
                   out: UnsafeMutablePointer<Float>) {
        let base = src.baseAddress!, table = lut.baseAddress!
        let lastX = UInt(width - 1), lastY = UInt(height - 1), stride = width * 3
        for i in 0..<count {
            let fixedX = xs[i], fixedY = ys[i]
            let sx = Int(max(-32768, min(32767, fixedX >> 5))), sy = Int(max(-32768, min(32767, fixedY >> 5)))
            guard UInt(bitPattern: sx) < lastX && UInt(bitPattern: sy) < lastY else {
                sample(fixedX: fixedX, fixedY: fixedY, lut: lut, into: out + 3 * i)
                continue
            }
            let f = Int32(fixedX & 31), g = Int32(fixedY & 31), e = 32 - f, h = 32 - g
            let p = base + sy * stride + sx * 3, q = p + stride, o = out + 3 * i
            let s0 = h * (e * Int32(p[0]) + f * Int32(p[3])) + g * (e * Int32(q[0]) + f * Int32(q[3]))
            let s1 = h * (e * Int32(p[1]) + f * Int32(p[4])) + g * (e * Int32(q[1]) + f * Int32(q[4]))
            let s2 = h * (e * Int32(p[2]) + f * Int32(p[5])) + g * (e * Int32(q[2]) + f * Int32(q[5]))
            o[0] = table[Int((s0 &+ 512) >> 10)]
            o[1] = table[Int((s1 &+ 512) >> 10)]
            o[2] = table[Int((s2 &+ 512) >> 10)]
        }
    }

    /// Writes the three channels of the sample at `(fixedX, fixedY) / 32`, mapped through `lut`.
    @inline(__always)
    func sample(fixedX: Int32, fixedY: Int32, lut: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        // saturate_cast<short>(X >> INTER_BITS) and the 5-bit fraction.
        let sx = Int(max(-32768, min(32767, fixedX >> 5))), sy = Int(max(-32768, min(32767, fixedY >> 5)))
        let fx = Int(fixedX & 31), fy = Int(fixedY & 31)
        // Weights (32 - f) * (32 - g) * 32 etc. sum to 1 << 15; dividing through by 32 keeps the
        // rounding: (sum * 32 + (1 << 14)) >> 15 == (sum + (1 << 9)) >> 10.
        let w00 = (32 - fy) * (32 - fx), w01 = (32 - fy) * fx, w10 = fy * (32 - fx), w11 = fy * fx
        let base = src.baseAddress!
        if sx >= 0 && sx < width - 1 && sy >= 0 && sy < height - 1 {
            let p = base + (sy * width + sx) * 3, q = p + width * 3
            for c in 0..<3 {
                let sum = Int(p[c]) * w00 + Int(p[c + 3]) * w01 + Int(q[c]) * w10 + Int(q[c + 3]) * w11
                out[c] = lut[(sum + 512) >> 10]
            }
            return
        }
        if replicate {
            let x0 = max(0, min(width - 1, sx)), x1 = max(0, min(width - 1, sx + 1))
            let y0 = max(0, min(height - 1, sy)), y1 = max(0, min(height - 1, sy + 1))
            let r0 = base + y0 * width * 3, r1 = base + y1 * width * 3
            for c in 0..<3 {
                let sum =
                    Int(r0[x0 * 3 + c]) * w00 + Int(r0[x1 * 3 + c]) * w01 + Int(r1[x0 * 3 + c]) * w10
                    + Int(r1[x1 * 3 + c]) * w11
                out[c] = lut[(sum + 512) >> 10]
            }
            return
        }
        if sx >= width || sx + 1 < 0 || sy >= height || sy + 1 < 0 {
            for c in 0..<3 { out[c] = lut[0] }
            return
        }
        // Straddling the edge: taps outside the image are black.
        @inline(__always) func tap(_ x: Int, _ y: Int, _ c: Int) -> Int {
            x >= 0 && x < width && y >= 0 && y < height ? Int(base[(y * width + x) * 3 + c]) : 0
        }
        for c in 0..<3 {
            let sum =
                tap(sx, sy, c) * w00 + tap(sx + 1, sy, c) * w01 + tap(sx, sy + 1, c) * w10
                + tap(sx + 1, sy + 1, c) * w11
            out[c] = lut[(sum + 512) >> 10]
        }
    }
}
