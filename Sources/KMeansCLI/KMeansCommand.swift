import ArgumentParser

/// The `kmeans` command. With no subcommand it opens the workbench.
@main
struct KMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "TensorFlow's K-Means estimator in Swift: train, evaluate, predict, inspect, and a workbench.",
        subcommands: [WorkbenchCommand.self],
        defaultSubcommand: WorkbenchCommand.self
    )
}
