import Foundation
import Testing

@testable import Media

/// The readable fixture clips (the truncated one is tested on its own below).
let readableFixtures = ManifestEntry.all.filter { $0.value.readable && $0.key != "truncated.mp4" }
    .keys.sorted()

@Suite struct VideoReaderTests {
    @Test(arguments: readableFixtures)
    func infoMatchesFFprobe(name: String) throws {
        let expected = try #require(ManifestEntry.all[name])
        let info = try VideoReader(path: Paths.fixture(name)).info
        #expect(info.videoCodec == expected.codec)
        #expect(info.width == expected.width)
        #expect(info.height == expected.height)
        #expect(info.rotation == expected.rotation)
        #expect(info.container == expected.container)
        #expect(abs(info.duration - (expected.duration ?? 0)) < 0.05)
        #expect(info.hasAudio == (name == "h264_aac.mp4"))
    }

    @Test(arguments: readableFixtures)
    func decodedFrameCountEqualsFFprobe(name: String) throws {
        let expected = try #require(ManifestEntry.all[name]?.frames)
        let reader = try VideoReader(path: Paths.fixture(name))
        #expect(try reader.countFrames() == expected)
        let frames = try decodeAll(Paths.fixture(name))
        #expect(frames.count == expected)
        #expect(frames.map(\.index) == Array(0..<expected))
        // Presentation times increase strictly.
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.time < $1.time })
    }

    @Test(.enabled(if: Paths.hasSharedData, "../shared/data is absent (see DESIGN.md, Testing)"))
    func everyVideoInSharedDataDecodesToFFprobesFrameCount() throws {
        let videos = Paths.sharedVideos()
        #expect(videos.count >= 19)
        for video in videos {
            let ours = try VideoReader(path: video).countFrames()
            #expect(ours == (try ffprobeFrameCount(video)), "\(video)")
        }
    }

    @Test func firstFrameMatchesTheFFmpegProgramsRGB24() throws {
        let path = Paths.fixture("h264_aac.mp4")
        let ours = try #require(try VideoReader(path: path).frames(.all).next())
        let theirs = try run("ffmpeg", [
            "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        #expect(theirs.count == ours.image.pixels.count)
        let quality = psnr(ours.image.pixels, [UInt8](theirs))
        #expect(quality >= 50, "PSNR \(quality) dB")
    }

    @Test(arguments: ["h264_aac.mp4", "vp9.webm", "mpeg4.avi", "vfr.mp4"])
    func seekingReachesTheSameFrameAsDecodingInSequence(name: String) throws {
        let path = Paths.fixture(name)
        let sequential = try decodeAll(path)
        let picks = [sequential.count / 3, sequential.count - 2, 0]
        let reader = try VideoReader(path: path)
        var sought: [DecodedFrame] = []
        try reader.forEachFrame(.timestamps(picks.map { sequential[$0].time })) { sought.append($0) }
        #expect(sought.count == picks.count)
        for (frame, pick) in zip(sought, picks.sorted()) {
            #expect(frame.image == sequential[pick].image, "frame \(pick) of \(name)")
            #expect(abs(frame.time - sequential[pick].time) < 1e-6)
        }
    }

    @Test(arguments: ["h264_aac.mp4", "vfr.mp4", "rotated_90.mp4", "odd_318x238.mp4", "vp9.webm", "mpeg4.avi"])
    func skippingUnwantedFramesLeavesTheWantedOnesBitIdentical(name: String) throws {
        let path = Paths.fixture(name)
        let sequential = try decodeAll(path)
        let iterator = try VideoReader(path: path).frames(.all)
        var asked: [Int] = []
        let skipping = try iterator.skipFrames { index, time in
            asked.append(index)
            #expect(abs(time - sequential[index].time) < 1e-9, "time of frame \(index) of \(name)")
            return index % 4 == 1
        }
        #expect(skipping)
        #expect(asked == Array(sequential.indices), "asked about every frame once, in order")
        var handed: [Int] = []
        while let frame = try iterator.nextPreviewed(previewSide: 64, full: { index, _ in index % 4 == 1 }) {
            handed.append(frame.index)
            #expect(abs(frame.time - sequential[frame.index].time) < 1e-9)
            if frame.index % 4 == 1 { #expect(frame.image == sequential[frame.index].image, "frame \(frame.index) of \(name)") }
        }
        #expect(Set(handed).isSuperset(of: sequential.indices.filter { $0 % 4 == 1 }), "every wanted frame of \(name)")
        #expect(handed == handed.sorted() && Set(handed).count == handed.count, "in order, no repeats")
        #expect(iterator.framesPassed == sequential.count)
        // Decoded: the wanted frames and the reference frames, which the ffmpeg program lists when
        // told to skip the others (H.264's B-frames here; VP9 and MPEG-4 Part 2 have none to skip).
        let referenceTimes = String(decoding: try run("ffprobe", [
            "-v", "error", "-skip_frame", "noref", "-select_streams", "v:0",
            "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", path,
        ]), as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { Double($0.filter { $0 != "," }) }
        // ffprobe's times count from zero, ours from the stream's start; the first frame is a keyframe.
        let offset = (referenceTimes.first ?? 0) - sequential[0].time
        let references = referenceTimes.compactMap { t in sequential.firstIndex { abs($0.time + offset - t) < 1e-4 } }
        #expect(references.count == referenceTimes.count && !references.isEmpty)
        let expected = Set(references).union(sequential.indices.filter { $0 % 4 == 1 })
        #expect(handed == expected.sorted(), "frames decoded of \(name)")
        if name.hasSuffix(".mp4") { #expect(handed.count < sequential.count, "\(name) has frames to skip") }
    }

    @Test func evenSamplingFollowsNumpysLinspace() throws {
        #expect(FrameSelector.evenlySpaced(count: 4, total: 10) == [0, 3, 6, 9])
        #expect(FrameSelector.evenlySpaced(count: 3, total: 2) == [0, 1])
        #expect(FrameSelector.evenlySpaced(count: 1, total: 7) == [0])
        let frames = try sample("h264_aac.mp4", .evenly(count: 8))
        #expect(frames.map(\.index) == [0, 8, 16, 25, 33, 42, 50, 59])
        // WebM declares no frame count: the reader counts packets instead.
        #expect(try VideoReader(path: Paths.fixture("vp9.webm")).info.frameCount == nil)
        #expect(try sample("vp9.webm", .evenly(count: 5)).map(\.index) == [0, 6, 12, 18, 24])
    }

    @Test func everyNthAndFramesPerSecond() throws {
        #expect(try sample("h264_aac.mp4", .every(7)).map(\.index) == [0, 7, 14, 21, 28, 35, 42, 49, 56])
        let perSecond = try sample("h264_aac.mp4", .fps(5))
        #expect(perSecond.map(\.index) == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55])
    }

    @Test func rotatedClipComesOutUpright() throws {
        let path = Paths.fixture("rotated_90.mp4")
        let upright = try #require(try VideoReader(path: path).frames(.all).next())
        let stored = try #require(
            try VideoReader(path: path, options: .init(applyRotation: false)).frames(.all).next())
        #expect((upright.image.width, upright.image.height) == (240, 320))
        #expect((stored.image.width, stored.image.height) == (320, 240))
        #expect(upright.image == stored.image.rotated(clockwise: 90))
        // Matches the ffmpeg program, which also rotates by default.
        let theirs = try run("ffmpeg", [
            "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        #expect(psnr(upright.image.pixels, [UInt8](theirs)) >= 50)
    }

    @Test func downscalingHappensInsideTheConverter() throws {
        let frame = try #require(
            try VideoReader(path: Paths.fixture("odd_318x238.mp4"), options: .init(maxSide: 100))
                .frames(.all).next())
        #expect((frame.image.width, frame.image.height) == (100, 75))
    }

    @Test func truncatedFileYieldsTheFramesBeforeTheCutThenAClearError() throws {
        let path = Paths.fixture("truncated.mp4")
        let expected = try #require(ManifestEntry.all["truncated.mp4"]?.frames)
        let iterator = try VideoReader(path: path).frames(.all)
        var count = 0
        var failure: MediaError?
        do {
            while try iterator.next() != nil { count += 1 }
        } catch {
            failure = error
        }
        #expect(count == expected)
        #expect(failure?.code == .corruptStream)
        #expect(failure?.path == path)
        #expect(failure?.description.contains("truncated or damaged") == true)
    }

    @Test func memoryStaysBoundedOnALongDecode() throws {
        // Peak memory of a separate process (tests run in parallel here) decoding the clip, then
        // the same clip looped ten times: a longer video must not need more memory.
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("media-bench").path
        let long = try Paths.scratch().appendingPathComponent("long.mp4").path
        _ = try run("ffmpeg", ["-v", "error", "-stream_loop", "9", "-i", Paths.fixture("h264_aac.mp4"), "-c", "copy", "-an", "-y", long])
        func peak(_ path: String) throws -> (frames: Int, megabytes: Double) {
            let output = String(decoding: try run(bench, [path]), as: UTF8.self)
            let fields = Dictionary(uniqueKeysWithValues: output.split(separator: " ").compactMap { field -> (String, String)? in
                let parts = field.split(separator: "=")
                return parts.count == 2 ? (String(parts[0]), String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            })
            return (Int(fields["frames"] ?? "") ?? 0, Double(fields["peak_rss_mb"] ?? "") ?? 0)
        }
        let short = try peak(Paths.fixture("h264_aac.mp4"))
        let looped = try peak(long)
        #expect(short.frames == 60 && looped.frames == 600)
        #expect(looped.megabytes - short.megabytes < 3, "peak \(short.megabytes) MB for 60 frames, \(looped.megabytes) MB for 600")
    }

    private func sample(_ name: String, _ sampling: FrameSampling) throws -> [DecodedFrame] {
        var frames: [DecodedFrame] = []
        try VideoReader(path: Paths.fixture(name)).forEachFrame(sampling) { frames.append($0) }
        return frames
    }
}
