import CNcursesw
import Dispatch
import Foundation
import Synchronization

/// Stands between ncurses and the terminal: ncurses writes into a pipe, and a relay thread copies each chunk to the
/// terminal, timing the write (for the `LinePacer`), counting bytes, and teeing what the terminal received into an
/// asciicast recording (all but the probes: a replay must not query the viewer's terminal); the probes at the ends of frames (`ArrivalProbe`) are found on the way, and the
/// input relay reports their answers here. ncurses sets up the terminal modes on the real terminal first; only then
/// is its output descriptor swapped for the pipe, and swapped back before `endwin`.
final class OutputRelay: Sendable {
    private struct State {
        var pacer = LinePacer()
        var probes = ProbeScanner()
        var recordsProbes = false
        var writing = false
        var discarding = false
        var finished = false
        var recorder: AsciicastWriter?
        var recordingError: String?
    }

    private let terminalDescriptor: Int32
    private let cursesDescriptor: Int32
    private let readDescriptor: Int32
    private let start = DispatchTime.now()
    private let state: Mutex<State>
    private let done = DispatchSemaphore(value: 0)

    /// Bytes written to the terminal so far.
    var bytesWritten: Int { state.withLock { $0.pacer.bytesWritten } }
    /// The line's measured rate, once it has been slow.
    var bytesPerSecond: Double? { state.withLock { $0.pacer.bytesPerSecond } }
    /// Whether frames should end with an arrival probe (until the terminal is known not to answer).
    var isProbing: Bool { state.withLock { $0.pacer.isProbing } }

    /// The terminal answered the oldest probe.
    func probeAnswered() {
        let now = seconds()
        state.withLock { $0.pacer.probeAnswered(at: now) }
    }

    /// Redirects `cursesDescriptor` (ncurses' output) into a pipe drained to `terminalDescriptor`. Nil when no pipe
    /// can be made (ncurses then keeps writing to the terminal itself).
    /// `recordsProbes`: keep the probes in the recording (to find the frames in it, as the slow-link tests do).
    init?(terminalDescriptor: Int32, cursesDescriptor: Int32, recorder: sending AsciicastWriter?, recordsProbes: Bool = false) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        guard dup2(ends[1], cursesDescriptor) >= 0 else {
            close(ends[0]); close(ends[1])
            return nil
        }
        close(ends[1])
        self.terminalDescriptor = terminalDescriptor
        self.cursesDescriptor = cursesDescriptor
        readDescriptor = ends[0]
        state = Mutex(State(recordsProbes: recordsProbes, recorder: recorder))
        let thread = Thread { [self] in relayLoop() }
        thread.name = "kmeans.workbench.output"
        thread.start()
    }

    /// Whether the last frame is still on its way: unread in the pipe, being written, queued in the terminal's
    /// driver (TIOCOUTQ, where it reports one) or, by the pacer's model, more than `slackSeconds` of the line's time
    /// in the pty and the network.
    func isBusy(slackSeconds: Double) -> Bool {
        if kmeans_readable_bytes(readDescriptor) > 0 { return true }
        if kmeans_output_queue(terminalDescriptor) > 0 { return true }
        let now = seconds()
        return state.withLock { $0.writing || $0.pacer.isBusy(at: now, slackSeconds: slackSeconds) }
    }

    /// Why the recording stopped, if it failed.
    var recordingError: String? { state.withLock { $0.recordingError } }

    /// Stops relaying: waits up to `drainSeconds` for what ncurses has written to reach the terminal, drops the rest
    /// (sending CAN so a cut escape sequence ends), waits up to `answerSeconds` for the answers to probes already
    /// sent (an answer arriving once the terminal is cooked again would be echoed and typed into the shell; the
    /// frame ahead of it cannot be taken back from a pty, so the end of curses mode would arrive no sooner), hands
    /// ncurses its terminal descriptor back and closes the recording.
    func stop(drainSeconds: Double, answerSeconds: Double) {
        let deadline = seconds() + drainSeconds
        while seconds() < deadline, kmeans_readable_bytes(readDescriptor) > 0 || state.withLock({ $0.writing }) { usleep(2_000) }
        let dropped = kmeans_readable_bytes(readDescriptor) > 0
        state.withLock { $0.discarding = true }
        if dropped {
            tcflush(terminalDescriptor, TCOFLUSH)
            var cancel: UInt8 = 0x18
            _ = write(terminalDescriptor, &cancel, 1)
        }
        let answersDeadline = seconds() + answerSeconds
        while seconds() < answersDeadline, state.withLock({ $0.pacer.awaitsAnswer }) { usleep(2_000) }
        // The pipe's only write end goes away: the relay reads the rest, then end-of-file.
        dup2(terminalDescriptor, cursesDescriptor)
        _ = done.wait(timeout: .now() + 0.5)
        let end = seconds()
        let recorder = state.withLock { state -> AsciicastWriter? in
            defer { state.recorder = nil }
            let rest = state.probes.flush()
            if !rest.isEmpty { try? state.recorder?.append(rest, at: end) }
            return state.recorder
        }
        try? recorder?.finish()
    }

    private func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    private func relayLoop() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            let discard = state.withLock { state -> Bool in
                if !state.discarding { state.writing = true }
                return state.discarding
            }
            if discard { continue }
            var offset = 0
            var failed = false
            while offset < count {
                let begun = seconds()
                let written = buffer.withUnsafeBytes { write(terminalDescriptor, $0.baseAddress! + offset, count - offset) }
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    failed = true
                    break
                }
                let ended = seconds()
                let chunk = Array(buffer[offset..<(offset + written)])
                offset += written
                state.withLock { state in
                    let scanned = state.probes.scan(chunk)
                    state.pacer.wrote(written, duration: ended - begun, at: ended, probeEnds: scanned.ends)
                    if let recorder = state.recorder {
                        let recorded = state.recordsProbes ? chunk : scanned.withoutProbes
                        do { try recorder.append(recorded, at: ended) } catch {
                            state.recordingError = "\(error)"
                            state.recorder = nil
                        }
                    }
                }
            }
            state.withLock { state in
                state.writing = false
                // A terminal that is gone: keep draining the pipe so ncurses never blocks, write nothing more.
                if failed { state.discarding = true }
            }
        }
        close(readDescriptor)
        state.withLock { $0.finished = true }
        done.signal()
    }
}

