import Dispatch
import Foundation

/// Set from a signal handler, read by the training loop's hook: a stop request that lets the current step finish
/// and the checkpoint be saved.
final class StopRequest: @unchecked Sendable {
    // @unchecked: the only state is guarded by `lock`.
    private let lock = NSLock()
    private var receivedSignal: Int32?

    /// The signal that asked to stop, if any.
    var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return receivedSignal
    }

    /// Records `signal`; returns true when a stop had already been requested.
    func request(_ signal: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let already = receivedSignal != nil
        if !already { receivedSignal = signal }
        return already
    }
}

/// SIGINT and SIGTERM handlers (dispatch sources, so nothing unsafe runs in signal context): the first signal
/// asks training to stop after saving a checkpoint; a second one exits at once (checkpoint saves are atomic, so
/// the model directory still holds the last complete checkpoint).
final class SignalTrap {
    private var sources: [any DispatchSourceSignal] = []
    let stop = StopRequest()

    init(quiet: Bool) {
        let stop = self.stop
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.request(number) {
                    exit(128 + number)
                }
                if !quiet {
                    StandardError.write("\n\(number == SIGINT ? "interrupt" : "terminate") received: stopping after this step and saving a checkpoint (repeat to quit at once)\n")
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
