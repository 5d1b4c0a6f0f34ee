import Foundation
import Testing

/// End-to-end: the real `kmeans` binary in a detached tmux session of fixed size, driven with keys, read back with
/// `capture-pane`, and the terminal checked for sanity after it exits. Every wait polls with a timeout.
/// Skipped where tmux or the built binary is missing, except under `CI`, where that is a failure.
@Suite("Workbench in tmux", .serialized,
       .enabled(if: WorkbenchTmux.available || WorkbenchTmux.requiredByCI, "tmux is not installed (Scripts/setup installs it)"))
struct WorkbenchTmuxTests {
    /// On CI (`CI` set, tmux installed by `Scripts/setup`) a missing tmux or binary must fail, never skip.
    @Test(.enabled(if: WorkbenchTmux.requiredByCI, "only on CI"))
    func tmuxAndTheBinaryArePresentOnCI() {
        #expect(WorkbenchTmux.findExecutable("tmux") != nil, "CI is set but tmux is not on PATH (Scripts/setup installs it)")
        #expect(WorkbenchTmux.kmeansBinary() != nil, "CI is set but the kmeans binary was not built")
    }

    /// Mouse clicks reach the workbench: an SGR (1006) mouse report typed into the pane is what a terminal sends.
    @Test func mouseClicksPlaceCenters() throws {
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--sample", "blobs", "--k", "2", "--initialization", "manual"])
        defer { tmux.kill() }
        try tmux.waitFor("PLACING CENTRES", "Place centre A of 2")
        tmux.click(x: 29, y: 9)
        try tmux.waitFor("Place centre B of 2")
        func cell(_ x: Int, _ y: Int) throws -> Character? {
            let rows = try tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
            guard rows.indices.contains(y), Array(rows[y]).indices.contains(x) else { return nil }
            return Array(rows[y])[x]
        }
        #expect(try cell(29, 9) == "+", "the placement cursor jumped to the click")
        tmux.click(x: 3, y: 9)
        try tmux.waitFor("click inside the plot to place a centre")
        tmux.click(x: 60, y: 20)
        try tmux.waitFor("2 centres placed")
        #expect(try cell(29, 9) == "A", "centre A where the first click was")
        #expect(try cell(60, 20) == "B", "centre B where the second click was")
        tmux.send("n")
        try tmux.waitFor("step 1  next: assign")
        try tmux.quitCleanly()
    }

    @Test func stepRunPauseHelpResizeQuit() throws {
        let tmux = try WorkbenchTmux(width: 100, height: 30)
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED", "step 0  next: assign")
        #expect(try tmux.screen().contains("uniform-100 100×2"))
        // 256 colours detected: the header bar and the braille points are coloured.
        let coloured = try tmux.screenWithColours()
        #expect(coloured.contains("48;5;74m"), "header bar in the accent colour")
        #expect(coloured.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille points")

        tmux.send("n")
        try tmux.waitFor("step 1  next: assign", "history 3/3")
        tmux.send("h")
        try tmux.waitFor("step 1  next: update", "Next: update.")

        tmux.send("Space")
        try tmux.waitFor("RUNNING")
        tmux.send("Space")
        try tmux.waitFor("PAUSED")
        let afterRun = try tmux.screen()
        #expect(!afterRun.contains("RUNNING"))
        #expect(try tmux.currentStep() >= 2)

        tmux.send("?")
        try tmux.waitFor("Help: keys", "one full iteration")
        tmux.send("Escape")
        try tmux.waitUntil("help closed") { !$0.contains("Help: keys") }

        tmux.send("Left")
        try tmux.waitFor("(replay)")

        tmux.resize(width: 50, height: 12)
        try tmux.waitFor("Terminal too small", "50×12, need 60×16")
        tmux.resize(width: 120, height: 36)
        try tmux.waitFor("PAUSED", "Run")
        #expect(try tmux.screen().split(separator: "\n").first?.count ?? 0 > 100)

        try tmux.quitCleanly()
    }

