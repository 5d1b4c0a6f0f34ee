import Foundation
import Testing

/// The workbench on a million points stays responsive: it opens, steps and answers a key within stated times
/// (debug build). Opt-in with the other load tests: `KMEANS_LOAD_TESTS=1`.
@Suite("Load: the workbench on a million points", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["KMEANS_LOAD_TESTS"] == "1" && FaultTmux.available,
                "set KMEANS_LOAD_TESTS=1 (and install tmux) to run"))
struct LoadWorkbenchTests {
    static let points = environmentInt("KMEANS_LOAD_WORKBENCH_POINTS", 1_000_000)

    /// Seconds until the screen holds `needle` (nil after `timeout`).
    private func secondsUntil(_ tmux: FaultTmux, _ needle: String, timeout: Double = 60) -> Double? {
        let started = Date()
        while Date().timeIntervalSince(started) < timeout {
            if ((try? tmux.screen()) ?? "").contains(needle) { return Date().timeIntervalSince(started) }
            usleep(20_000)
        }
        return nil
    }

    @Test("a million points: opens within 15 s, a full step within 5 s, a key within 1 s")
    func millionPoints() throws {
        let scratch = try Scratch()
        var state: UInt64 = 9
        var values = [UInt8]()
        values.reserveCapacity(Self.points * 8)
        for i in 0..<Self.points {
            for offset in [Float(i % 4) * 10, Float(i % 3) * 10] {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let value = offset + Float(state >> 40) / Float(1 << 24)
                withUnsafeBytes(of: value.bitPattern.littleEndian) { values.append(contentsOf: $0) }
            }
        }
        let path = try scratch.write("million.npy", bytes: npy(descr: "<f4", shape: "(\(Self.points), 2)", data: values))
        let tmux = try FaultTmux(width: 120, height: 36, arguments: ["workbench", "--data", path, "--k", "8", "--seed", "3"])
        defer { tmux.kill() }
        let open = try #require(secondsUntil(tmux, "PAUSED"), "the workbench did not open")
        tmux.send("n")
        let step = try #require(secondsUntil(tmux, "step 1"), "no step")
        tmux.send("?")
        let key = try #require(secondsUntil(tmux, "Help"), "the help key was not answered")
        print("load: workbench on \(Self.points) points: open \(String(format: "%.2f", open)) s, step \(String(format: "%.2f", step)) s, key \(String(format: "%.2f", key)) s")
        #expect(open < 15)
        #expect(step < 5)
        #expect(key < 1)
        tmux.send("Escape")
        tmux.send("q")
        try tmux.waitFor("KMEANS-EXIT rc=0")
        try tmux.expectSaneTerminal()
    }
}
