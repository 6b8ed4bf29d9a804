import ArgumentParser
import Foundation
import Media

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what a video file holds: container, codec, size, rotation, rate, duration, frames.",
        discussion: """
            Reads each file's header with FFmpeg's libraries. Frame counts come from the header \
            unless --count-frames decodes the video and counts (what 'ffprobe -count_frames' does; \
            some containers, such as WebM and AVI, declare none). A file that cannot be read gets \
            an error entry; the others are still probed, and the exit code is 1.
            """)

    @Argument(help: "Video files to probe.")
    var files: [String]

    @Flag(help: "Print JSON (an array, one object per file) instead of text.")
    var json = false

    @Flag(help: "Decode every frame to count them exactly.")
    var countFrames = false

    func run() throws {
        var entries: [ProbeEntry] = []
        var failed = 0
        for file in files {
            do {
                let reader = try VideoReader(path: file)
                let decoded = countFrames ? try reader.countFrames() : nil
                entries.append(ProbeEntry(path: file, info: reader.info, decodedFrames: decoded, error: nil))
            } catch {
                failed += 1
                entries.append(ProbeEntry(path: file, info: nil, decodedFrames: nil, error: .init(error)))
                Terminal.error("error: \(error)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Terminal.out(String(decoding: try encoder.encode(entries), as: UTF8.self))
        } else {
            for entry in entries where entry.info != nil { Terminal.out(entry.text) }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// One file's line in `probe --json`.
struct ProbeEntry: Encodable {
    var path: String
    var info: VideoInfo?
    var decodedFrames: Int?
    var error: ErrorEntry?

    struct ErrorEntry: Encodable {
        var code: String
        var message: String

        init(_ error: any Error) {
            if let media = error as? MediaError {
                code = media.code.rawValue
                message = media.description
            } else {
                code = "error"
                message = "\(error)"
            }
        }
    }

    var text: String {
        guard let info else { return path }
        var lines = [path]
        let rate = info.frameRate.value
        lines.append("  container  \(info.container)")
        lines.append(
            "  video      \(info.videoCodec) \(info.width)x\(info.height) \(info.pixelFormat), "
                + String(format: "%.3f", rate) + " fps (\(info.frameRate))"
                + (info.rotation != 0 ? ", rotated \(info.rotation)° (shown \(info.uprightWidth)x\(info.uprightHeight))" : ""))
        var frames = info.frameCount.map { "\($0) frames (header)" } ?? "frame count not in header"
        if let decodedFrames { frames = "\(decodedFrames) frames (decoded)" }
        var duration = String(format: "  duration   %.3f s, ", info.duration) + frames
        if let bitRate = info.bitRate { duration += ", \(bitRate / 1000) kb/s" }
        lines.append(duration)
        lines.append("  audio      \(info.audioCodec ?? "none")")
        lines.append("  time base  \(info.timeBase)")
        return lines.joined(separator: "\n")
    }
}
