import ArgumentParser
import Foundation

/// The `kmeans` command. With no subcommand it opens the workbench.
struct KMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "TensorFlow's K-Means estimator in Swift: train, evaluate, predict, inspect, and a workbench.",
        discussion: "Exit status: 0 on success; 1 for parameter, data or model errors; 2 for usage errors (an option that does not parse, or a required one missing); 128+N after signal N.",
        version: KMeansTool.version,
        subcommands: [
            WorkbenchCommand.self, TrainCommand.self, EvaluateCommand.self, ScoreCommand.self, PredictCommand.self,
            TransformCommand.self, CentersCommand.self, InspectCommand.self, ExportCommand.self, SweepCommand.self,
            PlotCommand.self, LessonCommand.self,
        ],
        defaultSubcommand: WorkbenchCommand.self
    )

    /// Parses and runs, mapping errors to one line on standard error and the documented exit codes.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let failure = describeFailure(error) {
                StandardError.write("kmeans: error: \(failure.message)\n")
                Foundation.exit(failure.code)
            }
            if exitCode(for: error) == .validationFailure {
                StandardError.write(fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// The `kmeans` command-line tool, as a library: the executable's `main` calls `run()`.
public enum KMeansTool {
    /// The tool's version (`kmeans --version`).
    public static let version = "0.3.0"

    /// Parses the process's arguments, runs the command and exits with the documented status.
    public static func run() { KMeansCommand.main() }
}
