import ArgumentParser

/// Opens the interactive workbench (placeholder until the workbench lands).
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workbench", abstract: "Open the interactive workbench.")
    func run() throws {
        print("kmeans workbench: not yet implemented")
    }
}
