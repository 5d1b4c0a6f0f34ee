import CNcursesw
import Dispatch
import Foundation
import Synchronization

/// Stands between the terminal's input and ncurses: ncurses reads standard input, which becomes a pipe, and a relay
/// thread copies the terminal's input into it, taking out the answers to arrival probes (`ProbeAnswerFilter`) and
/// reporting each to `answered`. On a hang-up the pipe is closed, so ncurses reads end-of-file as it would from the
/// terminal. `stop` gives standard input back to the terminal.
final class InputRelay: Sendable {
    /// How long a lone `ESC` or `ESC [` waits for the rest of a possible answer before it goes on as a key.
    static let keyHoldMilliseconds: Int32 = 10
    /// How long a begun answer (`ESC [ ?`) waits for its end.
    static let answerHoldMilliseconds: Int32 = 200
    /// How long the end of the workbench waits for the answers to probes already sent.
    static let lastAnswerSeconds = 1.0

    private let terminalInput: Int32
    private let pipeInput: Int32
    private let wake: (read: Int32, write: Int32)
    private let done = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Whether the terminal's input is still being relayed (it has not hung up).
    var isRelaying: Bool { !finished.load(ordering: .sequentiallyConsistent) }

    /// Moves the terminal on standard input behind a relay; nil (standard input left alone) when no pipe can be made.
    init?(answered: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [0, 0]
        var wakeEnds: [Int32] = [0, 0]
        let terminalInput = dup(STDIN_FILENO)
        guard terminalInput >= 0 else { return nil }
        guard pipe(&ends) == 0 else { close(terminalInput); return nil }
        guard pipe(&wakeEnds) == 0 else {
            close(terminalInput); close(ends[0]); close(ends[1])
            return nil
        }
        guard dup2(ends[0], STDIN_FILENO) >= 0 else {
            for descriptor in [terminalInput, ends[0], ends[1], wakeEnds[0], wakeEnds[1]] { close(descriptor) }
            return nil
        }
        close(ends[0])
        self.terminalInput = terminalInput
        pipeInput = ends[1]
        wake = (wakeEnds[0], wakeEnds[1])
        let thread = Thread { [self] in relayLoop(answered: answered) }
        thread.name = "kmeans.workbench.input"
        thread.start()
    }

    /// Stops relaying (what the terminal sends from now on is the shell's) and puts the terminal back on standard
    /// input.
    func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        _ = done.wait(timeout: .now() + 0.5)
        dup2(terminalInput, STDIN_FILENO)
        for descriptor in [terminalInput, wake.read, wake.write] { close(descriptor) }
    }

    private func relayLoop(answered: @Sendable () -> Void) {
        var filter = ProbeAnswerFilter()
        var buffer = [UInt8](repeating: 0, count: 4096)
        loop: while true {
            var descriptors = [pollfd(fd: terminalInput, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let wait = filter.held.isEmpty ? -1 : filter.holdsAnswer ? Self.answerHoldMilliseconds : Self.keyHoldMilliseconds
            let ready = poll(&descriptors, 2, wait)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if descriptors[1].revents != 0 { break }
            if ready == 0 {
                forward(filter.release())
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(terminalInput, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            // End of file or an error (EIO after a hang-up): ncurses reads end-of-file from the pipe.
            if count <= 0 { break loop }
            let (passed, answers) = filter.filter(buffer[0..<count])
            for _ in 0..<answers { answered() }
            forward(passed)
        }
        if !stopped.load(ordering: .sequentiallyConsistent) { forward(filter.release()) }
        close(pipeInput)
        finished.store(true, ordering: .sequentiallyConsistent)
        done.signal()
    }

    private func forward(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(pipeInput, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
