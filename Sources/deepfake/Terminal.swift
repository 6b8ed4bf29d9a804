@preconcurrency import Glibc

/// Writing to the terminal. Only the executable prints; libraries return values and throw.
enum Terminal {
    /// Whether standard error is a terminal (progress bars show only then).
    static let stderrIsTerminal = isatty(2) == 1

    static func error(_ text: String) {
        writeAll(2, text + "\n")
    }

    static func out(_ text: String) {
        writeAll(1, text + "\n")
    }

    static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}
