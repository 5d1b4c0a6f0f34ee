import Dispatch
import Foundation
import Synchronization
import WorkbenchCore

/// Watches SIGINT, SIGTERM and SIGHUP without a C signal handler: the signals are ignored at the process level and
/// delivered to a dispatch source, which only sets a flag the UI loop polls.
enum SignalWatch {
    /// The last signal received, or 0.
    static let received = Atomic<Int32>(0)
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    /// Installs the watchers (idempotent).
    static func install() {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { SignalWatch.received.store(number, ordering: .sequentiallyConsistent) }
                source.resume()
                sources.append(source)
            }
        }
    }
}

/// A result handed from the compute thread to the UI loop.
private final class JobMailbox: Sendable {
    private let slot = Mutex<Result<Frame, any Error>?>(nil)
    func put(_ result: Result<Frame, any Error>) { slot.withLock { $0 = result } }
    func take() -> Result<Frame, any Error>? { slot.withLock { value in defer { value = nil }; return value } }
}

/// The interactive loop: keys in, session updated, frames computed off the UI thread, changed cells drawn.
public enum WorkbenchLoop {
    /// Frames per second auto-play and redraws are capped at.
    public static let maximumFramesPerSecond = 15.0

    /// How the loop ended.
    public enum Ending: Sendable, Equatable {
        /// The user quit (q, Ctrl-C).
        case quit
        /// SIGINT, SIGTERM or SIGHUP arrived (SIGHUP also when the terminal hung up without sending it).
        case signal(Int32)
    }

    /// Runs until the user quits or a signal arrives; returns how it ended, and hands the final session to
    /// `finished` (to save the run). The caller closes the terminal.
    /// `followCheckpoints`, asked about four times a second, returns what changed in the model_dir (checkpoints, event scalars).
    public static func run(session initial: Session, terminal: TerminalScreen,
                           followCheckpoints: (() -> ModelDirUpdate?)? = nil,
                           exportRun: ((Session) -> String)? = nil,
                           finished: (Session) -> Void = { _ in }) -> Ending {
        run(screen: WorkbenchScreen(session: initial), terminal: terminal, followCheckpoints: followCheckpoints, exportRun: exportRun, finished: finished)
    }

