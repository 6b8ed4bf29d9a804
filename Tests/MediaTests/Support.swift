import Foundation
import Media
import Testing

/// Paths the tests read: the repository's fixtures and, when present, the shared real data.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("fixtures/video")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
    static let sharedData = root.deletingLastPathComponent().appendingPathComponent("shared/data")
    static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData.path) }

    /// Every video under the shared data folder.
    static func sharedVideos() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: sharedData.path) else { return [] }
        let extensions: Set<String> = ["mp4", "mov", "avi", "mkv", "webm"]
        return walker.compactMap { $0 as? String }
            .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { sharedData.appendingPathComponent($0).path }
    }

    /// A fresh empty folder under the system's temporary folder.
    static func scratch(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("deepfake-tests-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The fixture manifest written by tools/make_fixture_videos.sh from ffprobe's output.
struct ManifestEntry: Decodable {
    var bytes: Int
    var readable: Bool
    var codec: String?
    var width: Int?
    var height: Int?
    var rotation: Int?
    var frames: Int?
    var container: String?
    var duration: Double?

    static let all: [String: ManifestEntry] = {
        let data = try! Data(contentsOf: Paths.fixtures.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode([String: ManifestEntry].self, from: data)
    }()
}

/// Runs a program from PATH and returns its standard output (the peers: ffmpeg, ffprobe).
func run(_ program: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(program) failed"])
    }
    return data
}

/// ffprobe's decoded frame count for the first video stream.
func ffprobeFrameCount(_ path: String) throws -> Int {
    let text = String(decoding: try run("ffprobe", [
        "-v", "error", "-count_frames", "-select_streams", "v:0",
        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path,
    ]), as: UTF8.self)
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")[0]) ?? -1
}

/// Peak signal-to-noise ratio in dB between two byte buffers of equal length (infinity if equal).
func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    var sum = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        sum += d * d
    }
    if sum == 0 { return .infinity }
    return 10 * log10(255 * 255 / (sum / Double(a.count)))
}

/// All frames of a video, decoded in sequence.
func decodeAll(_ path: String, options: VideoReader.Options = .init()) throws -> [DecodedFrame] {
    var frames: [DecodedFrame] = []
    try VideoReader(path: path, options: options).forEachFrame(.all) { frames.append($0) }
    return frames
}
