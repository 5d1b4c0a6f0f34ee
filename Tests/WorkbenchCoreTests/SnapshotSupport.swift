import Foundation
import Testing

/// Compares `actual` with the golden file `Snapshots/<name>.txt` next to this source file, line by line.
/// A missing golden fails the test; goldens are written only when `RECORD_SNAPSHOTS=1` is set (the test then
/// passes and says so).
func assertSnapshot(_ actual: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = directory.appendingPathComponent("\(name).txt")
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        print("recorded snapshot \(name).txt")
        return
    }
    guard FileManager.default.fileExists(atPath: url.path) else {
        Issue.record("snapshot \(name).txt is missing: run with RECORD_SNAPSHOTS=1 to record it, then review and commit it",
                     sourceLocation: sourceLocation)
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

/// The snapshot helper itself: a golden that does not exist fails instead of being written.
@Suite("Snapshot helper")
struct SnapshotHelperTests {
    @Test func missingGoldenFailsAndWritesNothing() {
        guard ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != "1" else { return }
        let name = "no-such-golden-\(UInt64.random(in: 0...UInt64.max))"
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
        withKnownIssue("a missing golden is a failure") {
            try assertSnapshot("anything", named: name)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
