import Foundation
import Media
import Testing

/// `OutputGuard`: an output is refused when it is an input under any name, and inputs that are
/// FIFOs or devices are refused when added.
@Suite struct OutputGuardTests {
    /// A scratch folder with `in.mp4`, `sub/`, and an `OutputGuard` protecting `in.mp4`.
    static func setUp(_ name: String = #function) throws -> (URL, OutputGuard) {
        let folder = try Paths.scratch("guard" + name)
        try Data("video".utf8).write(to: folder.appendingPathComponent("in.mp4"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        var outputs = OutputGuard()
        try outputs.addInput(folder.appendingPathComponent("in.mp4").path, as: "the input video")
        return (folder, outputs)
    }

    static func refusal(_ output: String, input: String) -> MediaError {
        MediaError(.outputIsInput, path: output, reason: "Refusing to write the report to '\(output)': it is the input video '\(input)'",
                   hint: "Choose another output path")
    }

    @Test func theSameFileUnderAnyNameIsRefused() throws {
        let (folder, outputs) = try Self.setUp()
        let input = folder.appendingPathComponent("in.mp4").path
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.json").path, withDestinationPath: "in.mp4")
        try FileManager.default.linkItem(atPath: input, toPath: folder.appendingPathComponent("hard.json").path)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("alias").path, withDestinationPath: folder.path)
        for output in [input, folder.path + "/sub/../in.mp4", folder.path + "/./in.mp4", folder.path + "/link.json",
                       folder.path + "/hard.json", folder.path + "/alias/in.mp4"] {
            #expect(throws: Self.refusal(output, input: input)) { try outputs.check(output, as: "the report") }
        }
        let error = try #require(throws: MediaError.self) { try outputs.check(input, as: "the report") }
        #expect(error.description == "Refusing to write the report to '\(input)': it is the input video '\(input)'. Choose another output path.")
    }

    @Test func otherPathsPass() throws {
        let (folder, outputs) = try Self.setUp()
        for output in [folder.path + "/in.json", folder.path + "/sub/in.mp4", folder.path + "/new/in.mp4", "in.mp4.json"] {
            try outputs.check(output, as: "the report")
        }
    }

    /// A relative input and an absolute output of the same file, and the reverse.
    @Test func relativeAndAbsoluteNamesMeet() throws {
        let (folder, _) = try Self.setUp()
        let saved = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        #expect(FileManager.default.changeCurrentDirectoryPath(folder.path))
        var outputs = OutputGuard()
        try outputs.addInput("in.mp4", as: "the input video")
        #expect(throws: MediaError.self) { try outputs.check(folder.appendingPathComponent("in.mp4").path, as: "the report") }
        #expect(throws: MediaError.self) { try outputs.check("sub/../in.mp4", as: "the report") }
    }

    @Test func foldersProtectTheFilesTheCommandReadsFromThem() throws {
        let folder = try Paths.scratch()
        try Data("png".utf8).write(to: folder.appendingPathComponent("a.png"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        var outputs = OutputGuard()
        try outputs.addInput(folder.path, as: "the input folder", readsExtensions: ["png"])
        #expect(throws: MediaError.self) { try outputs.check(folder.appendingPathComponent("a.png").path, as: "the grid") }
        #expect(throws: MediaError.self) { try outputs.check(folder.path, as: "the grid") }
        try outputs.check(folder.appendingPathComponent("notes.txt").path, as: "the grid")
        try outputs.check(folder.appendingPathComponent("b.png").path, as: "the grid")
    }

    @Test func anOutputFolderMayNotReplaceAnInputByName() throws {
        let (folder, outputs) = try Self.setUp()
        let frames: (String) -> Bool = { $0.hasPrefix("frame_") }
        try outputs.checkFolder(folder.path, as: "the frames", writes: frames)
        #expect(throws: MediaError.self) { try outputs.checkFolder(folder.appendingPathComponent("in.mp4").path, as: "the frames", writes: frames) }
        #expect(throws: MediaError.self) { try outputs.checkFolder(folder.path, as: "the frames") { $0.hasSuffix(".mp4") } }
    }

    @Test func fifosAndDevicesAreRefusedAsInputs() throws {
        let folder = try Paths.scratch()
        let fifo = folder.appendingPathComponent("pipe.mp4").path
        #expect(mkfifo(fifo, 0o644) == 0)
        var outputs = OutputGuard()
        let error = try #require(throws: MediaError.self) { try outputs.addInput(fifo, as: "the input video") }
        #expect(error.code == .specialFile)
        #expect(error.description == "'\(fifo)': is a FIFO (named pipe), not a regular file, so it cannot be read as the input video file. "
                + "Pass a regular file (copy the data into one first)")
        #expect(throws: MediaError.self) { try outputs.addInput("/dev/null", as: "the model") }
        // The readers refuse them too, before opening.
        #expect((try #require(throws: MediaError.self) { try ImageFile.read(fifo) }).code == .specialFile)
        #expect((try #require(throws: MediaError.self) { try VideoReader(path: fifo) }).code == .specialFile)
        #expect((try #require(throws: MediaError.self) { try SHA256.hash(file: "/dev/zero") }).code == .specialFile)
    }
}
