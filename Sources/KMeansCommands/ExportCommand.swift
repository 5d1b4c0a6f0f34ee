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
        abstract: "Export a trained model to BASE/<timestamp>/ (TF's export_saved_model layout, without a graph).",
        discussion: """
            The export goes to a new timestamped directory below --to. It holds variables/variables.index + \
            variables/variables.data-00000-of-00001 (readable with tf.train.load_variable), kmeans_export.json (the \
            serving signatures: cluster_index, all_distances, serving_default; input 'x'), and for convenience \
            cluster_centers.npy, cluster_centers.csv and kmeans_params.json. No saved_model.pb graph is written.
            """)

    @OptionGroup var model: ModelDirOptions
    @OptionGroup var parameters: ModelParameterOptions
    @Option(help: "The base directory; the export goes to a new timestamped directory below it.")
    var to: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = try ModelContext.open(model, flags: parameters, featureColumns: nil)
        let (centers, step) = try context.centersAndStep()
        let directory = try context.estimator.exportSavedModel(exportDirBase: to, servingInputReceiverFn: { ServingInputReceiver() },
                                                               checkpointPath: context.checkpointPath)
        let target = URL(fileURLWithPath: directory)
        try NPYWriter.write(centers, to: target.appendingPathComponent("cluster_centers.npy").path)
        try CSVWriter.write(CSVWriter.format(centers, header: featureHeader(context.parameters, columns: centers.columns)),
                            to: target.appendingPathComponent("cluster_centers.csv").path)
        try context.parameters.save(in: target)
        switch output.format {
        case .json, .jsonl:
            let value = JSONValue.object([("export_dir", .string(target.path)), ("global_step", .int(step)),
                                          ("cluster_centers", .matrix(centers.nestedRows))])
            StandardOutput.write((output.format == .json ? value.pretty : value.compact) + "\n")
        case .csv:
            StandardOutput.write("export_dir,global_step\n\(CSVWriter.escape(target.path)),\(step)\n")
        case .text:
            StandardOutput.write("exported global step \(step) to \((to as NSString).appendingPathComponent(target.lastPathComponent))\n")
        }
    }
}
