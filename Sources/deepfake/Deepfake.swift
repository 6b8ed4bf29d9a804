import ArgumentParser
import Media

@main
struct Deepfake: ParsableCommand {
    static func main() {
        ProcessMemory.keepFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as MediaError where error.code == .outputIsInput {
            // A usage mistake, like a bad flag: exit 64 (EX_USAGE), with the message alone.
            Terminal.error("Error: \(error)")
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "deepfake",
        abstract: "Deepfake detection and generation workbench.",
        discussion: """
            Reads media through FFmpeg's libraries, finds and tracks faces, trains and samples a \
            DCGAN, alters videos, and scores videos for manipulation. Everything runs on the CPU.

            Run 'deepfake help <command>' for the options of each command.
            """,
        version: Version.string,
        subcommands: [
            ProbeCommand.self, FramesCommand.self, FacesCommand.self, TrainCommand.self, GenerateCommand.self,
            ScoreCommand.self, StoreCommand.self, MergeCommand.self, EvaluateCommand.self, AlterCommand.self, DetectorCommand.self,
        ]
    )
}

enum Version {
    static let string = "0.1.0"
}