    @Test func screenshotKeyWritesTheScreen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-shot-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tmux = try WorkbenchTmux(width: 80, height: 24, workingDirectory: directory.path)
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("n")
        try tmux.waitFor("step 1  next: assign")
        tmux.send("w")
        try tmux.waitFor("screen saved to kmeans-screen-1.txt")
        let text = try String(contentsOf: directory.appendingPathComponent("kmeans-screen-1.txt"), encoding: .utf8)
        #expect(text.contains("step 1  next: assign"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("kmeans-screen-1.ans").path))
        #expect(try String(contentsOf: directory.appendingPathComponent("kmeans-screen-1.svg"), encoding: .utf8).contains("<svg"))
        tmux.send("q")
        try tmux.waitFor("KMEANS-EXIT rc=0")
    }

    @Test func controlCQuitsAndRestores() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24)
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("C-c")
        try tmux.waitFor("KMEANS-EXIT rc=0")
        try tmux.expectSaneTerminal()
    }

    @Test func noColorMeansNoColour() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24, environment: ["NO_COLOR=1"])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("n")
        try tmux.waitFor("step 1")
        let coloured = try tmux.screenWithColours()
        #expect(WorkbenchTmux.colourCodes(in: coloured).isEmpty, "no colour sequences")
        // Clusters are still told apart by glyph.
        let text = try tmux.screen()
        #expect(text.contains("o") && text.contains("+") && text.contains("x"))
        tmux.send("q")
        try tmux.waitFor("KMEANS-EXIT rc=0")
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24)
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("Space")
        try tmux.waitFor("RUNNING")
        let pid = try tmux.workbenchPID()
        kill(pid, SIGTERM)
        try tmux.waitFor("KMEANS-EXIT rc=143")
        try tmux.expectSaneTerminal()
    }

    @Test func resizeStormEndsOnACorrectScreen() throws {
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--sample", "iris"])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED", "iris 150×4")
        tmux.send("Space")
        for (w, h) in [(20, 5), (140, 45), (61, 16), (3, 2), (90, 20), (59, 40), (160, 50), (72, 24)] { tmux.resize(width: w, height: h) }
        tmux.send("Space")
        try tmux.waitFor("PAUSED", "iris 150×4", "history")
        let lines = try tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasSuffix("⏸ PAUSED") == true || lines.first?.hasSuffix("PAUSED ") == true)
        #expect(lines.contains { $0.hasPrefix("n step") })
        try tmux.quitCleanly()
    }

    @Test func unknownTermFailsCleanly() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24, term: "no-such-terminal-type")
        defer { tmux.kill() }
        try tmux.waitFor("KMEANS-EXIT rc=1")
        #expect(try tmux.screen().contains("cannot open the workbench"))
        try tmux.expectSaneTerminal()
    }

    @Test func dumbTerminalIsRefused() throws {
        let tmux = try WorkbenchTmux(width: 80, height: 24, term: "dumb")
        defer { tmux.kill() }
        try tmux.waitFor("KMEANS-EXIT rc=1")
        #expect(try tmux.screen().contains("cannot move the cursor"))
        try tmux.expectSaneTerminal()
    }

    @Test func settingsAndPlacementByKeys() throws {
        let tmux = try WorkbenchTmux(width: 100, height: 30, arguments: ["workbench", "--sample", "blobs", "--k", "2", "--initialization", "manual"])
        defer { tmux.kill() }
        try tmux.waitFor("PLACING CENTRES", "Place centre A of 2")
        tmux.send("Enter")
        try tmux.waitFor("Place centre B of 2")
        tmux.send("Left", "Left", "Left", "Up", "Enter")
        try tmux.waitFor("2 centres placed")
        tmux.send("n")
        try tmux.waitFor("step 1  next: assign")
        tmux.send("s")
        try tmux.waitFor("Settings (apply restarts)")
        tmux.send("Down", "Right", "Down", "Right", "Right", "Enter")
        try tmux.waitFor("k 3  k-means++", "step 0  next: assign")
        try tmux.quitCleanly()
    }
}

/// A detached tmux server on its own socket running the `kmeans` binary, then a shell line that reports the exit
/// code and the terminal modes.
struct WorkbenchTmux {
    static var available: Bool { findExecutable("tmux") != nil && kmeansBinary() != nil }

