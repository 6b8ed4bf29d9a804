import CFFmpeg

/// Converts decoded frames to packed RGB24 with swscale, optionally shrinking so that the longer
/// side is at most `maxSide`. Owns its `SwsContext`.
final class PixelConverter {
    private var context: OpaquePointer?
    private let maxSide: Int?
    private var key: (width: Int32, height: Int32, format: Int32, space: UInt32, range: UInt32)?
    private(set) var outputWidth = 0
    private(set) var outputHeight = 0

    init(maxSide: Int?) {
        self.maxSide = maxSide
    }

    deinit {
        sws_freeContext(context)
    }

    /// The output size for a `width × height` frame under `maxSide`, keeping the aspect ratio.
    static func outputSize(width: Int, height: Int, maxSide: Int?) -> (Int, Int) {
        guard let maxSide, max(width, height) > maxSide else { return (width, height) }
        let scale = Double(maxSide) / Double(max(width, height))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    func convert(_ frame: UnsafeMutablePointer<AVFrame>, path: String) throws(MediaError) -> RGBImage {
        let f = frame.pointee
        let space = f.colorspace.rawValue
        let range = f.color_range.rawValue
        if key == nil || key! != (f.width, f.height, f.format, space, range) {
            let (w, h) = Self.outputSize(width: Int(f.width), height: Int(f.height), maxSide: maxSide)
            // Same size: only the colour conversion runs, and every flag costs the same. Shrinking:
            // area averaging avoids the aliasing a bilinear tap would leave.
            let flags = (w, h) == (Int(f.width), Int(f.height)) ? SWS_BILINEAR : SWS_AREA
            context = sws_getCachedContext(
                context, f.width, f.height, AVPixelFormat(rawValue: f.format), Int32(w), Int32(h),
                AV_PIX_FMT_RGB24, flags, nil, nil, nil)
            guard context != nil else {
                throw MediaError(
                    .unsupportedCodec, path: path,
                    reason: "cannot convert pixel format \(Self.formatName(f.format)) to RGB",
                    hint: "Convert the file with ffmpeg -pix_fmt yuv420p")
            }
            // Use the frame's own matrix and range, as the ffmpeg program's scale filter does; an
            // HD stream tagged BT.709 would otherwise be converted with BT.601 coefficients.
            let matrix =
                f.colorspace == AVCOL_SPC_UNSPECIFIED || f.colorspace == AVCOL_SPC_RGB
                ? SWS_CS_DEFAULT : Int32(space)
            let fullRange: Int32 = f.color_range == AVCOL_RANGE_JPEG ? 1 : 0
            sws_setColorspaceDetails(
                context, sws_getCoefficients(matrix), fullRange, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                0, 1 << 16, 1 << 16)
            key = (f.width, f.height, f.format, space, range)
            outputWidth = w
            outputHeight = h
        }
        let stride = outputWidth * 3
        let height = outputHeight
        // swscale writes every byte, so the buffer is not zeroed first (2.7 MB per 720p frame).
        // Its SIMD RGB24 writers store whole vectors and run past the last row's end when the width
        // is not a multiple of 8 (e.g. 501 px), so the buffer gets 64 bytes of slack capacity.
        let pixels = [UInt8](unsafeUninitializedCapacity: stride * height + 64) { out, count in
            var destination: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(stride), 0, 0, 0]
            withUnsafePointer(to: frame.pointee.data) { data in
                withUnsafePointer(to: frame.pointee.linesize) { lines in
                    let source = UnsafeRawPointer(data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                    let sourceStrides = UnsafeRawPointer(lines).assumingMemoryBound(to: Int32.self)
                    _ = sws_scale(context, source, sourceStrides, 0, f.height, &destination, &strides)
                }
            }
            count = stride * height
        }
        return RGBImage(width: outputWidth, height: outputHeight, pixels: pixels)
    }

    static func formatName(_ format: Int32) -> String {
        guard let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: format)) else { return "unknown" }
        return String(cString: name)
    }
}

extension RGBImage {
    /// The image turned clockwise by `degrees` (a multiple of 90).
    public func rotated(clockwise degrees: Int) -> RGBImage {
        let turns = ((degrees / 90) % 4 + 4) % 4
        if turns == 0 { return self }
        let w = width, h = height
        let (ow, oh) = turns == 2 ? (w, h) : (h, w)
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let (nx, ny): (Int, Int)
                        switch turns {
                        case 1: (nx, ny) = (h - 1 - y, x)
                        case 2: (nx, ny) = (w - 1 - x, h - 1 - y)
                        default: (nx, ny) = (y, w - 1 - x)
                        }
                        let s = (y * w + x) * 3, d = (ny * ow + nx) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
