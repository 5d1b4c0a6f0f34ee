import Dispatch
import Foundation
import KMeansCore
import KMeansEstimator
import Synchronization

/// How a background sweep ended.
public enum SweepOutcome: Sendable, Equatable {
    /// Every k has its row.
    case finished
    /// Esc stopped it; the rows finished before it are kept.
    case cancelled
    /// KSweep refused the data or the settings (the reason, as one line).
    case failed(String)
}

/// What a background sweep has produced so far: copied out of the sweep's thread whenever the UI asks.
public struct SweepSnapshot: Sendable, Equatable {
    /// The finished rows, in increasing k.
    public var rows: [KSweepRow] = []
    /// Where the sweep is (nil before its first step).
    public var progress: KSweepProgress?
    /// How it ended; nil while it runs.
    public var outcome: SweepOutcome?

    /// An empty snapshot (nothing run yet).
    public init() {}
}

/// One `KSweep` running on its own thread, so the workbench keeps answering keys. Its snapshot is read from any
/// thread; `cancel()` asks the sweep to stop at its next check (after a training step or a silhouette block).
public final class SweepRun: Sendable {
    /// The sweep being run.
    public let sweep: KSweep
    private let state = Mutex(SweepSnapshot())
    private let cancellation = SweepCancellation()
    private let done = DispatchGroup()

    /// Starts `sweep` on `points` on a new thread.
    public init(sweep: KSweep, points: Matrix) {
        self.sweep = sweep
        done.enter()
        let thread = Thread { [self] in
            self.work(points: points)
            self.done.leave()
        }
        thread.name = "kmeans.workbench.sweep"
        thread.start()
    }

    private func work(points: Matrix) {
        let outcome: SweepOutcome
        do {
            let result = try sweep.run(points: points, cancellation: cancellation,
                                       progress: { progress in self.state.withLock { $0.progress = progress } },
                                       row: { row in self.state.withLock { $0.rows.append(row) } })
            outcome = result.cancelled ? .cancelled : .finished
        } catch {
            outcome = .failed("\(error)")
        }
        state.withLock { $0.outcome = outcome }
    }

    /// The rows and progress so far.
    public var snapshot: SweepSnapshot { state.withLock { $0 } }

    /// Whether the sweep's thread has not returned yet.
    public var isRunning: Bool { state.withLock { $0.outcome == nil } }

    /// Asks the sweep to stop; its thread returns at the next check and the outcome becomes `.cancelled`.
    public func cancel() { cancellation.cancel() }

    /// Whether `cancel()` was called.
    public var isCancelRequested: Bool { cancellation.isCancelled }

    /// Blocks until the sweep's thread has returned (headless runs and tests).
    public func waitUntilFinished() { done.wait() }
}
