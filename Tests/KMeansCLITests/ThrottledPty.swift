import CNcursesw
import Foundation
import Synchronization

/// The real `kmeans` binary on a pseudo-terminal whose far end this harness reads at a fixed rate (a slow SSH link:
/// 7 KB/s is 56 kbit/s), feeding what it reads into a `VirtualTerminal`. Every byte read is logged with its time,
/// so tests measure bytes per second, and the screen is polled for a key's effect.
final class ThrottledPty: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private struct Shared {
        var screen: VirtualTerminal
        var bytesRead = 0
        var raw: [UInt8] = []
        /// (seconds since start, total bytes read by then), one entry per read.
        var log: [(time: Double, total: Int)] = []
        var exited = false
    }

    let bytesPerSecond: Int?
    private let master: Int32
    private let pid: pid_t
    private let started = Date()
    private let shared: Mutex<Shared>
    private let stopReading = Atomic<Bool>(false)
    private let readerDone = DispatchSemaphore(value: 0)

    /// Starts `kmeans ARGUMENTS` on a `width` × `height` pty read at `bytesPerSecond` (nil: as fast as it comes).
    init(width: Int, height: Int, bytesPerSecond: Int?, arguments: [String], environment extra: [String] = []) throws {
        guard let binary = KMeansBinary.url?.path else { throw Failure(description: "the kmeans binary was not built") }
        self.bytesPerSecond = bytesPerSecond
        var name = [CChar](repeating: 0, count: 256)
        master = kmeans_open_pty_master(&name, name.count)
        guard master >= 0 else { throw Failure(description: "cannot open a pseudo-terminal") }
        let slave = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        shared = Mutex(Shared(screen: VirtualTerminal(width: width, height: height)))
        // The shell sets the pty's size (stty on its own terminal), then becomes kmeans.
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script = "stty rows \(height) cols \(width) && exec \(quoted)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in [Int32(0), 1, 2] { posix_spawn_file_actions_addopen(&actions, descriptor, slave, O_RDWR, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let command = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let environment = ["TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"] + extra
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        guard posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp) == 0 else {
            throw Failure(description: "cannot start \(binary)")
        }
        pid = child
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    /// Seconds since the start.
    var elapsed: Double { Date().timeIntervalSince(started) }

    /// The screen as the far end has drawn it so far.
    var screen: VirtualTerminal { shared.withLock { $0.screen } }

    /// Bytes read from the pty so far.
    var bytesRead: Int { shared.withLock { $0.bytesRead } }

    /// Every byte read so far.
    var raw: [UInt8] { shared.withLock { $0.raw } }

    /// The pty's terminal modes as the far end sees them (the master reports the slave's termios).
    var modes: termios {
        var modes = termios()
        tcgetattr(master, &modes)
        return modes
    }

    /// Bytes read between `from` and `to` seconds.
    func bytes(from: Double, to: Double) -> Int {
        shared.withLock { shared in
            let before = shared.log.last { $0.time <= from }?.total ?? 0
            let until = shared.log.last { $0.time <= to }?.total ?? 0
            return until - before
        }
    }

    /// When each byte was read: (seconds since start, total bytes read by then), one entry per read.
    var readLog: [(time: Double, total: Int)] { shared.withLock { $0.log } }

    /// Types `text` (as a terminal sends keys).
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Waits until the screen satisfies `condition`; returns the seconds it took, or throws after `timeout`.
    @discardableResult
    func waitUntil(_ what: String, timeout: Double = 10, _ condition: (VirtualTerminal) -> Bool) throws -> Double {
        let start = elapsed
        while elapsed - start < timeout {
            if condition(screen) { return elapsed - start }
            usleep(5_000)
        }
        throw Failure(description: "timed out after \(timeout) s waiting for \(what); screen:\n\(screen.text)")
    }

    /// Waits for the process to exit; its exit status, or nil after `timeout` seconds.
    func waitForExit(timeout: Double) -> Int32? {
        let start = elapsed
        var status: Int32 = 0
        while elapsed - start < timeout {
            if waitpid(pid, &status, WNOHANG) == pid {
                shared.withLock { $0.exited = true }
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            usleep(5_000)
        }
        return nil
    }

    /// Kills the process if it still runs and stops reading.
    func stop() {
        if !shared.withLock({ $0.exited }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        stopReading.store(true, ordering: .sequentiallyConsistent)
        _ = readerDone.wait(timeout: .now() + 2)
        close(master)
    }

    /// Reads in 20 ms slices, each at most the rate's share (carried over while the line is idle for one slice).
    private func readLoop() {
        let slice = 0.02
        var budget = 0.0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var next = elapsed
        while !stopReading.load(ordering: .sequentiallyConsistent) {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 20)
            if ready < 0, errno != EINTR { break }
            if let rate = bytesPerSecond {
                let now = elapsed
                if now < next { usleep(UInt32((next - now) * 1e6)); continue }
                budget = min(budget + Double(rate) * slice, Double(rate) * slice * 2)
                next += slice
                if next < elapsed - slice { next = elapsed }
            }
            guard ready > 0, descriptor.revents & Int16(POLLIN) != 0 else {
                if descriptor.revents & Int16(POLLHUP | POLLERR) != 0 { usleep(20_000) }
                continue
            }
            let want = bytesPerSecond == nil ? buffer.count : min(buffer.count, Int(budget))
            guard want > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, want) }
            guard count > 0 else { if count < 0, errno != EINTR, errno != EAGAIN { usleep(20_000) }; continue }
            budget -= Double(count)
            let time = elapsed
            let answers = shared.withLock { shared in
                shared.screen.feed(buffer[0..<count])
                shared.bytesRead += count
                shared.raw += buffer[0..<count]
                shared.log.append((time, shared.bytesRead))
                return shared.screen.takeAnswers()
            }
            // The far end answers the workbench's Device Attributes probes when it has read them, as a terminal does.
            if !answers.isEmpty { _ = answers.withUnsafeBytes { write(master, $0.baseAddress, $0.count) } }
        }
        readerDone.signal()
    }
}
