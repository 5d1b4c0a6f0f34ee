import CKMeansKernels
import Dispatch
import Glibc
import Testing
@testable import KMeansCore

/// `Parallel.forEach`'s contract on the resident worker pool: every index exactly once, across many calls, nested
/// calls, several callers on different threads at once, and the edge cases.
@Suite("Parallel.forEach")
struct ParallelForEachTests {
    /// Per-index run counts, incremented atomically (a duplicate run shows as 2 even when it races).
    final class Tally: @unchecked Sendable {
        let count: Int
        private let slots: UnsafeMutablePointer<Int64>

        init(_ count: Int) {
            self.count = count
            slots = .allocate(capacity: max(1, count))
            slots.initialize(repeating: 0, count: max(1, count))
        }

        deinit { slots.deallocate() }

        func hit(_ index: Int) { _ = kmk_claim_next(slots + index) }

        /// The indices that ran a number of times other than `times`.
        func wrong(times: Int64) -> [Int] { (0..<count).filter { slots[$0] != times } }
    }

    @Test("every index exactly once, over many back-to-back calls", arguments: [nil, 1, 2, 3, 8] as [Int?])
    func everyIndexOnce(threads: Int?) {
        for count in [0, 1, 2, 3, 12, 1000] {
            let tally = Tally(count)
            for _ in 0..<200 { Parallel.forEach(count, threads: threads) { tally.hit($0) } }
            #expect(tally.wrong(times: 200).isEmpty, "count \(count), threads \(String(describing: threads))")
        }
    }

    @Test("one thread: every index on the calling thread, in increasing order")
    func oneThreadRunsInOrderOnCaller() {
        let caller = pthread_self()
        let order = UnsafeMutablePointer<Int>.allocate(capacity: 50)
        defer { order.deallocate() }
        let written = SharedPointer(order), position = SharedPointer(UnsafeMutablePointer<Int>.allocate(capacity: 1))
        defer { position.pointer!.deallocate() }
        position.pointer!.pointee = 0
        let onCaller = Tally(1)
        Parallel.forEach(50, threads: 1) { index in
            if pthread_equal(pthread_self(), caller) != 0 { onCaller.hit(0) }
            written.pointer![position.pointer!.pointee] = index
            position.pointer!.pointee += 1
        }
        #expect(Array(UnsafeBufferPointer(start: order, count: position.pointer!.pointee)) == Array(0..<50))
        #expect(onCaller.wrong(times: 50).isEmpty)
    }

    @Test("nested calls run every inner index once and do not deadlock")
    func nestedCalls() {
        let outer = 6, inner = 7, innermost = 3
        let tally = Tally(outer * inner * innermost)
        for _ in 0..<50 {
            Parallel.forEach(outer, threads: 2) { i in
                Parallel.forEach(inner, threads: 2) { j in
                    Parallel.forEach(innermost) { m in tally.hit((i * inner + j) * innermost + m) }
                }
            }
        }
        #expect(tally.wrong(times: 50).isEmpty)
    }

    @Test("a loop nested in a pool loop's body runs inline, on the thread of that body")
    func nestedInPoolRunsInline() {
        let pool = WorkerPool.shared
        let tally = Tally(4 * 5), offThread = Tally(1)
        guard pool.helperCount > 0 else {
            #expect(!pool.run(4, helpers: 1) { tally.hit($0) }, "a pool without helpers refuses every loop")
            return
        }
        var ran = false
        // The pool refuses while another test's loop holds it; retry until it takes this one.
        for _ in 0..<1000 where !ran {
            ran = pool.run(4, helpers: 1) { i in
                let outerThread = pthread_self()
                Parallel.forEach(5, threads: 2) { j in
                    if pthread_equal(pthread_self(), outerThread) == 0 { offThread.hit(0) }
                    tally.hit(i * 5 + j)
                }
            }
            if !ran { usleep(1000) }
        }
        #expect(ran)
        #expect(tally.wrong(times: 1).isEmpty)
        #expect(offThread.wrong(times: 0).isEmpty)
    }

    @Test("several callers on different threads at once: each loop runs every index once")
    func concurrentCallers() {
        let callers = 4, count = 12, rounds = 300
        let tallies = (0..<callers).map { _ in Tally(count) }
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds {
                // Mixed sizes, some nested, so loops overlap in every phase of the pool's hand-off.
                Parallel.forEach(count, threads: 2) { index in
                    if round % 3 == 0 {
                        Parallel.forEach(2) { half in if half == 0 { tallies[caller].hit(index) } }
                    } else {
                        tallies[caller].hit(index)
                    }
                }
            }
        }
        for (caller, tally) in tallies.enumerated() {
            #expect(tally.wrong(times: Int64(rounds)).isEmpty, "caller \(caller)")
        }
    }

    @Test("what a body writes is visible to the caller when the loop returns")
    func writesVisibleAfterReturn() {
        let count = 64
        let values = UnsafeMutablePointer<Int>.allocate(capacity: count)
        defer { values.deallocate() }
        let shared = SharedPointer(values)
        for round in 1...200 {
            Parallel.forEach(count, threads: 2) { shared.pointer![$0] = $0 * round }
            #expect((0..<count).allSatisfy { values[$0] == $0 * round }, "round \(round)")
        }
    }
}
