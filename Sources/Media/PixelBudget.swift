import Foundation

/// The largest picture the readers decode: 64 megapixels by default (an 8K frame is 33), so a
/// file whose header claims 30000×30000 pixels is refused before anything is allocated for it.
///
/// `$DEEPFAKE_MAX_MEGAPIXELS` raises or lowers it (a positive number, e.g. `200` or `0.5`). The
/// size is checked from the header: a PNG's IHDR, a JPEG's frame header, the video stream's
/// parameters (or the size FFmpeg's probe refused, for other formats), and libavcodec's own
/// `max_pixels` guard on every decoded frame.
public enum PixelBudget {
    /// The default budget in megapixels.
    public static let defaultMegapixels = 64.0
    /// The environment variable that sets it.
    public static let variable = "DEEPFAKE_MAX_MEGAPIXELS"
    /// The largest budget the variable may set (libavcodec counts pixels in an `Int32`).
    public static let largestMegapixels = 2000.0

    /// The budget in pixels.
    /// - Throws: `MediaError.tooManyPixels` (naming the variable) when `$DEEPFAKE_MAX_MEGAPIXELS`
    ///   is set but not a number in 0.000001...2000.
    public static func pixels(for path: String) throws(MediaError) -> Int {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
            return Int(defaultMegapixels * 1_000_000)
        }
        guard let value = Double(text), value >= 1e-6, value <= largestMegapixels else {
            throw MediaError(
                .tooManyPixels, path: path,
                reason: "$\(variable) is '\(text)', not a number of megapixels between 0.000001 and \(Int(largestMegapixels))",
                hint: "Set it to a positive number such as 200, or unset it for the default of \(Int(defaultMegapixels))")
        }
        return max(1, Int(value * 1_000_000))
    }

    /// Throws unless a `width × height` picture of `path` fits the budget.
    /// - Parameter what: "image" or "video", for the message.
    public static func check(width: Int, height: Int, path: String, what: String) throws(MediaError) {
        let budget = try pixels(for: path)
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        guard overflow || product > budget else { return }
        let megapixels = Double(width) * Double(height) / 1_000_000
        throw MediaError(
            .tooManyPixels, path: path,
            reason: "the \(what) is \(width)x\(height) pixels (\(String(format: "%.1f", megapixels)) megapixels), "
                + "over the pixel budget of \(format(Double(budget) / 1_000_000)) megapixels",
            hint: "Shrink it first, or raise the budget with $\(variable) (e.g. \(variable)=\(Int(max(megapixels.rounded(.up), 1))))")
    }

    private static func format(_ megapixels: Double) -> String {
        megapixels == megapixels.rounded() ? String(Int(megapixels)) : String(format: "%g", megapixels)
    }
}
