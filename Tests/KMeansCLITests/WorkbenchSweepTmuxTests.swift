import Foundation
import Testing

/// End-to-end: the k sweep overlay of the real binary in tmux, on data big enough that the sweep takes seconds.
/// Keys are answered while it runs and Esc cancels it; the latencies are printed (measured, not asserted: timing on
/// a loaded machine is no test) and recorded in docs/WORKBENCH.md.
@Suite("Workbench k sweep in tmux", .serialized,
       .enabled(if: WorkbenchTmux.available || WorkbenchTmux.requiredByCI, "tmux is not installed (Scripts/setup installs it)"))
struct WorkbenchSweepTmuxTests {
    /// 200 000 seeded points around five centres, as CSV.
    static func writeBigCSV(to url: URL) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let centers: [(Double, Double)] = [(0, 0), (6, 1), (2, 7), (9, 8), (-4, 5)]
        var text = "x,y\n"
        text.reserveCapacity(200_000 * 16)
        for i in 0..<200_000 {
            let c = centers[i % centers.count]
            text += "\(Float(c.0 + 3 * (next() - 0.5))),\(Float(c.1 + 3 * (next() - 0.5)))\n"
        }
        try Data(text.utf8).write(to: url)
    }

    /// Polls the screen (as fast as `capture-pane` answers) until `condition` holds and returns the seconds from
    /// `start` to the capture that first showed it (10 s timeout).
    static func secondsUntil(_ tmux: WorkbenchTmux, from start: Date, _ what: String, _ condition: (String) -> Bool) throws -> Double {
        var last = ""
        while Date().timeIntervalSince(start) < 10 {
            let asked = Date()
            last = (try? tmux.screen()) ?? ""
            if condition(last) { return asked.timeIntervalSince(start) }
            usleep(2_000)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)")
        throw TmuxFailure("timeout waiting for \(what)")
    }

    @Test func keysAnswerWhileASweepRunsAndEscCancelsIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-sweep-e2e-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("big.csv")
        try Self.writeBigCSV(to: data)

        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--data", data.path])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED", "200000×2")
        tmux.send("k")
        try tmux.waitFor("Choose k: sweep k = 1…10", "Enter starts: 30 trainings")
        tmux.send("Enter")
        try tmux.waitFor("restart 1/3")
        try tmux.waitFor("k 2/10")

        // → moves the cursor from k 3 to k 4 while the sweep runs.
        let pressed = Date()
        tmux.send("Right")
        let keySeconds = try Self.secondsUntil(tmux, from: pressed, "the cursor on k 4") { $0.contains("k 4: no row yet") || $0.contains("k 4: score") }
        let during = try tmux.screen()
        #expect(during.contains("/10, restart"), "the sweep was still running when the key was answered")

        let escaped = Date()
        tmux.send("Escape")
        let cancelSeconds = try Self.secondsUntil(tmux, from: escaped, "cancelled") { $0.contains("cancelled after") }
        let after = try tmux.screen()
        #expect(after.contains("of 10 values of k (their rows are kept)"))
        #expect(!after.contains("/10, restart"))
        print("sweep e2e (200000×2, debug build): key answered in \(Int(keySeconds * 1000)) ms, "
              + "Esc to \"cancelled\" in \(Int(cancelSeconds * 1000)) ms (tmux capture-pane polled back to back; the time is when the capture that first showed it was asked for)")

        // A finished row can be picked: k = 1 finishes first.
        tmux.send("Left", "Left", "Left")
        try tmux.waitFor("k 1: score")
        tmux.send("Enter")
        try tmux.waitFor("k = 1 from the sweep: seed 1")
        #expect(try !tmux.screen().contains("Choose k"))
        try tmux.quitCleanly()
    }

    @Test func largestKBeyondTheRowsIsSaidNotRun() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24)
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("k", "5", "0", "0", "Enter")
        try tmux.waitFor("K = 500 is more than the 100 points: choose K ≤ 100")
        #expect(try !tmux.screen().contains("restart 1/"))
        tmux.send("Escape")
        try tmux.waitUntil("the overlay closed") { !$0.contains("Choose k") }
        try tmux.quitCleanly()
    }
}
