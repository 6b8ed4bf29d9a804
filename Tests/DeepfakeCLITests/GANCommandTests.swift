import Foundation
import Testing

/// `train`, `generate` and `evaluate gan` end to end on tiny settings: errors write nothing, a run
/// killed with SIGKILL resumes to the same generator as an uninterrupted run.
@Suite struct GANCommandTests {
    static let faces = CLI.sharedData.appendingPathComponent("utkface/faces64")
    static let hasFaces = FileManager.default.fileExists(atPath: faces.path)

    /// 32×32, ngf/ndf 4, batch 8, no pre-check or SWD: a few seconds per run in a debug build.
    static let tiny = ["--size", "32", "--ngf", "4", "--ndf", "4", "--nz", "8", "--batch", "8",
                       "--precheck-steps", "0", "--swd-images", "0", "--checkpoint-every", "2", "--no-cache"]

    /// A folder with the first `count` UTKFace chips.
    static func faceFolder(_ name: String, count: Int) throws -> URL {
        let folder = try CLI.scratch(name)
        let names = try FileManager.default.contentsOfDirectory(atPath: faces.path).sorted().prefix(count)
        for file in names {
            try FileManager.default.copyItem(at: faces.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        return folder
    }

    @Test(arguments: [["train"], ["generate"], ["evaluate", "gan"]])
    func helpMatchesItsSnapshot(command: [String]) throws {
        let result = try CLI.run(command + ["--help"])
        #expect(result.status == 0)
        try expectSnapshot(result.stdout, named: "help-" + command.joined(separator: "-"))
    }

    @Test func emptyFolderFailsAndWritesNothing() throws {
        let scratch = try CLI.scratch()
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let run = scratch.appendingPathComponent("run")
        let result = try CLI.run(["train", "--data", empty.path, "--run", run.path] + Self.tiny)
        #expect(result.status != 0)
        #expect(result.stderr.contains("holds no PNG or JPEG images"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.path))
    }

    @Test(.enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"))
    func precheckFailsAfterOneStepLeavingNoRunFolderAndPassesOnRealFaces() throws {
        let folder = try Self.faceFolder("precheck", count: 16)
        let run = folder.deletingLastPathComponent().appendingPathComponent("precheck-run")
        try? FileManager.default.removeItem(at: run)
        // One pre-check step: D is scored before it has learned anything, so it cannot pass.
        var tiny = Self.tiny
        tiny[tiny.firstIndex(of: "--precheck-steps")! + 1] = "1"
        let result = try CLI.run(["train", "--data", folder.path, "--run", run.path] + tiny)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Pre-check failed"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.path))

        // On real faces against the untrained generator, 40 steps are plenty.
        tiny[tiny.firstIndex(of: "--precheck-steps")! + 1] = "40"
        let passed = try CLI.run(["train", "--data", folder.path, "--run", run.path, "--stop-after", "1"] + tiny)
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(passed.stderr.contains("pre-check passed"), "\(passed.stderr)")
    }

    @Test(.enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"))
    func corruptImagesAreSkippedWithAWarningOrFailOverTheThreshold() throws {
        let folder = try Self.faceFolder("corrupt", count: 32)
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("zz_broken.jpg"))
        let run = folder.deletingLastPathComponent().appendingPathComponent("corrupt-run")
        try? FileManager.default.removeItem(at: run)
        let ok = try CLI.run(["train", "--data", folder.path, "--run", run.path, "--epochs", "1", "--stop-after", "1"] + Self.tiny)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("warning: skipped") && ok.stderr.contains("zz_broken.jpg"))
        #expect(ok.stderr.contains("32 training images"))

        for index in 0..<8 { try Data().write(to: folder.appendingPathComponent("zz_empty\(index).jpg")) }
        try? FileManager.default.removeItem(at: run)
        let failed = try CLI.run(["train", "--data", folder.path, "--run", run.path] + Self.tiny)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("9 of 41 images could not be read"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.path))
    }

    @Test(.enabled(if: hasFaces, "needs ../shared/data/utkface/faces64"))
    func killedRunResumesToTheSameGeneratorAndBadCheckpointsAreRefused() throws {
        let folder = try Self.faceFolder("resume", count: 48)
        let scratch = folder.deletingLastPathComponent()
        let (straight, killed) = (scratch.appendingPathComponent("straight"), scratch.appendingPathComponent("killed"))
        for url in [straight, killed] { try? FileManager.default.removeItem(at: url) }
        let arguments = ["train", "--data", folder.path, "--epochs", "4"] + Self.tiny
        let reference = try CLI.run(arguments + ["--run", straight.path])
        #expect(reference.status == 0, "\(reference.stderr)")

        // Start the same run and kill it with SIGKILL once a checkpoint exists.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments + ["--run", killed.path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoints = killed.appendingPathComponent("checkpoints")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
            if names.contains(where: { $0.hasPrefix("step-") }) { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("generator.safetensors").path),
                "the run finished before it could be killed; the test needs a longer run")

        // Another architecture is refused, and nothing changes.
        let other = try CLI.run(["train", "--resume", killed.path, "--ngf", "8"])
        #expect(other.status != 0)
        #expect(other.stderr.contains("was trained with --ngf 4, not 8"), "\(other.stderr)")

        let resumed = try CLI.run(["train", "--resume", killed.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let a = try Data(contentsOf: straight.appendingPathComponent("generator.safetensors"))
        let b = try Data(contentsOf: killed.appendingPathComponent("generator.safetensors"))
        #expect(a == b, "the resumed run's generator differs from the uninterrupted run's")

        // A corrupt newest checkpoint is refused with the file named.
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path)
            .filter { $0.hasPrefix("step-") }.sorted().last)
        let newestURL = checkpoints.appendingPathComponent(newest)
        let bytes = try Data(contentsOf: newestURL)
        try bytes.prefix(bytes.count - 100).write(to: newestURL)
        let corrupt = try CLI.run(["train", "--resume", killed.path, "--epochs", "6"])
        #expect(corrupt.status != 0)
        #expect(corrupt.stderr.contains(newest), "\(corrupt.stderr)")

        // generate from the finished run, and evaluate it.
        let grid = scratch.appendingPathComponent("grid.png")
        let generated = try CLI.run(["generate", "--model", straight.appendingPathComponent("generator.safetensors").path,
                                     "--count", "4", "--out", scratch.appendingPathComponent("samples").path,
                                     "--grid", grid.path, "--seed", "3"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(CLI.files(in: scratch.appendingPathComponent("samples")).count == 4)
        #expect(FileManager.default.fileExists(atPath: grid.path))
        let evaluated = try CLI.run(["evaluate", "gan", "--model", straight.appendingPathComponent("generator.safetensors").path,
                                     "--data", folder.path, "--images", "16", "--json", "--no-cache"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("\"floor\""))
    }
}
