import Foundation
import KMeansData

/// Opening another data file from the settings' data field.
extension Session {
    /// Loads `path` through ``DataSet/load(path:options:truth:)`` and applies the settings on it; on an error the
    /// settings overlay shows it and keeps the typed path and the draft.
    mutating func openDataFile(_ path: String) {
        let loaded: DataSet
        do { loaded = try DataSet.load(path: path) } catch {
            // The field shows the path: the message names the file only, so the line and value fit the box.
            settingsEditor.pathFailed("\(error)".replacingOccurrences(of: path, with: URL(fileURLWithPath: path).lastPathComponent))
            return
        }
        if let index = dataChoices.firstIndex(where: { $0.name == loaded.name }) { dataChoices[index] = loaded } else { dataChoices.append(loaded) }
        let index = dataChoices.firstIndex { $0.name == loaded.name } ?? 0
        settingsEditor.pathOpened(dataIndex: index)
        // Reloading the file on screen (same name) takes the new contents.
        if loaded.name == dataSet.name { dataSet = loaded; setProjection(Session.defaultProjection(columns: loaded.points.columns)) }
        applySettings()
        if overlay == .none, status == nil {
            status = .dataOpened(name: loaded.name, note: loaded.note)
        }
    }
}
