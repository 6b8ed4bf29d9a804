import ArgumentParser
import Datasets
import Faces
import Foundation
import GAN
import Manipulation
import Media

struct AlterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter",
        abstract: "Replace the faces in a video or image with generated ones, and record what changed.",
        discussion: """
            Faces are found and tracked as `deepfake faces` does; tracks with fewer than 3 \
            detections (the cascade's brief false positives) are left alone; boxes are smoothed over \
            ±2 frames, and each face is cut by the generator's crop convention (UTKFace chips). \
            The generated face is resized to the crop, colour-matched (mean and spread of Y, Cb, Cr \
            under the mask) and blended through a feathered ellipse (--blend poisson for \
            gradient-domain blending). Pixels outside the masks are untouched before encoding.

            --mode replace gives each track a new identity, from one seeded latent, stable across \
            frames. --mode invert re-synthesises the original face: each frame's latent is \
            optimised so that G(z) matches the crop in pixels and in D's first-block features (GAN \
            inversion), warm-started from the track's previous frame. It is slower and keeps the \
            original's look. --mode reencode alters nothing: every frame goes through the same writer \
            (the laundering control: a detector of compression would call these fake).

            Video output: H.264 MP4 at CRF 18 (--crf), preset veryfast, yuv420p, the source's frame \
            rate, frame count and frame times, the source's audio stream copied unchanged (audio from \
            before the first video frame is dropped, so both streams start together and stay in sync). Image \
            output: PNG. Beside the output, OUT.truth.json (schemas/deepfake-truth-1.schema.json) \
            lists every altered face per frame: its box, its mask's extent, the mode, the seed, and \
            the SHA-256 of the source, the output and the generator.

            When no face is found the command fails (exit code 3) and writes nothing, unless \
            --allow-unchanged. Outputs appear only when complete.
            """)

    @Argument(help: "Input video or image.")
    var input: String

    @Option(name: .shortAndLong, help: "Output: .mp4 for a video, .png for an image.")
    var out: String

    @Option(help: "replace, invert, or reencode (nothing altered).")
    var mode: AlterMode = .replace

    @Option(help: "GAN file (default: models/utkface64-dcgan32.safetensors). A training checkpoint works too.")
    var model: String?

    @Option(parsing: .unconditional, help: "Seed of the replacement identities and the inversion's starts (0...2^64-1).")
    var seed: UInt64 = 1

    @Option(help: "feather (alpha through the feathered ellipse) or poisson.")
    var blend: Compositor.Blending = .feather

    @Option(parsing: .unconditional, help: "Width of the mask's soft rim, as a fraction of its radii (above 0, at most 1).")
    var feather = 0.2

    @Flag(name: .customLong("no-color-match"), help: "Paste the generated colours as they are.")
    var noColorMatch = false

    @Option(parsing: .unconditional, help: "H.264 constant rate factor (\(Self.crfs.text); lower: better and bigger; 18 keeps untouched areas near-lossless).")
    var crf = 18

    @OptionGroup(title: "Face detection")
    var faces: FaceDetectorOptions

    @Option(name: .customLong("detect-every"), parsing: .unconditional, help: "Run the detector on every Nth frame (\(Limits.detectEvery.text)); track in between.")
    var detectEvery = 1

    @Option(parsing: .unconditionalSingleValue, help: "Inversion: Adam steps for a track's first frame and for each following frame (\(Self.inversionSteps.text) each).")
    var iterations: [Int] = [150, 25]

    @Option(name: .customLong("frames-dir"), help: "Also write every output frame as PNG here.")
    var framesDir: String?

    @Option(name: .customLong("masks-dir"), help: "Also write every frame's blending mask as a grey PNG here.")
    var masksDir: String?

    @Flag(name: .customLong("allow-unchanged"), help: "Write the output even when no face is found.")
    var allowUnchanged = false

    @Flag(help: "Print the summary as JSON on standard output.")
    var json = false

    static let crfs = 0...51
    static let inversionSteps = 0...5000

    func validate() throws {
        try Limits.check(crf, "--crf", in: Self.crfs)
        try Limits.check(feather, "--feather", above: 0, below: 1, includingHigh: true)
        try Limits.check(detectEvery, "--detect-every", in: Limits.detectEvery)
        if iterations.count != 2 || iterations.contains(where: { !Self.inversionSteps.contains($0) }) {
            throw ValidationError("--iterations takes two counts \(Self.inversionSteps.text) (first frame, following frames), e.g. --iterations 150 --iterations 25.")
        }
        guard FileManager.default.fileExists(atPath: input) else {
            throw ValidationError("Input '\(input)' does not exist. Check the path.")
        }
    }

    /// Checks every output against the input, the generator and the face models, before any work.
    private func checkOutputs(modelPath: String) throws {
        var outputs = OutputGuard()
        try outputs.addInput(input, as: isImage ? "the input image" : "the input video")
        try outputs.addInput(modelPath, as: "the model")
        try faces.protectModels(in: &outputs)
        try outputs.check(out, as: "the altered \(isImage ? "image" : "video")")
        try outputs.check(TruthRecord.path(for: out), as: "the truth file")
        let frameNames: (String) -> Bool = { $0.hasPrefix("frame_") && $0.hasSuffix(".png") }
        if let framesDir { try outputs.checkFolder(framesDir, as: "the frames", writes: frameNames) }
        if let masksDir { try outputs.checkFolder(masksDir, as: "the masks") { frameNames($0) || $0.hasSuffix("_mask.png") } }
    }

    var isImage: Bool { MediaInputs.imageExtensions.contains((input as NSString).pathExtension.lowercased()) }

    func run() throws {
        let ext = (out as NSString).pathExtension.lowercased()
        if isImage && ext != "png" {
            throw CleanError("Output '\(out)': an altered image is written as PNG (lossless). Name it *.png.")
        }
        if !isImage && ext != "mp4" {
            throw CleanError("Output '\(out)': an altered video is written as H.264 MP4. Name it *.mp4.")
        }
        let modelPath = try model ?? ModelLocation.defaultGenerator()
        try checkOutputs(modelPath: modelPath)
        let (generator, _) = try GeneratorFile.read(URL(fileURLWithPath: modelPath))
        let discriminator = mode == .invert ? try GeneratorFile.readDiscriminator(URL(fileURLWithPath: modelPath)) : nil
        if mode == .invert && discriminator == nil {
            Terminal.error("note: '\(modelPath)' has no discriminator; inverting on pixels alone")
        }
        for folder in [framesDir, masksDir].compactMap({ $0 }) { try OutputFolder.prepare(folder) }
        var settings = AlterSettings()
        settings.mode = mode
        settings.seed = seed
        settings.compositor = Compositor(blending: blend, matchColor: !noColorMatch, feather: feather)
        settings.crf = crf
        settings.minFace = faces.minFace
        settings.detectEvery = detectEvery
        settings.inversion.coldIterations = iterations[0]
        settings.inversion.warmIterations = iterations[1]
        let detector = try faces.configuration.make()
        let alterer = try FaceAlterer(generator: generator, discriminator: discriminator, generatorPath: modelPath,
                                      detector: detector, settings: settings)
        let summary: AlterSummary
        do {
            if isImage {
                summary = try alterer.alterImage(input: input, output: out, masksDir: masksDir, allowUnchanged: allowUnchanged)
            } else {
                let reader = try VideoReader(path: input)
                let progress = ProgressBar(URL(fileURLWithPath: input).lastPathComponent, total: reader.info.frameCount)
                defer { progress.finish() }
                summary = try alterer.alterVideo(
                    input: input, output: out, framesDir: framesDir, masksDir: masksDir, allowUnchanged: allowUnchanged,
                    progress: { _ in progress.advance() })
            }
        } catch let error as AlterError where error.code == .noFace {
            Terminal.error("error: \(error.message)")
            throw ExitCode(3)
        }
        report(summary)
    }

    private func report(_ s: AlterSummary) {
        let total = s.timings["total"] ?? 0
        let fps = total > 0 ? Double(s.framesRead) / total : 0
        var line = "\(out): \(s.framesRead) frames, \(s.framesAltered) altered, \(s.facesAltered) faces in \(s.tracks) tracks, "
            + "mode \(mode.rawValue), \(String(format: "%.1f", total)) s (\(String(format: "%.1f", fps)) frames/s)"
        if let error = s.meanFaceError { line += String(format: ", face error %.3f", error) }
        Terminal.error(line)
        let stages = ["decode", "detect", "generate", "blend", "encode", "write-png"].compactMap { name in
            s.timings[name].flatMap { $0 > 0 ? "\(name) \(String(format: "%.2f", $0)) s" : nil }
        }
        if !stages.isEmpty { Terminal.error("  stages: " + stages.joined(separator: ", ")) }
        Terminal.error("  truth: \(TruthRecord.path(for: out))")
        if json {
            var object: [String: Any] = [
                "output": out, "truth": TruthRecord.path(for: out), "mode": mode.rawValue, "frames": s.framesRead,
                "frames_altered": s.framesAltered, "faces_altered": s.facesAltered, "tracks": s.tracks,
                "timings": s.timings,
            ]
            if let error = s.meanFaceError { object["face_error"] = error }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                Terminal.out(String(decoding: data, as: UTF8.self))
            }
        }
    }
}

extension AlterMode: ExpressibleByArgument {}
extension Compositor.Blending: ExpressibleByArgument {}
