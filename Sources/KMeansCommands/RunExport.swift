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
        guard let frame = session.currentFrame else { return "nothing to write: no run" }
        let manager = FileManager.default
        var folder = ""
        for n in 1...999 {
            let candidate = (directory as NSString).appendingPathComponent("kmeans-run-\(n)")
            if !manager.fileExists(atPath: candidate) { folder = candidate; break }
        }
        guard !folder.isEmpty else { return "cannot write the run: kmeans-run-1 … kmeans-run-999 all exist here" }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: false)
            var labels = session.displayLabels
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
            return TerminalText.sanitized("cannot write the run to \(folder): \(error)")
        }
    }
}
