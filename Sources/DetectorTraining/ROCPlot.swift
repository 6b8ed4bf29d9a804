import Detection
import Foundation

/// A ROC plot as a standalone SVG file: false-positive rate across, true-positive rate up, one
/// curve per level with its AUC in the legend, the chance diagonal dashed.
public enum ROCPlot {
    public struct Curve: Sendable {
        public var name: String
        public var points: [Metrics.ROCPoint]
        public var auc: Metrics.Interval?
        public init(name: String, points: [Metrics.ROCPoint], auc: Metrics.Interval?) {
            self.name = name
            self.points = points
            self.auc = auc
        }
    }

    static let colours = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a"]

    public static func svg(_ curves: [Curve], title: String) -> String {
        let size = 480.0, left = 56.0, top = 36.0, plot = 380.0
        func x(_ v: Double) -> String { String(format: "%.2f", left + v * plot) }
        func y(_ v: Double) -> String { String(format: "%.2f", top + (1 - v) * plot) }
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(size))" viewBox="0 0 \(Int(size)) \(Int(size))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="#fff"/>
            <text x="\(Int(size / 2))" y="22" font-size="14" text-anchor="middle">\(ReportHTML.escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(plot)" height="\(plot)" fill="#fafafa" stroke="#999"/>

            """
        for i in 0...4 {
            let v = Double(i) / 4
            svg += "<line x1=\"\(x(v))\" y1=\"\(y(0))\" x2=\"\(x(v))\" y2=\"\(y(1))\" stroke=\"#e0e0e0\"/>"
            svg += "<line x1=\"\(x(0))\" y1=\"\(y(v))\" x2=\"\(x(1))\" y2=\"\(y(v))\" stroke=\"#e0e0e0\"/>\n"
            svg += "<text x=\"\(x(v))\" y=\"\(String(format: "%.2f", top + plot + 16))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(String(format: "%.2f", v))</text>"
            svg += "<text x=\"\(String(format: "%.2f", left - 6))\" y=\"\(String(format: "%.2f", top + (1 - v) * plot + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(String(format: "%.2f", v))</text>\n"
        }
        svg += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" stroke=\"#999\" stroke-dasharray=\"5 4\"/>\n"
        svg += "<text x=\"\(x(0.5))\" y=\"\(String(format: "%.2f", top + plot + 34))\" font-size=\"12\" text-anchor=\"middle\">false positive rate (real called fake)</text>\n"
        svg += "<text transform=\"translate(16 \(y(0.5))) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">true positive rate (fake caught)</text>\n"
        for (i, curve) in curves.enumerated() {
            let colour = colours[i % colours.count]
            let points = curve.points.map { "\(x($0.falsePositiveRate)),\(y($0.truePositiveRate))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            var label = curve.name
            if let auc = curve.auc { label += String(format: ": AUC %.3f [%.3f, %.3f]", auc.value, auc.low, auc.high) }
            let ly = top + plot - 14 - Double(curves.count - 1 - i) * 18
            svg += "<line x1=\"\(x(0.42))\" y1=\"\(String(format: "%.2f", ly - 4))\" x2=\"\(x(0.48))\" y2=\"\(String(format: "%.2f", ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(x(0.5))\" y=\"\(String(format: "%.2f", ly))\" font-size=\"12\">\(ReportHTML.escape(label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
