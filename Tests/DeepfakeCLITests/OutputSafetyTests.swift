import Detection
import Foundation
import GAN
import Media
import NN
import Testing

/// Inputs are sacred: no command writes an output over one of its inputs or models, whatever name
/// the output is given (the same path, a path through `..`, a symbolic link, a hard link). Each
/// case exits 64 naming both paths, and leaves the input byte for byte as it was and nothing new
/// beside it.
@Suite struct OutputSafetyTests {
    /// A scratch folder holding a video `v.mp4`, an image `i.png`, a GAN `m.safetensors` (G and D)
    /// and a detector `d.safetensors`; the names tests refer to.
    static func workspace(_ name: String) throws -> URL {
        let folder = try CLI.scratch("outputs" + name)
        try FileManager.default.copyItem(atPath: CLI.fixture("h264_aac.mp4"), toPath: folder.appendingPathComponent("v.mp4").path)
        try ImageFile.writePNG(RGBImage(width: 32, height: 32, fill: (120, 90, 60)), to: folder.appendingPathComponent("i.png").path)
        let architecture = GANArchitecture(imageSize: 32, noiseSize: 8, generatorWidth: 4, discriminatorWidth: 4)
        var random = SeededGenerator(seed: 3)
        let g = Generator(architecture), d = Discriminator(architecture)
        DCGANInitializer.initialize(g, using: &random)
        DCGANInitializer.initialize(d, using: &random)
        try GeneratorFile.writeNetworks(generator: g, discriminator: d, to: folder.appendingPathComponent("m.safetensors"))
        try DetectorModel(discriminator: d, isCalibrated: true).write(to: folder.appendingPathComponent("d.safetensors"))
        return folder
    }

