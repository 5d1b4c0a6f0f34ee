import Foundation
import Testing

/// Compares `actual` with the golden file `Snapshots/<name>.txt` next to this source file, line by line.
/// Records the file when it is missing or when `RECORD_SNAPSHOTS=1` is set (the test then passes and says so).
func assertSnapshot(_ actual: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = directory.appendingPathComponent("\(name).txt")
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    if record || !FileManager.default.fileExists(atPath: url.path) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        print("recorded snapshot \(name).txt")
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    guard expected != actual else { return }
    #expect(Bool(false), "snapshot \(name) differs (RECORD_SNAPSHOTS=1 re-records):\n\(lineDiff(expected: expected, actual: actual))", sourceLocation: sourceLocation)
}

/// A readable diff: each differing line as `-expected` / `+actual` with its line number.
func lineDiff(expected: String, actual: String) -> String {
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var out: [String] = []
    for i in 0..<max(a.count, b.count) {
        let left = i < a.count ? String(a[i]) : "<missing>"
        let right = i < b.count ? String(b[i]) : "<missing>"
        if left != right {
            out.append("line \(i + 1) -\(left)")
            out.append("line \(i + 1) +\(right)")
        }
        if out.count > 60 { out.append("…"); break }
    }
    return out.joined(separator: "\n")
}
