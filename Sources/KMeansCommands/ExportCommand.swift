import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// What `kmeans export` writes and how it reports: a SavedModel (with a text/json/jsonl/csv report) or ONNX.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, csv
    /// An ONNX model file instead of a SavedModel directory.
    case onnx

    var report: OutputFormat { OutputFormat(rawValue: rawValue) ?? .text }
}

/// `kmeans export`: writes a timestamped SavedModel below a base directory, or an ONNX file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained model as a SavedModel in BASE/<timestamp>/ (TF Serving, tf.saved_model.load) or as ONNX.",
        discussion: """
            The SavedModel goes to a new timestamped directory below --to: saved_model.pb (tag 'serve'; signatures \
            serving_default and cluster_index -> output int64 [-1], all_distances -> output float32 [-1, k], \
            predict -> both; input 'x' float32 [-1, d]) and variables/ (the checkpoint's variables). Beside them: \
            kmeans_export.json, cluster_centers.npy, cluster_centers.csv and kmeans_params.json. \
            With --format onnx, --to names the .onnx file to write (opset 13; input X, outputs label, scores, \
            all_distances, as skl2onnx's KMeans). See docs/SERVING.md.
            """)

    @OptionGroup var model: ModelDirOptions
    @OptionGroup var parameters: ModelParameterOptions
    @Option(help: "The base directory (the export goes to a new timestamped directory below it); with --format onnx, the .onnx file.")
    var to: String
    @Option(help: "text, json, jsonl or csv: a SavedModel, reported in that format; onnx: an ONNX file.")
    var format: ExportFormat = .text
    @Flag(help: "Print no progress on standard error.")
    var quiet = false

    func run() throws {
        let context = try ModelContext.open(model, flags: parameters, featureColumns: nil)
        let (centers, step) = try context.centersAndStep()
        if format == .onnx {
            let path = try context.estimator.exportONNX(to: to, checkpointPath: context.checkpointPath)
            StandardOutput.write("exported global step \(step) to \(path) (ONNX, opset 13)\n")
            return
        }
        let directory = try context.estimator.exportSavedModel(exportDirBase: to, servingInputReceiverFn: { ServingInputReceiver() },
                                                               checkpointPath: context.checkpointPath)
        let target = URL(fileURLWithPath: directory)
        try NPYWriter.write(centers, to: target.appendingPathComponent("cluster_centers.npy").path)
        try CSVWriter.write(CSVWriter.format(centers, header: featureHeader(context.parameters, columns: centers.columns)),
                            to: target.appendingPathComponent("cluster_centers.csv").path)
        try context.parameters.save(in: target)
        switch format.report {
        case .json, .jsonl:
            let value = JSONValue.object([("export_dir", .string(target.path)), ("global_step", .int(step)),
                                          ("cluster_centers", .matrix(centers.nestedRows))])
            StandardOutput.write((format == .json ? value.pretty : value.compact) + "\n")
        case .csv:
            StandardOutput.write("export_dir,global_step\n\(CSVWriter.escape(target.path)),\(step)\n")
        case .text:
            StandardOutput.write("exported global step \(step) to \((to as NSString).appendingPathComponent(target.lastPathComponent))\n")
        }
    }
}
