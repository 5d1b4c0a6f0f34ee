// The persistent helper threads behind `Parallel.forEach`, so a pass of a tenth of a millisecond is not paid a
// thread wake-up: between loops the helpers spin on an atomic for a short while, then sleep on a condition.
#if canImport(Glibc)
import Glibc
import Synchronization

/// One parallel loop at a time on `Parallel.processorCount − 1` helper threads plus the caller. Workers claim
/// indices in increasing order from one counter; the caller runs indices too and returns once every index has run
/// and no helper still touches the loop. A caller that finds the pool busy (another thread's loop) is refused and
/// runs its loop elsewhere; a loop started from inside a loop body runs inline (see ``isInsideLoop``).
final class WorkerPool: @unchecked Sendable {
    /// The process's pool; its threads start on first use and live as long as the process.
    static let shared = WorkerPool(helpers: Parallel.processorCount - 1)

    /// How long an idle thread spins before it sleeps (a helper between loops, the caller waiting for a helper).
    static let spinNanoseconds: UInt64 = 200_000

    /// Number of helper threads (0 on a single processor: the pool then refuses every loop); set once, in `init`.
    private(set) var helperCount = 0

    private let busy = Atomic<Bool>(false)
    /// Helpers the current loop still takes; a helper joins by decrementing it, the caller closes it with 0.
    private let slots = Atomic<Int>(0)
    /// Helpers counted in the current loop that have not finished it (joined or not yet closed out).
    private let active = Atomic<Int>(0)
    /// The next index to claim.
    private let next = Atomic<Int>(0)
    private let sleepingHelpers = Atomic<Int>(0)
    private let callerSleeping = Atomic<Bool>(false)
    /// The current loop, written by the caller before `slots` publishes it and read by helpers that joined it.
    private var count = 0
    private var body: (@Sendable (Int) -> Void)?

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let helperWake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let callerWake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Thread-specific flag, set on the helpers and on a caller while it runs loop bodies.
    private var insideKey = pthread_key_t()

    private init(helpers: Int) {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(helperWake, nil)
        pthread_cond_init(callerWake, nil)
        pthread_key_create(&insideKey, nil)
        var started = 0
        for _ in 0..<max(0, helpers) {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().helperLoop()
                return nil
            }, context)
            guard status == 0 else { break }
            pthread_detach(thread)
            started += 1
        }
        helperCount = started
    }

    /// True on a thread that is running a pool loop's body (a helper, or a caller inside its own loop).
    var isInsideLoop: Bool { pthread_getspecific(insideKey) != nil }

    /// Runs `body(index)` for every index in `0..<count` on the caller and up to `helpers` helper threads; false
    /// (nothing run) when the pool has no helpers or is running another thread's loop.
    func run(_ count: Int, helpers: Int, _ body: @Sendable (Int) -> Void) -> Bool {
        let helpers = min(helpers, helperCount)
        guard helpers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            self.count = count
            next.store(0, ordering: .relaxed)
            active.store(helpers, ordering: .relaxed)
            slots.store(helpers, ordering: .sequentiallyConsistent)  // publishes the loop
            if sleepingHelpers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(lock)
                pthread_cond_broadcast(helperWake)
                pthread_mutex_unlock(lock)
            }
            pthread_setspecific(insideKey, Self.marker)
            claimIndices(escapable, count: count)
            pthread_setspecific(insideKey, nil)
            // Helpers that have not joined by now are not waited for (a sleeping one would cost its wake-up).
            let unjoined = slots.exchange(0, ordering: .sequentiallyConsistent)
            if unjoined > 0 { active.subtract(unjoined, ordering: .sequentiallyConsistent) }
            waitForHelpers()
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private static var marker: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }

    private func claimIndices(_ body: (Int) -> Void, count: Int) {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if index >= count { return }
            body(index)
        }
    }

    private func waitForHelpers() {
        if Self.spin(until: { active.load(ordering: .acquiring) == 0 }) { return }
        pthread_mutex_lock(lock)
        callerSleeping.store(true, ordering: .sequentiallyConsistent)
        while active.load(ordering: .sequentiallyConsistent) != 0 { pthread_cond_wait(callerWake, lock) }
        callerSleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(lock)
    }

    private func helperLoop() {
        pthread_setspecific(insideKey, Self.marker)
        while true {
            waitForLoop()
            var open = slots.load(ordering: .relaxed)
            while open > 0 {
                let (joined, seen) = slots.compareExchange(
                    expected: open, desired: open - 1, ordering: .sequentiallyConsistent)
                if joined {
                    runJoinedLoop()
                    finishLoop()
                    break
                }
                open = seen
            }
        }
    }

    /// Reads the loop only after joining it; returns (releasing the body) before the helper reports finished.
    private func runJoinedLoop() {
        if let body { claimIndices(body, count: count) }
    }

    private func finishLoop() {
        if active.subtract(1, ordering: .sequentiallyConsistent).newValue == 0,
           callerSleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(lock)
            pthread_cond_signal(callerWake)
            pthread_mutex_unlock(lock)
        }
    }

    /// Returns when a loop may have helper slots open: at once while spinning, else after one wake-up.
    private func waitForLoop() {
        if Self.spin(until: { slots.load(ordering: .relaxed) != 0 }) { return }
        pthread_mutex_lock(lock)
        sleepingHelpers.add(1, ordering: .sequentiallyConsistent)
        if slots.load(ordering: .sequentiallyConsistent) == 0 { pthread_cond_wait(helperWake, lock) }
        sleepingHelpers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(lock)
    }

    /// Polls `done` for up to ``spinNanoseconds``, after the first few polls yielding the processor between polls
    /// (a spinning thread must not keep the thread it waits for, or anyone else, off its core); false on timeout.
    private static func spin(until done: () -> Bool) -> Bool {
        let deadline = now() + spinNanoseconds
        var polls = 0
        while !done() {
            polls += 1
            if polls > 64 {
                sched_yield()
                if now() > deadline { return false }
            }
        }
        return true
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
#endif
