import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// `kmeans export`: writes a timestamped export of a trained model below a base directory.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained model to BASE/<timestamp>/: its variables as a tensor bundle, the centres as .npy and CSV, and its parameters.",
        discussion: """
            Like TF's export_saved_model, the export goes to a new timestamped directory below --to. It holds \
            variables/variables.index + variables/variables.data-00000-of-00001 (the SavedModel variables layout, \
            readable with tf.train.load_variable), cluster_centers.npy, cluster_centers.csv and kmeans_params.json. \
            No saved_model.pb graph is written.
            """)

    @OptionGroup var model: ModelDirOptions
    @OptionGroup var parameters: ModelParameterOptions
    @Option(name: .long, help: "The base directory; the export goes to a new timestamped directory below it.")
    var to: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = try ModelContext.open(model, flags: parameters, featureColumns: nil)
        let prefix: URL
        if let checkpoint = context.checkpointPath {
            prefix = URL(fileURLWithPath: checkpoint)
        } else if let latest = try ModelDirectory(url: context.directory).latestCheckpoint() {
            prefix = latest.prefix
        } else {
            throw CLIError.data("\(context.directory.path): no checkpoint to export")
        }
        let tensors = try TensorBundleReader(prefix: prefix).readAll()
        let (centers, step) = try context.centersAndStep()

        let base = URL(fileURLWithPath: to)
        var stamp = Int(Date().timeIntervalSince1970)
        var target = base.appendingPathComponent("\(stamp)")
        while FileManager.default.fileExists(atPath: target.path) {
            stamp += 1
            target = base.appendingPathComponent("\(stamp)")
        }
        // Build in a hidden sibling and rename, so a failed export leaves nothing half-written.
        let staging = base.appendingPathComponent(".\(stamp).partial-\(getpid())")
        do {
            let variables = staging.appendingPathComponent("variables")
            try FileManager.default.createDirectory(at: variables, withIntermediateDirectories: true)
            let encoded = try TensorBundleEncoder.encode(tensors)
            try writeFile(encoded.data, to: variables.appendingPathComponent("variables.data-00000-of-00001").path)
            try writeFile(encoded.index, to: variables.appendingPathComponent("variables.index").path)
            try NPYWriter.write(centers, to: staging.appendingPathComponent("cluster_centers.npy").path)
            try CSVWriter.write(CSVWriter.format(centers, header: featureHeader(context.parameters, columns: centers.columns)),
                                to: staging.appendingPathComponent("cluster_centers.csv").path)
            try context.parameters.save(in: staging)
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        switch output.format {
        case .json, .jsonl:
            let value = JSONValue.object([("export_dir", .string(target.path)), ("global_step", .int(step)),
                                          ("cluster_centers", .matrix(centers.nestedRows))])
            StandardOutput.write((output.format == .json ? value.pretty : value.compact) + "\n")
        case .csv:
            StandardOutput.write("export_dir,global_step\n\(CSVWriter.escape(target.path)),\(step)\n")
        case .text:
            StandardOutput.write("exported \(prefix.lastPathComponent) (global step \(step)) to \(target.path)\n")
        }
    }
}
