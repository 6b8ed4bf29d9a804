import Foundation

/// The loss and accuracy curves of a run as a self-contained SVG: D's and G's losses on top, D's
/// accuracy on real and on fake images below, against the step.
public enum LossCurvePlot {
    /// Renders the curves.
    /// - Parameters:
    ///   - metrics: per-step metrics in step order; at most ~800 points per curve are drawn
    ///     (each the mean of its stretch of steps).
    ///   - title: a heading.
    /// - Returns: the SVG document.
    public static func svg(_ metrics: [StepMetrics], title: String) -> String {
        let (width, panelHeight, margin) = (800.0, 220.0, 50.0)
        var body = ""
        let steps = metrics.map { Double($0.step) }
        let firstStep = steps.first ?? 0
        let lastStep = max(steps.last ?? 1, firstStep + 1)
        func series(_ value: (StepMetrics) -> Float) -> [(Double, Double)] {
            let stride = max(1, metrics.count / 800)
            return Swift.stride(from: 0, to: metrics.count, by: stride).map { start in
                let slice = metrics[start..<min(start + stride, metrics.count)]
                let mean = slice.reduce(0.0) { $0 + Double(value($1)) } / Double(slice.count)
                return (Double(slice.first!.step), mean)
            }
        }
        func panel(_ top: Double, _ label: String, _ curves: [(String, String, [(Double, Double)])],
                   range fixed: (Double, Double)?) {
            let values = curves.flatMap { $0.2.map(\.1) }.filter { $0.isFinite }
            var (low, high) = fixed ?? (values.min() ?? 0, values.max() ?? 1)
            if high - low < 1e-6 { high = low + 1 }
            let plotWidth = width - 2 * margin
            func x(_ step: Double) -> Double { margin + (step - firstStep) / (lastStep - firstStep) * plotWidth }
            func y(_ value: Double) -> Double { top + panelHeight - (value - low) / (high - low) * panelHeight }
            body += "<rect x=\"\(margin)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#999\"/>\n"
            body += "<text x=\"\(margin)\" y=\"\(top - 6)\" font-size=\"13\">\(label)</text>\n"
            body += String(format: "<text x=\"4\" y=\"%.1f\" font-size=\"10\">%.3g</text>\n", top + 10, high)
            body += String(format: "<text x=\"4\" y=\"%.1f\" font-size=\"10\">%.3g</text>\n", top + panelHeight, low)
            for (index, (name, colour, points)) in curves.enumerated() {
                let path = points.filter { $0.1.isFinite }
                    .map { String(format: "%.1f,%.1f", x($0.0), y(min(max($0.1, low), high))) }.joined(separator: " ")
                body += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\" points=\"\(path)\"/>\n"
                body += "<text x=\"\(width - margin - 150 + Double(index) * 75)\" y=\"\(top - 6)\" font-size=\"12\" fill=\"\(colour)\">\(name)</text>\n"
            }
        }
        panel(margin, "loss", [("D", "#1f77b4", series(\.lossD)), ("G", "#d62728", series(\.lossG))], range: nil)
        panel(2 * margin + panelHeight, "D accuracy",
              [("real", "#2ca02c", series(\.accuracyReal)), ("fake", "#9467bd", series(\.accuracyFake))],
              range: (0, 1))
        let height = 3 * margin + 2 * panelHeight + 20
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(margin)" y="20" font-size="15">\(title.replacingOccurrences(of: "<", with: "&lt;"))</text>
            \(body)<text x="\(width / 2)" y="\(height - 8)" font-size="11">step \(Int(firstStep))–\(Int(lastStep))</text>
            </svg>

            """
    }
}
