// A writer loop for the results store's crash test (Tests/StoreTests): stores synthetic reports
// one transaction each through `ResultStore.put`, the path `deepfake score --store` takes, and
// says on standard output what it has done, so the test can kill it with SIGKILL at a known point.
//
//     store-writer STORE COUNT [PAUSE]
//
// For each i in 0..<COUNT it prints `committed i SHA256` once report i's transaction has
// committed. With PAUSE, report PAUSE is inserted and the writer then prints `in-flight PAUSE
// SHA256` and waits inside the open transaction (the test kills it there). Not a product.
import Detection
import Foundation
import Media
import Store

let arguments = CommandLine.arguments
guard arguments.count >= 3, let count = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: store-writer STORE COUNT [PAUSE]\n".utf8))
    exit(64)
}
let pause = arguments.count > 3 ? Int(arguments[3]) : nil

/// A report of about 40 kB, like one of a 32-frame video with two tracks.
func report(_ i: Int) -> Report {
    var faces: [Int: [Report.Face]] = [:]
    for track in 0..<2 {
        faces[track] = (0..<32).map { f in
            let score = Double((i * 31 + f * 7 + track * 13) % 1000) / 1000
            return Report.Face(frame: f * 10, time: Double(f) * 0.4, box: .init(x: 10, y: 20, width: 64, height: 64), score: score)
        }
    }
    let sampled = (0..<32).map { (index: $0 * 10, time: Double($0) * 0.4) }
    let parts = Report.assemble(sampledFrames: sampled, faces: faces, aggregation: Aggregation())
    return Report(
        tool: .init(version: "0.1.0"),
        model: .init(path: "model.safetensors", sha256: String(repeating: "ab", count: 32), threshold: 0.5, uncertainBand: 0.1, temperature: 1),
        input: .init(path: "clip-\(i).mp4", sha256: SHA256.hash(Data("input \(i)".utf8)), width: 640, height: 360, fps: 25, duration: 12.8,
                     frameCount: 320),
        settings: ["sampling": "count:32", "detectEvery": "3"], summary: parts.summary, tracks: parts.tracks, frames: parts.frames,
        segments: parts.segments, timings: ["total": 1.5], warnings: [])
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

do {
    let store = try ResultStore(path: arguments[1], create: true)
    for i in 0..<count {
        let r = report(i)
        try store.put(r) {
            if i == pause {
                say("in-flight \(i) \(r.input.sha256!)")
                while true { sleep(60) }
            }
        }
        say("committed \(i) \(r.input.sha256!)")
    }
} catch {
    FileHandle.standardError.write(Data("store-writer: \(error)\n".utf8))
    exit(1)
}