    /// Runs `initial` (the single run, a comparison or a lesson) as `run(session:…)` does; `finished` gets its single run.
    public static func run(screen initial: WorkbenchScreen, terminal: TerminalScreen,
                           followCheckpoints: (() -> ModelDirUpdate?)? = nil,
                           exportRun: ((Session) -> String)? = nil,
                           finished: (Session) -> Void = { _ in }) -> Ending {
        var session = initial
        defer { finished(session.session) }
        var lastFollow = DispatchTime(uptimeNanoseconds: 0)
        let renderer = Renderer(tier: terminal.tier)
        session.resize(width: terminal.width, height: terminal.height)
        var inFlight: FrameJob?
        var mailbox = JobMailbox()
        let computeQueue = DispatchQueue(label: "kmeans.workbench.compute", qos: .userInitiated)
        var dirty = true
        var lastDraw = DispatchTime(uptimeNanoseconds: 0)
        var nextTick = DispatchTime.now()
        let frameInterval = UInt64(1e9 / maximumFramesPerSecond)
        var link = LinkIndicator()
        var drawnNote: String?
        var keyPending = false
        let started = DispatchTime.now().uptimeNanoseconds
        func seconds(_ time: DispatchTime) -> Double { Double(time.uptimeNanoseconds - started) / 1e9 }

        while true {
            let signalNumber = SignalWatch.received.load(ordering: .sequentiallyConsistent)
            if signalNumber != 0 { return .signal(signalNumber) }
            if session.quitRequested { return .quit }
            if let followCheckpoints, DispatchTime.now().uptimeNanoseconds >= lastFollow.uptimeNanoseconds + 250_000_000 {
                lastFollow = DispatchTime.now()
                if let update = followCheckpoints() {
                    session.follow(update)
                    dirty = true
                }
            }

            if session.exportRequested {
                session.exportWritten(session.runsToExport.map { exportRun?($0) ?? "writing the run out is not available here" })
                dirty = true
            }
            if session.screenshotRequested {
                session.screenshotWritten(writeScreenshot(renderer.render(session)))
                dirty = true
            }
            // Collect a finished computation; start the next one.
            if let job = inFlight, let result = mailbox.take() {
                session.accept(result, for: job)
                inFlight = nil
                dirty = true
            } else if let job = inFlight, job.cancellation.isCancelled {
                // Abandoned (Esc, restart, history move): it stops at its next check and its result is not
                // wanted, so the next job is queued now (the serial queue runs it once the old one has returned).
                inFlight = nil
                mailbox = JobMailbox()
            }
            if inFlight == nil, let job = session.nextJob() {
                inFlight = job
                let box = mailbox
                computeQueue.async { box.put(job.run()) }
            }
            // A k sweep runs on its own thread: show its new rows and progress.
            if session.collectSweep() { dirty = true }
            // Auto-play.
            let now = DispatchTime.now()
            if session.isRunning, inFlight == nil, now >= nextTick {
                session.tick()
                link.frameComputed()
                let interval = max(1 / session.speed, 1 / maximumFramesPerSecond)
                nextTick = DispatchTime(uptimeNanoseconds: now.uptimeNanoseconds + UInt64(interval * 1e9))
                dirty = true
            }
            // Draw at most maximumFramesPerSecond times a second, only when something changed, and only once the
            // line has carried the previous frame: on a slow line superseded frames are skipped, never queued.
            let note = link.note(at: seconds(now))
            if note != drawnNote { dirty = true }
            if dirty, now.uptimeNanoseconds >= lastDraw.uptimeNanoseconds + frameInterval {
                // A key's frame may queue behind a little of the previous frame (the pacer's rate is a lower bound);
                // auto-play frames wait for the line.
                if terminal.isLineBusy(slackSeconds: keyPending ? 0.25 : 0.03) {
                    link.frameSkipped(at: seconds(now))
                } else {
                    let grid = renderer.render(session)
                    terminal.draw(note.map { LinkIndicator.overlay($0, on: grid) } ?? grid)
                    link.frameDrawn()
                    drawnNote = note
                    keyPending = false
                    lastDraw = now
                    dirty = false
                }
            }
            // Wait for input; short timeouts while work or auto-play is pending.
            let wait = (inFlight != nil || session.isRunning || dirty || drawnNote != nil || session.sweepInProgress) ? 15 : 100
            guard let key = terminal.readKey(timeoutMilliseconds: wait) else {
                // A vanished terminal without SIGHUP (its shell ignored it) ends the loop as the signal would.
                if terminal.isHungUp { return .signal(SIGHUP) }
                continue
            }
            if key == .resize { session.resize(width: terminal.width, height: terminal.height) }
            // A computation still running when the user restarts or goes back is abandoned: `accept` ignores
            // results for a run or frame that is no longer the latest, so keys never wait for it.
            session.handle(key)
            dirty = true
            keyPending = true
        }
    }

    /// Writes `grid` as text, ANSI and SVG to the first free `kmeans-screen-N` in the current directory.
    static func writeScreenshot(_ grid: CellGrid) -> String {
        let manager = FileManager.default
        var index = 1
        while manager.fileExists(atPath: "kmeans-screen-\(index).txt") && index < 10_000 { index += 1 }
        let base = "kmeans-screen-\(index)"
        do {
            try Data(SnapshotFormat.text.render(grid).utf8).write(to: URL(fileURLWithPath: base + ".txt"))
            try Data(SnapshotFormat.ansi.render(grid).utf8).write(to: URL(fileURLWithPath: base + ".ans"))
            try Data(ScreenSVG().render(grid).utf8).write(to: URL(fileURLWithPath: base + ".svg"))
            return "screen saved to \(base).txt, .ans and .svg"
        } catch {
            return "cannot save the screen: \(error.localizedDescription) (run from a writable directory)"
        }
    }
}
