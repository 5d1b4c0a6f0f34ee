import Foundation
import Testing
import WorkbenchTerminal

/// `kmeans workbench --record FILE.cast`: the asciicast v2 writer's format, and round trips through a terminal
/// emulator (the recording replays to the screen the workbench showed), headless and live.
@Suite("Workbench recordings (asciicast v2)", .serialized)
struct RecordingTests {
    @Test func headerAndEventsAreAsciicastVersionTwo() throws {
        let header = AsciicastWriter.headerLine(width: 120, height: 40, timestamp: 1_700_000_000, environment: ["TERM": "xterm-256color", "HOME": "/x"])
        #expect(header == "{\"version\": 2, \"width\": 120, \"height\": 40, \"timestamp\": 1700000000, \"env\": {\"TERM\": \"xterm-256color\"}}\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 2 && object["width"] as? Int == 120)
        let line = AsciicastWriter.eventLine(time: 1.5, text: "\u{1B}[1;2H\"é\\\n\u{07}")
        #expect(line == "[1.500000, \"o\", \"\\u001b[1;2H\\\"é\\\\\\n\\u0007\"]\n")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
        #expect(event[1] as? String == "o" && event[2] as? String == "\u{1B}[1;2H\"é\\\n\u{07}")
    }

    @Test func aCharacterSplitBetweenWritesIsWrittenWhole() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-split-\(getpid()).cast").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try AsciicastWriter(path: path, width: 10, height: 2, timestamp: 0, environment: [:])
        let braille = Array("a⣿".utf8)
        try writer.append(Array(braille.prefix(2)), at: 0.25)
        try writer.append(Array(braille.suffix(2)), at: 0.5)
        try writer.finish()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1] == "[0.250000, \"o\", \"a\"]")
        #expect(lines[2] == "[0.500000, \"o\", \"⣿\"]")
    }

    /// Replays a recording's output events through the test terminal; returns its header and the final rows.
    static func replay(_ path: String) throws -> (header: [String: Any], rows: [String], times: [Double]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        var terminal = VirtualTerminal(width: header["width"] as? Int ?? 0, height: header["height"] as? Int ?? 0)
        var times: [Double] = []
        for line in lines.dropFirst() {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            times.append(try #require(event[0] as? Double))
            #expect(event[1] as? String == "o")
            terminal.feed(Array(try #require(event[2] as? String).utf8))
        }
        return (header, terminal.rows, times)
    }

    static func trimmed(_ text: String, rows: Int) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).prefix(rows).map { line in
            var line = String(line)
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    @Test func headlessRecordingReplaysToTheSnapshotAndIsReproducible() throws {
        let scratch = try Scratch()
        let arguments = ["workbench", "--sample", "blobs", "--k", "5", "--batch-size", "32", "--size", "120x40", "--steps", "2",
                         "--keys", "nh+<space><tick><tick><tick>?", "--colors", "256"]
        let first = try scratch.run(arguments + ["--record", "a.cast", "--snapshot", "a.txt"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try scratch.run(arguments + ["--record", "b.cast", "--snapshot", "-"])
        #expect(second.status == 0)
        let a = try Data(contentsOf: scratch.url.appendingPathComponent("a.cast"))
        #expect(a == (try Data(contentsOf: scratch.url.appendingPathComponent("b.cast"))), "the same arguments give the same bytes")
        let replay = try Self.replay(scratch.url.appendingPathComponent("a.cast").path)
        #expect(replay.header["version"] as? Int == 2 && replay.header["width"] as? Int == 120 && replay.header["height"] as? Int == 40)
        #expect(replay.times == replay.times.sorted() && replay.times.count == 10, "opening, 2 steps, 7 keys, in time order")
        let snapshot = try String(contentsOf: scratch.url.appendingPathComponent("a.txt"), encoding: .utf8)
        #expect(replay.rows == Self.trimmed(snapshot, rows: 40))
        #expect(snapshot.contains("Help: keys"))
    }

    @Test func anUnwritableRecordingIsAnErrorBeforeAnythingElse() throws {
        let scratch = try Scratch()
        for extra in [["--snapshot", "-"], []] {
            let result = try scratch.run(["workbench", "--record", "/nonexistent-dir/x.cast"] + extra)
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot write the recording /nonexistent-dir/x.cast") && result.stderr.contains("--record"), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "nothing drawn")
        }
    }

    @Test(.enabled(if: KMeansBinary.url != nil)) func liveRecordingHoldsWhatTheTerminalReceived() throws {
        let scratch = try Scratch()
        let path = scratch.url.appendingPathComponent("live.cast").path
        let pty = try ThrottledPty(width: 100, height: 30, bytesPerSecond: nil,
                                   arguments: ["workbench", "--sample", "blobs", "--k", "3", "--record", path])
        defer { pty.stop() }
        try pty.waitUntil("the opening") { $0.rows[29].contains("q quit") }
        pty.send("n")
        try pty.waitUntil("step 1") { $0.text.contains("step 1  next") }
        usleep(300_000)
        let shown = pty.screen.rows
        pty.send("q")
        #expect(pty.waitForExit(timeout: 5) == 0)
        let replay = try Self.replay(path)
        #expect(replay.header["width"] as? Int == 100 && replay.header["height"] as? Int == 30)
        #expect(replay.times == replay.times.sorted())
        #expect(replay.rows == shown, "the recording replays to the screen the terminal showed")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("\\u001b[c"), "the arrival probes are not in the recording: a replay must not query the viewer's terminal")
    }
}
