import ArgumentParser

@main
struct Deepfake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepfake",
        abstract: "Deepfake detection and generation workbench.",
        version: "0.1.0",
        subcommands: []
    )
}
