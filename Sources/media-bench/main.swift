// Decode benchmark: decodes a video to RGB24 with the project's VideoReader and prints frames per
// second, CPU time and peak resident memory. tools/bench/media.sh runs it beside the ffmpeg program.
//
//   media-bench CLIP [--threads N] [--max-side PX]
import Foundation
import Media

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: media-bench CLIP [--threads N] [--max-side PX]\n".utf8))
    exit(2)
}
func option(_ name: String) -> Int? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return Int(arguments[i + 1])
}

/// Peak resident set size in bytes (VmHWM).
func peakResident() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
    }
    return 0
}

do {
    let reader = try VideoReader(
        path: arguments[1], options: .init(maxSide: option("--max-side"), threads: option("--threads") ?? 0))
    var frames = 0
    var checksum: UInt64 = 0
    let start = Date()
    let cpuStart = clock()
    try reader.forEachFrame(.all) { frame in
        frames += 1
        checksum &+= UInt64(frame.image.pixels[frame.image.pixels.count / 2])
    }
    let seconds = Date().timeIntervalSince(start)
    let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
    print(String(
        format: "frames=%d seconds=%.3f fps=%.1f cpu=%.2f peak_rss_mb=%.1f checksum=%llu",
        frames, seconds, Double(frames) / seconds, cpu, Double(peakResident()) / 1e6, checksum))
} catch {
    FileHandle.standardError.write(Data("media-bench: \(error)\n".utf8))
    exit(1)
}
