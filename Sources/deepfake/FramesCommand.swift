import ArgumentParser
import Foundation
import Media

struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Decode frames of a video and write them as PNG files.",
        discussion: """
            Files are named by frame index and presentation time, e.g. \
            frame_000042_t1.680.png. Frames come out upright (the display rotation is applied) \
            unless --no-rotate. Without a sampling option, 32 frames evenly spaced over the video \
            are written, the field's convention. Each PNG is written under a temporary name and \
            renamed when complete.
            """)

    @Argument(help: "The video file.")
    var file: String

    @Option(name: .shortAndLong, help: "Folder for the PNG files (created if missing).")
    var out: String

    @Option(parsing: .unconditional, help: "Write every Nth frame (1 for all frames; \(Limits.every.text)).")
    var every: Int?

    @Option(parsing: .unconditional, help: "Write N frames evenly spaced over the video (\(Limits.frameCount.text); default 32).")
    var count: Int?

    @Option(parsing: .unconditional, help: "Write about F frames per second (\(Limits.fps.text)).")
    var fps: Double?

    @Option(parsing: .unconditional, help: "Write the frames on screen at these times in seconds (\(Limits.seconds.text), at most \(Limits.timesCount.upperBound) times), e.g. --at 0.5,2,10.25.")
    var at: String?

    @Option(parsing: .unconditional, help: "Shrink frames so their longer side is at most PX pixels (\(Limits.maxSide.text)).")
    var maxSide: Int?

    @Flag(help: "Keep frames as stored; do not apply the display rotation.")
    var noRotate = false

    func validate() throws {
        let chosen = [every != nil, count != nil, fps != nil, at != nil].filter { $0 }.count
        if chosen > 1 { throw ValidationError("Choose one of --every, --count, --fps and --at.") }
        try Limits.check(every, "--every", in: Limits.every)
        try Limits.check(count, "--count", in: Limits.frameCount)
        try Limits.check(fps, "--fps", in: Limits.fps)
        try Limits.check(maxSide, "--max-side", in: Limits.maxSide)
        if at != nil, times == nil {
            throw ValidationError("--at takes up to \(Limits.timesCount.upperBound) times in seconds (\(Limits.seconds.text)) separated by commas, e.g. --at 0.5,2,10.25.")
        }
    }

    private var times: [Double]? {
        guard let at else { return nil }
        let parts = at.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard Limits.timesCount.contains(parts.count),
              parts.allSatisfy({ $0.map { $0.isFinite && Limits.seconds.contains($0) } ?? false }) else { return nil }
        return parts.map { $0! }
    }

    var sampling: FrameSampling {
        if let every { return every == 1 ? .all : .every(every) }
        if let fps { return .fps(fps) }
        if let times { return .timestamps(times) }
        return .evenly(count: count ?? 32)
    }

    func run() throws {
        var outputs = OutputGuard()
        try outputs.addInput(file, as: "the input video")
        try outputs.checkFolder(out, as: "the frames") { $0.hasPrefix("frame_") && $0.hasSuffix(".png") }
        let reader = try VideoReader(
            path: file, options: .init(maxSide: maxSide, applyRotation: !noRotate))
        try OutputFolder.prepare(out)
        let progress = ProgressBar("frames", total: expectedCount(reader.info))
        var written = 0
        defer { progress.finish() }
        try reader.forEachFrame(sampling) { frame in
            let name = String(format: "frame_%06d_t%.3f.png", frame.index, frame.time)
            try ImageFile.writePNG(frame.image, to: (out as NSString).appendingPathComponent(name), fast: true)
            written += 1
            progress.advance()
        }
        progress.finish()
        Terminal.error("wrote \(written) frames to \(out)")
    }

    private func expectedCount(_ info: VideoInfo) -> Int? {
        let frames = info.frameCount ?? Int(info.duration * info.frameRate.value)
        switch sampling {
        case .all: return frames
        case .every(let n): return (frames + n - 1) / n
        case .evenly(let n): return min(n, frames)
        case .fps(let f): return Int(info.duration * f) + 1
        case .timestamps(let list): return list.count
        }
    }
}

/// Output folders: created when missing, checked for writing before any work starts.
enum OutputFolder {
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CleanError("'\(path)' exists and is not a folder. Choose another --out folder.")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw CleanError(
                    "cannot create the output folder '\(path)': \(error.localizedDescription). "
                        + "Check the path and the permissions of its parent folder.")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw CleanError("the output folder '\(path)' is not writable. Check its permissions or choose another.")
        }
    }
}

/// An error whose description is the whole message the user sees.
struct CleanError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
