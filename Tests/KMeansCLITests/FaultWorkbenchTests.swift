import Foundation
import Testing

/// Signals and hostile labels against the workbench running in a real terminal (a detached tmux server): after
/// SIGTERM in awkward moments the shell gets its terminal back with `echo` and `icanon` on, and column names
/// carrying escape sequences never reach the terminal.
@Suite("Faults: the workbench in tmux", .serialized, .enabled(if: FaultTmux.available, "tmux or the kmeans binary is missing"))
struct FaultWorkbenchTests {
    @Test("SIGTERM in a resize storm, in the help overlay, at a too-small size and twice in a row restores the terminal",
          arguments: ["resize-storm", "help", "too-small", "double", "sigint"])
    func sigtermRestoresTheTerminal(moment: String) throws {
        let tmux = try FaultTmux(width: 90, height: 28, arguments: ["workbench", "--sample", "blobs", "--k", "3", "--seed", "5"])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        switch moment {
        case "resize-storm":
            tmux.send("Space")
            for i in 0..<20 { tmux.resize(width: 40 + (i * 7) % 80, height: 10 + (i * 5) % 30) }
        case "help":
            tmux.send("?")
            try tmux.waitFor("Help")
        case "too-small":
            tmux.resize(width: 30, height: 8)
            try tmux.waitFor("too small")
        default:
            tmux.send("Space")
        }
        let pid = try tmux.workbenchPID()
        let signal = moment == "sigint" ? SIGINT : SIGTERM
        kill(pid, signal)
        if moment == "double" { kill(pid, SIGTERM) }
        try tmux.waitFor("KMEANS-EXIT rc=")
        let screen = try tmux.screen()
        let code = screen.components(separatedBy: "KMEANS-EXIT rc=").last?.prefix { $0.isNumber } ?? ""
        #expect(["0", "\(128 + signal)", "\(128 + SIGTERM)"].contains(String(code)), "exit code \(code) after \(moment)")
        #expect(!screen.contains("Fatal error") && !screen.contains("crashed"), "\(screen)")
        try tmux.expectSaneTerminal()
    }

    @Test("the terminal going away (tmux server killed, as an SSH connection dropping) ends the workbench, also when its shell ignored SIGHUP (nohup) so no signal arrives",
          arguments: [false, true])
    func hangupEndsTheWorkbench(shellIgnoresHangup: Bool) throws {
        let tmux = try FaultTmux(width: 90, height: 28, arguments: ["workbench", "--sample", "blobs", "--k", "3"],
                                 shellPrefix: shellIgnoresHangup ? "trap '' HUP; " : "")
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("Space")
        let pid = try tmux.workbenchPID()
        tmux.kill()
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
        let alive = kill(pid, 0) == 0
        #expect(!alive, "the workbench (pid \(pid)) outlived its terminal (shell ignores SIGHUP: \(shellIgnoresHangup))")
        if alive { kill(pid, SIGKILL) }
    }

    @Test("column names with terminal escape sequences are drawn as text: no title change, no cleared screen")
    func escapeSequencesInLabelsAreNeutralised() throws {
        let scratch = try Scratch()
        let esc = "\u{1B}"
        let header = "\"\(esc)]2;PWNED-TITLE\u{07}x\",\"\(esc)[2J\(esc)[31my\(esc)]0;PWNED2\u{07}\""
        let rows = (0..<60).map { "\(Double($0 % 7)),\(Double($0 % 5))" }
        let data = try scratch.write("hostile-labels.csv", ([header] + rows).joined(separator: "\n") + "\n")
        let tmux = try FaultTmux(width: 100, height: 30, arguments: ["workbench", "--data", data, "--k", "2"])
        defer { tmux.kill() }
        try tmux.waitFor("PAUSED")
        tmux.send("n")
        usleep(300_000)
        let title = try tmux.run(["display-message", "-p", "#{pane_title}"])
        #expect(!title.contains("PWNED"), "a column name set the terminal title: \(title)")
        let screen = try tmux.screen()
        #expect(screen.contains("PAUSED"), "the screen was cleared or garbled:\n\(screen)")
        tmux.send("q")
        try tmux.waitFor("KMEANS-EXIT rc=0")
        try tmux.expectSaneTerminal()
    }
}

/// A detached tmux server on its own socket running `kmeans`, followed by a shell line that reports the exit code
/// and the terminal modes.
struct FaultTmux {
    static var tmuxPath: String? {
        ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool { tmuxPath != nil && KMeansBinary.url != nil }

    let socket: String
    let tmux: String

    /// `shellPrefix` runs in the pane's shell before `kmeans` (e.g. `trap '' HUP; `).
    init(width: Int, height: Int, arguments: [String], shellPrefix: String = "") throws {
        tmux = try #require(Self.tmuxPath)
        let binary = try #require(KMeansBinary.url).path
        socket = "kmeans-fault-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script = shellPrefix + "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \(quoted); echo \"KMEANS-EXIT rc=$?\"; "
            + "echo STTY: $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon|isig)$' | tr '\\n' ' ') END; exec sleep 120"
        _ = try run(["new-session", "-d", "-x", String(width), "-y", String(height), "sh", "-c", script])
    }

    /// Runs a short tmux client command and returns its standard output. posix_spawn + waitpid rather than
    /// Foundation's Process, which can miss the client's exit because the client forks the server.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let command = [tmux, "-L", socket, "-f", "/dev/null"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // Default signal dispositions, as a login shell has them (the test runner may ignore SIGHUP, which the
        // tmux server and the pane's shell would otherwise inherit).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGQUIT] { sigaddset(&defaults, number) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawn(&pid, tmux, &actions, &attributes, argv, environ) == 0 else { throw CancellationError() }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    func screen() throws -> String { try run(["capture-pane", "-p", "-J"]) }

    func send(_ keys: String...) {
        for key in keys { _ = try? run(["send-keys", key]) }
    }

    func resize(width: Int, height: Int) {
        _ = try? run(["resize-window", "-x", String(width), "-y", String(height)])
    }

    /// Polls until the screen holds `needle` (15 s).
    func waitFor(_ needle: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = Date().addingTimeInterval(15)
        var last = ""
        while Date() < deadline {
            last = (try? screen()) ?? ""
            if last.contains(needle) { return }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(needle); screen:\n\(last)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// The pid of the `kmeans` process in the pane (the pane's shell's child).
    func workbenchPID() throws -> Int32 {
        let shell = try #require(Int32(try run(["display-message", "-p", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
            if let child = children.split(separator: " ").first.flatMap({ Int32($0) }) { return child }
            usleep(20_000)
        }
        throw CancellationError()
    }

    /// After the workbench exits, the shell's `stty` shows echo, canonical mode and signals back on.
    func expectSaneTerminal(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try waitFor(" END", sourceLocation: sourceLocation)
        let line = try screen().split(separator: "\n").first { $0.contains("STTY:") }.map(String.init) ?? ""
        let modes = Set(line.split(separator: " ").map(String.init))
        #expect(modes.contains("echo") && modes.contains("icanon") && modes.contains("isig"),
                "terminal not restored: \(line)", sourceLocation: sourceLocation)
    }

    func kill() {
        _ = try? run(["kill-server"])
        unlink("/tmp/tmux-\(getuid())/\(socket)")
    }
}
