import Foundation

/// A one-line progress bar on standard error: `label [#####.....] 12/32  41.3 frames/s  ETA 0:02`.
///
/// It draws only when standard error is a terminal, so logs and pipelines stay clean, and redraws
/// at most ten times a second.
final class ProgressBar {
    private let label: String
    private let unit: String
    /// Steps expected, when known (may be set once it is).
    var total: Int?
    private let start = Date()
    private var lastDraw = Date.distantPast
    private(set) var done = 0
    /// Text shown after the rate, e.g. the running loss.
    var detail = ""
    private let enabled: Bool

    init(_ label: String, total: Int?, unit: String = "frames", enabled: Bool = Terminal.stderrIsTerminal) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
    }

    func advance(by step: Int = 1) {
        done += step
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        draw()
    }

    /// Moves to `count` steps done.
    func advance(to count: Int) {
        advance(by: count - done)
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        Terminal.writeAll(2, "\r\u{1B}[2K")
    }

    var elapsed: Double { Date().timeIntervalSince(start) }
    var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    private func draw() {
        lastDraw = Date()
        var line = "\r\u{1B}[2K\(label) "
        if let total, total > 0 {
            let width = 24
            let filled = min(width, done * width / total)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(done)/\(total)"
        } else {
            line += "\(done)"
        }
        line += String(format: "  %.1f %@/s", rate, unit)
        if !detail.isEmpty { line += "  " + detail }
        if let total, rate > 0, done < total {
            let eta = Int(Double(total - done) / rate)
            line += String(format: "  ETA %d:%02d", eta / 60, eta % 60)
        }
        Terminal.writeAll(2, line)
    }
}