    /// Whether the environment variable `CI` is set (to anything but empty, `0` or `false`).
    static var requiredByCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(value)
    }

    let socket: String
    let tmuxPath: String

    /// Starts `kmeans arguments` in a `width × height` window; `environment` adds `NAME=value` settings (the test
    /// runner's own `NO_COLOR` is removed, so colour detection is exercised unless a test sets it).
    init(width: Int, height: Int, term: String = "xterm-256color", arguments: [String] = [], environment: [String] = [],
         workingDirectory: String? = nil) throws {
        guard let tmuxPath = WorkbenchTmux.findExecutable("tmux") else { throw TmuxFailure("tmux not found") }
        guard let binary = WorkbenchTmux.kmeansBinary() else { throw TmuxFailure("kmeans binary not built") }
        self.tmuxPath = tmuxPath
        socket = "kmeans-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let extra = environment.map { "'\($0)'" }.joined(separator: " ")
        let cd = workingDirectory.map { "cd '\($0)' && " } ?? ""
        let script = "\(cd)env -u NO_COLOR -u COLORTERM TERM=\(term) LANG=C.UTF-8 LC_ALL=C.UTF-8 \(extra) \(quoted); echo \"KMEANS-EXIT rc=$?\"; stty -a | tr '\\n' ' '; echo; echo STTY-DONE; exec sleep 120"
        // The server forks from this client and would inherit a capture pipe, so start it with no pipes at all.
        try WorkbenchTmux.launch([tmuxPath, "-L", socket, "new-session", "-d", "-x", String(width), "-y", String(height), "sh", "-c", script])
    }

    /// The captured screen text.
    func screen() throws -> String { try run(["capture-pane", "-p", "-J"]) }

    /// The captured screen with its SGR colour sequences.
    func screenWithColours() throws -> String { try run(["capture-pane", "-p", "-e"]) }

    /// The SGR parameters in `text` that set a colour (30–38, 40–48, 90–97, 100–107; not the 39/49 resets).
    static func colourCodes(in text: String) -> [Int] {
        var codes: [Int] = []
        var rest = Substring(text)
        while let start = rest.range(of: "\u{1B}[") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "m") else { break }
            for part in rest[..<end].split(separator: ";") {
                if let code = Int(part), (30...38).contains(code) || (40...48).contains(code) || (90...97).contains(code) || (100...107).contains(code) {
                    codes.append(code)
                }
            }
            rest = rest[end...]
        }
        return codes
    }

    /// Presses keys (tmux key names: `Space`, `Escape`, `Left`, `C-c`, or literal characters).
    func send(_ keys: String...) {
        for key in keys { _ = try? run(["send-keys", key]) }
    }

    /// A left click at screen cell (`x`, `y`), 0-based: the SGR mouse press and release a terminal would send
    /// while the application has mouse reporting on.
    func click(x: Int, y: Int) {
        _ = try? run(["send-keys", "-l", "\u{1B}[<0;\(x + 1);\(y + 1)M\u{1B}[<0;\(x + 1);\(y + 1)m"])
    }

    func resize(width: Int, height: Int) {
        _ = try? run(["resize-window", "-x", String(width), "-y", String(height)])
    }

    /// Polls the screen until it contains every one of `needles` (10 s timeout).
    func waitFor(_ needles: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        try waitUntil(needles.joined(separator: " & "), sourceLocation: sourceLocation) { screen in needles.allSatisfy { screen.contains($0) } }
    }

    func waitUntil(_ what: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try? screen()) ?? ""
            if condition(last) { return }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)", sourceLocation: sourceLocation)
        throw TmuxFailure("timeout waiting for \(what)")
    }

    /// The step number shown in the side panel.
    func currentStep() throws -> Int {
        let text = try screen()
        guard let range = text.range(of: #"step (\d+)  next"#, options: .regularExpression) else { return -1 }
        let digits = text[range].dropFirst(5).prefix { $0.isNumber }
        return Int(digits) ?? -1
    }

    /// Quits with `q`: the binary exits with status 0 and leaves the terminal sane.
    func quitCleanly(sourceLocation: SourceLocation = #_sourceLocation) throws {
        send("q")
        try waitFor("KMEANS-EXIT rc=0", sourceLocation: sourceLocation)
        try expectSaneTerminal(sourceLocation: sourceLocation)
    }

    /// After the binary exited: the shell's `stty -a` shows canonical mode and echo back on.
    func expectSaneTerminal(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try waitFor("STTY-DONE", sourceLocation: sourceLocation)
        let text = try screen()
        let words = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(words.contains("icanon"), "terminal left in raw mode", sourceLocation: sourceLocation)
        #expect(words.contains("echo"), "echo left off", sourceLocation: sourceLocation)
        #expect(!words.contains("-icanon") && !words.contains("-echo"), sourceLocation: sourceLocation)
        #expect(!text.contains("\u{1B}"), sourceLocation: sourceLocation)
    }

    /// The pid of the running `kmeans` process (the child of the pane's shell).
    func workbenchPID() throws -> pid_t {
        let shell = try run(["list-panes", "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try WorkbenchTmux.capture(["/usr/bin/env", "pgrep", "-P", shell])
        guard let first = children.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)) else {
            throw TmuxFailure("no child of pane shell \(shell)")
        }
        return pid
    }

    func kill() { try? WorkbenchTmux.launch([tmuxPath, "-L", socket, "kill-server"]) }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        try WorkbenchTmux.capture([tmuxPath, "-L", socket] + arguments)
    }

    /// Runs `command` with standard streams on /dev/null and waits (at most 10 s) for it to exit.
    static func launch(_ command: [String]) throws {
        _ = try spawn(command, output: "/dev/null")
    }

    /// Runs a short tmux client command and returns its standard output.
    static func capture(_ command: [String]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out")
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try spawn(command, output: file.path)
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// posix_spawn + waitpid (Foundation's Process does not always notice tmux's client exiting, because the client
    /// forks the server), with stdout redirected to `output` and stdin/stderr on /dev/null; returns the exit status.
    static func spawn(_ command: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard status == 0 else { throw TmuxFailure("cannot run \(command[0]): error \(status)") }
        let deadline = Date().addingTimeInterval(10)
        var waitStatus: Int32 = 0
        while Date() < deadline {
            let result = waitpid(pid, &waitStatus, WNOHANG)
            if result == pid { return (waitStatus >> 8) & 0xFF }
            if result < 0 { throw TmuxFailure("waitpid failed for \(command[0])") }
            usleep(10_000)
        }
        Foundation.kill(pid, SIGKILL)
        _ = waitpid(pid, &waitStatus, 0)
        throw TmuxFailure("\(command.joined(separator: " ")) did not finish within 10 s")
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The built `kmeans` next to the test bundle, or in the package's `.build/debug`.
    static func kmeansBinary() -> String? {
        var candidates: [URL] = []
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(testBinary.deletingLastPathComponent().appendingPathComponent("kmeans"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("kmeans"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kmeans"))
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/kmeans"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
    }
}

struct TmuxFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
