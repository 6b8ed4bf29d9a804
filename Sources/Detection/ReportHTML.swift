import Foundation
import Media

/// Renders a `Report` as one self-contained HTML page for people: the verdict, a timeline of
/// per-frame scores with the threshold (inline SVG), each track's most and least suspicious faces
/// (embedded PNG), and the input and model facts. No scripts, no external files.
public enum ReportHTML {
    /// Face crops to show per track id: the most and the least suspicious.
    public typealias Thumbnails = [Int: (most: RGBImage, least: RGBImage)]

    public static func render(_ report: Report, thumbnails: Thumbnails = [:]) -> String {
        let verdict = report.summary?.verdict.rawValue ?? "error"
        let colour = ["fake": "#c62828", "real": "#2e7d32", "uncertain": "#ef6c00", "no-face": "#546e7a", "error": "#4e342e"][verdict] ?? "#546e7a"
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>deepfake report: \(escape(name(report.input.path)))</title>
            <style>
            body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222;padding:0 16px}
            .verdict{display:inline-block;padding:6px 14px;border-radius:6px;color:#fff;font-weight:600;font-size:20px;background:\(colour)}
            table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 12px 3px 0;text-align:left;vertical-align:top}
            th{color:#666;font-weight:500}.mono{font-family:ui-monospace,monospace;font-size:13px}
            .track{display:inline-block;margin:8px 18px 8px 0;text-align:center}.track img{width:96px;height:96px;image-rendering:pixelated;border:1px solid #ccc;margin:2px}
            .warn{color:#8d6e00}
            </style></head><body>
            <h1>\(escape(name(report.input.path)))</h1>

            """
        if let error = report.error {
            html += "<p><span class=\"verdict\">error</span> <b>\(escape(error.code))</b>: \(escape(error.message))</p>\n"
        } else if let summary = report.summary {
            let score = summary.score.map { String(format: "%.3f", $0) } ?? "none (no face found)"
            html += """
                <p><span class="verdict">\(escape(verdict))</span>&nbsp; probability of fake <b>\(score)</b>
                (threshold \(String(format: "%.3f", report.model.threshold)), uncertain within ±\(String(format: "%.2f", report.model.uncertainBand)))</p>
                <p>\(summary.framesSampled) frames sampled, \(summary.framesWithFaces) with faces, \(summary.faces) faces in \(summary.tracks) tracks.</p>

                """
        }
        if !report.frames.isEmpty {
            html += "<h2>Timeline</h2>\n" + timeline(report) + "\n"
        }
        if !report.segments.isEmpty {
            html += "<p>Above the threshold: " + report.segments.map {
                String(format: "%.2f–%.2f s (frames %d–%d, peak %.3f)", $0.start, $0.end, $0.startFrame, $0.endFrame, $0.peak)
            }.joined(separator: "; ") + "</p>\n"
        }
        if !report.tracks.isEmpty {
            html += "<h2>Tracks</h2>\n"
            for track in report.tracks {
                html += "<div class=\"track\"><div><b>track \(track.id)</b>: \(escape(track.verdict.rawValue)), \(String(format: "%.3f", track.score)), \(track.faces.count) face\(track.faces.count == 1 ? "" : "s")</div>"
                if let pair = thumbnails[track.id] {
                    let most = track.faces.map(\.score).max() ?? 0, least = track.faces.map(\.score).min() ?? 0
                    html += image(pair.most, title: String(format: "most suspicious: %.3f", most))
                    html += image(pair.least, title: String(format: "least suspicious: %.3f", least))
                    html += "<div class=\"mono\">most · least</div>"
                }
                html += "</div>\n"
            }
        }
        if !report.warnings.isEmpty {
            html += "<h2>Warnings</h2><ul>" + report.warnings.map { "<li class=\"warn\">\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        html += "<h2>Input</h2>\n<table>" + rows([
            ("path", report.input.path), ("sha256", report.input.sha256 ?? "–"),
            ("container", report.input.container ?? "–"), ("codec", report.input.codec ?? "–"),
            ("size", report.input.width.map { "\($0)×\(report.input.height ?? 0)" } ?? "–"),
            ("fps", report.input.fps.map { String(format: "%.3f", $0) } ?? "–"),
            ("duration", report.input.duration.map { String(format: "%.2f s", $0) } ?? "–"),
            ("frames", report.input.frameCount.map(String.init) ?? "–"),
        ]) + "</table>\n"
        html += "<h2>Model</h2>\n<table>" + rows([
            ("path", report.model.path), ("sha256", report.model.sha256),
            ("threshold", String(format: "%.4f", report.model.threshold)),
            ("uncertain band", String(format: "±%.4f", report.model.uncertainBand)),
            ("temperature", String(format: "%.4f", report.model.temperature)),
            ("calibrated", report.model.calibrated.map { $0 ? "yes" : "no (a raw GAN discriminator)" } ?? "–"),
            ("crop", (report.model.crop ?? "–") + (report.model.imageSize.map { ", \($0)×\($0)" } ?? "")),
        ]) + "</table>\n"
        html += "<h2>Settings</h2>\n<table>" + rows(report.settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) + "</table>\n"
        // Stages in pipeline order, then any others by name.
        let order = ["hash", "decode", "detect", "crop", "score", "total"]
        let stages = order.filter { report.timings[$0] != nil } + report.timings.keys.filter { !order.contains($0) }.sorted()
        html += "<h2>Timings</h2>\n<table>" + rows(stages.map { ($0, String(format: "%.3f s", report.timings[$0]!)) }) + "</table>\n"
        html += "<p class=\"mono\">\(escape(report.tool.name)) \(escape(report.tool.version)) · \(escape(report.schema))</p>\n</body></html>\n"
        return html
    }

    /// Per-frame scores against time, the threshold as a dashed line, frames without faces as grey
    /// ticks on the axis.
    static func timeline(_ report: Report) -> String {
        let width = 900.0, height = 220.0, left = 44.0, right = 12.0, top = 12.0, bottom = 30.0
        let plotW = width - left - right, plotH = height - top - bottom
        let duration = max(report.input.duration ?? 0, report.frames.map(\.time).max() ?? 0, 1e-3)
        func x(_ t: Double) -> Double { left + t / duration * plotW }
        func y(_ p: Double) -> Double { top + (1 - p) * plotH }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"per-frame scores\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += "<text x=\"\(left - 6)\" y=\"\(y(p) + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#666\">\(String(format: "%.2f", p))</text>"
        }
        let ticks = 6
        for i in 0...ticks {
            let t = duration * Double(i) / Double(ticks)
            svg += "<text x=\"\(x(t))\" y=\"\(height - 10)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#666\">\(String(format: "%.1f s", t))</text>"
        }
        for segment in report.segments {
            svg += "<rect x=\"\(x(segment.start) - 2)\" y=\"\(top)\" width=\"\(max(4, x(segment.end) - x(segment.start) + 4))\" height=\"\(plotH)\" fill=\"#c62828\" opacity=\"0.08\"/>"
        }
        let threshold = y(report.model.threshold)
        svg += "<line x1=\"\(left)\" y1=\"\(threshold)\" x2=\"\(left + plotW)\" y2=\"\(threshold)\" stroke=\"#c62828\" stroke-dasharray=\"6 4\"/>"
        svg += "<text x=\"\(left + 4)\" y=\"\(threshold - 5)\" font-size=\"11\" fill=\"#c62828\">threshold \(String(format: "%.2f", report.model.threshold))</text>"
        // One line per run of consecutive sampled frames with faces: a frame without a face breaks
        // the line rather than being bridged as if scores had been seen there.
        var runs: [[Report.Frame]] = [[]]
        for frame in report.frames {
            if frame.score == nil {
                if !runs[runs.count - 1].isEmpty { runs.append([]) }
            } else {
                runs[runs.count - 1].append(frame)
            }
        }
        for run in runs where run.count > 1 {
            svg += "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"" + run.map { "\(x($0.time)),\(y($0.score!))" }.joined(separator: " ") + "\"/>"
        }
        for frame in report.frames {
            if let score = frame.score {
                svg += "<circle cx=\"\(x(frame.time))\" cy=\"\(y(score))\" r=\"3\" fill=\"\(score >= report.model.threshold ? "#c62828" : "#1565c0")\"><title>frame \(frame.index), \(String(format: "%.2f s", frame.time)): \(String(format: "%.3f", score))</title></circle>"
            } else {
                svg += "<line x1=\"\(x(frame.time))\" y1=\"\(top + plotH)\" x2=\"\(x(frame.time))\" y2=\"\(top + plotH - 6)\" stroke=\"#999\"><title>frame \(frame.index): no face</title></line>"
            }
        }
        return svg + "</svg>"
    }

    private static func image(_ image: RGBImage, title: String) -> String {
        guard let data = try? ImageFile.pngData(image) else { return "" }
        return "<img alt=\"\(escape(title))\" title=\"\(escape(title))\" src=\"data:image/png;base64,\(data.base64EncodedString())\">"
    }

    private static func rows(_ pairs: [(String, String)]) -> String {
        pairs.map { "<tr><th>\(escape($0.0))</th><td class=\"mono\">\(escape($0.1))</td></tr>" }.joined()
    }

    private static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Text made safe for HTML (and SVG) content and attributes.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