    /// The command (paths relative to the workspace), the input it must not touch, what the message
    /// calls the output and the input.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var protected: String
        var message: String
        /// Links made before the run: (link, target), hard when `hard`.
        var links: [(String, String, hard: Bool)] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "score --report the video", arguments: ["score", "v.mp4", "--model", "d.safetensors", "--report", "v.mp4"],
             protected: "v.mp4", message: "Refusing to write the report to 'v.mp4': it is the input video 'v.mp4'. Choose another output path."),
        Case(name: "score --html the video", arguments: ["score", "v.mp4", "--model", "d.safetensors", "--html", "v.mp4"],
             protected: "v.mp4", message: "Refusing to write the HTML report to 'v.mp4': it is the input video 'v.mp4'."),
        Case(name: "score --report the model", arguments: ["score", "v.mp4", "--model", "d.safetensors", "--report", "d.safetensors"],
             protected: "d.safetensors", message: "Refusing to write the report to 'd.safetensors': it is the model 'd.safetensors'."),
        Case(name: "score --report through ..", arguments: ["score", "v.mp4", "--model", "d.safetensors", "--report", "sub/../v.mp4"],
             protected: "v.mp4", message: "Refusing to write the report to 'sub/../v.mp4': it is the input video 'v.mp4'."),
        Case(name: "score --report a symbolic link to the video",
             arguments: ["score", "v.mp4", "--model", "d.safetensors", "--report", "link.json"],
             protected: "v.mp4", message: "Refusing to write the report to 'link.json': it is the input video 'v.mp4'.",
             links: [("link.json", "v.mp4", hard: false)]),
        Case(name: "score --html a hard link to the video",
             arguments: ["score", "v.mp4", "--model", "d.safetensors", "--html", "hard.html"],
             protected: "v.mp4", message: "Refusing to write the HTML report to 'hard.html': it is the input video 'v.mp4'.",
             links: [("hard.html", "v.mp4", hard: true)]),
        Case(name: "generate --grid the model", arguments: ["generate", "--model", "m.safetensors", "--grid", "m.safetensors"],
             protected: "m.safetensors", message: "Refusing to write the grid to 'm.safetensors': it is the model 'm.safetensors'."),
        Case(name: "generate --grid a hard link to the model",
             arguments: ["generate", "--model", "m.safetensors", "--grid", "grid.png"],
             protected: "m.safetensors", message: "Refusing to write the grid to 'grid.png': it is the model 'm.safetensors'.",
             links: [("grid.png", "m.safetensors", hard: true)]),
        Case(name: "detector build --out its --gan",
             arguments: ["detector", "build", "--gan", "m.safetensors", "--real", "i.png", "--fake", "m.safetensors", "--out", "m.safetensors"],
             protected: "m.safetensors", message: "Refusing to write the detector to 'm.safetensors': it is the GAN model 'm.safetensors'."),
        Case(name: "alter --out the video", arguments: ["alter", "v.mp4", "--model", "m.safetensors", "--out", "v.mp4"],
             protected: "v.mp4", message: "Refusing to write the altered video to 'v.mp4': it is the input video 'v.mp4'."),
        Case(name: "alter --out a symbolic link to the video",
             arguments: ["alter", "v.mp4", "--model", "m.safetensors", "--out", "link.mp4"],
             protected: "v.mp4", message: "Refusing to write the altered video to 'link.mp4': it is the input video 'v.mp4'.",
             links: [("link.mp4", "v.mp4", hard: false)]),
        Case(name: "alter --out the model's name as an image",
             arguments: ["alter", "i.png", "--model", "m.png", "--out", "m.png"],
             protected: "m.png", message: "Refusing to write the altered image to 'm.png': it is the model 'm.png'.",
             links: [("m.png", "m.safetensors", hard: true)]),
        Case(name: "frames --out the video", arguments: ["frames", "v.mp4", "--out", "v.mp4"],
             protected: "v.mp4", message: "Refusing to write the frames to 'v.mp4': it is the input video 'v.mp4'."),
        Case(name: "frames into a folder holding a frame-named input",
             arguments: ["frames", "frame_000000_t0.000.png", "--out", "."],
             protected: "frame_000000_t0.000.png",
             message: "Refusing to write the frames to '.': a file written there would replace the input video 'frame_000000_t0.000.png'.",
             links: [("frame_000000_t0.000.png", "v.mp4", hard: false)]),
        Case(name: "faces --out the image", arguments: ["faces", "i.png", "--out", "i.png"],
             protected: "i.png", message: "Refusing to write the crops to 'i.png': it is the input image 'i.png'."),
        Case(name: "evaluate detector --roc the model",
             arguments: ["evaluate", "detector", "--real", "i.png", "--fake", "v.mp4", "--model", "d.safetensors", "--roc", "d.safetensors"],
             protected: "d.safetensors", message: "Refusing to write the ROC plot to 'd.safetensors': it is the model 'd.safetensors'."),
        Case(name: "train --export its initial weights",
             arguments: ["train", "--data", ".", "--run", "run", "--init-weights", "m.safetensors", "--export", "m.safetensors"],
             protected: "m.safetensors", message: "Refusing to write the generator to 'm.safetensors': it is the initial weights 'm.safetensors'."),
    ]

    @Test(arguments: cases)
    func outputThatIsAnInputIsRefused(_ c: Case) throws {
        let folder = try Self.workspace(c.name)
        for (link, target, hard) in c.links {
            let (path, destination) = (folder.appendingPathComponent(link).path, folder.appendingPathComponent(target).path)
            if hard {
                try FileManager.default.linkItem(atPath: destination, toPath: path)
            } else {
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
            }
        }
        let before = CLI.files(in: folder)
        let protected = try Data(contentsOf: folder.appendingPathComponent(c.protected))
        let result = try CLI.run(c.arguments, directory: folder, timeout: 120)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(c.message), "\(result.stderr)")
        #expect(try Data(contentsOf: folder.appendingPathComponent(c.protected)) == protected)
        #expect(CLI.files(in: folder) == before)
    }

    /// An output beside the input under another name is written as before.
    @Test func anotherNameBesideTheInputIsWritten() throws {
        let folder = try Self.workspace("other")
        let result = try CLI.run(["score", "v.mp4", "--model", "d.safetensors", "--count", "2", "--report", "v.json"], directory: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(CLI.files(in: folder).contains("v.json"))
    }
}
