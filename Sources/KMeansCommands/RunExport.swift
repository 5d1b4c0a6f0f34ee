import Foundation
import KMeansCore
import KMeansData
import WorkbenchCore

/// The workbench's `o` (output): the run on screen written out as files a user keeps — each point's cluster (with the row
/// id column, if the data had one), the centres, and the run as a model directory `kmeans` and TensorFlow read.
enum RunExport {
    /// Writes into the first free `kmeans-run-N/` in `directory`; returns a one-line report.
    static func write(_ session: Session, in directory: String = FileManager.default.currentDirectoryPath,
                      modelDir: WorkbenchModelDir?) -> String {
        guard let frame = session.currentFrame else { return "nothing to write: no run yet (press n to step, then o)" }
        let manager = FileManager.default
        var folder = ""
        for n in 1...999 {
            let candidate = (directory as NSString).appendingPathComponent("kmeans-run-\(n)")
            if !manager.fileExists(atPath: candidate) { folder = candidate; break }
        }
        guard !folder.isEmpty else { return "cannot write the run: kmeans-run-1 … kmeans-run-999 all exist here (remove some, or start the workbench in another directory)" }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: false)
            var labels = session.clusterLabels
            if labels.isEmpty {
                let centers = session.engine.assignmentCenters(frame.state)
                labels = StepEngine.nearest(points: session.engine.points, rows: nil, centers: centers, metric: session.settings.metric).labels
            }
            let ids = session.dataSet.rowIDs
            var csv = "\(CSVWriter.escape(ids?.column ?? "row")),cluster\n"
            for (i, label) in labels.enumerated() {
                let id = ids.map { i < $0.values.count ? String($0.values[i]) : String(i) } ?? String(i)
                csv += "\(id),\(label)\n"
            }
            try writeFile(Array(csv.utf8), to: (folder as NSString).appendingPathComponent("assignments.csv"))
            let centers = CSVWriter.format(session.displayCenters(frame), header: session.dataSet.columnNames)
            try writeFile(Array(centers.utf8), to: (folder as NSString).appendingPathComponent("centers.csv"))
            try writeFile(Array(RunExport.readme(session, labels: labels).utf8), to: (folder as NSString).appendingPathComponent("README.txt"))
            var report = "wrote \(labels.count) assignments and \(frame.state.clusters.rows) centres to \(folder)"
            let modelPath = (folder as NSString).appendingPathComponent("model")
            var model = modelDir ?? WorkbenchModelDir(path: modelPath, parameters: nil, checkpoints: ([], ""))
            if modelDir != nil { model.saveTo = modelPath }
            if session.frames.contains(where: { $0.phase == .updated }) {
                _ = try model.record(session)
                report += " and the run to \(modelPath)"
            } else {
                report += " (no step yet: no model written)"
            }
            return TerminalText.sanitized(report)
        } catch {
            return TerminalText.sanitized("cannot write the run to \(folder): \(error) (start the workbench in a writable directory)")
        }
    }

    /// What the folder holds and in which units; with z-scores, the means and deviations used and how many points
    /// the saved model (centres in original units, plain distances) assigns differently from the run.
    static func readme(_ session: Session, labels: [Int32]) -> String {
        var text = """
            assignments.csv: each row's cluster (0-based) in the run on screen, by row id when the data had one.
            centers.csv: the centres, one row per cluster, in the data's original units.
            model/: the run as a kmeans / TensorFlow model directory (when a step was run).

            """
        guard let z = session.standardization, let frame = session.currentFrame else {
            return text + "The run clustered the raw values.\n"
        }
        let centers = session.displayCenters(frame)
        let raw = StepEngine(data: session.dataSet.points, settings: session.settings)
        let predicted = StepEngine.nearest(points: raw.points, rows: nil, centers: raw.assignmentCenters(KMeansState(
            clusters: centers, initialized: true, clusterCounts: nil, clustersUpdated: nil, updateInSteps: nil, globalStep: 0)),
                                           metric: session.settings.metric).labels
        let differing = zip(predicted, labels).filter { $0 != $1 }.count
        text += """
            The run clustered z-scores: each column minus its mean, divided by its standard deviation (population):
            \(zip(session.dataSet.columnNames, zip(z.means, z.scales)).map { "  \($0): mean \($1.0), sd \($1.1)" }.joined(separator: "\n"))
            centers.csv and model/ hold the centres turned back into original units (mean + z × sd), so the model
            predicts on raw data. It measures plain distances in original units, not z-score distances: on this data
            it assigns \(differing) of \(labels.count) points to another cluster than the run did (assignments.csv is the run's).
            The loss in model/'s events is the z-score run's.

            """
        return text
    }
}
