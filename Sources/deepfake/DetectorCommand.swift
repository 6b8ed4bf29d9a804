import ArgumentParser

/// `deepfake detector …`: building fake detectors from a GAN's discriminator.
struct DetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Build fake detectors from a GAN's discriminator.",
        subcommands: [DetectorBuildCommand.self])
}
