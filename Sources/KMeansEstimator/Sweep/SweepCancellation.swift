import Synchronization

/// A flag that asks a running ``KSweep`` to stop; safe to set from any thread (a key handler, a signal source).
public final class SweepCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A flag not yet set.
    public init() {}

    /// Asks the sweep to stop at its next check (after the current training step or silhouette block).
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
