// The library's one parallel-for and its one pointer box for worker threads.
import CKMeansKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw pointer handed to worker threads that each touch only their own elements of its memory (or only read it).
/// The one type through which the library's parallel loops share memory.
public struct SharedPointer<Pointee>: @unchecked Sendable {
    /// The shared address (nil for an empty buffer).
    public let pointer: UnsafeMutablePointer<Pointee>?

    /// Shares `pointer` for writing.
    public init(_ pointer: UnsafeMutablePointer<Pointee>?) { self.pointer = pointer }

    /// Shares `pointer` for reading.
    public init(_ pointer: UnsafePointer<Pointee>?) { self.pointer = UnsafeMutablePointer(mutating: pointer) }

    /// The shared address, read-only.
    public var readOnly: UnsafePointer<Pointee>? { pointer.map { UnsafePointer($0) } }
}

/// The library's parallel loop.
public enum Parallel {
    /// Number of processors available to this process.
    public static var processorCount: Int { max(1, System.activeProcessorCount) }

    /// Calls `body(index)` once for every index in `0..<count`, on up to `threads` threads (`nil`: every processor;
    /// the calling thread alone when one thread or one index, or inside a `body` run by the library's resident
    /// workers, so a nested loop never waits for them). Workers claim indices in increasing order one at a time, so
    /// a descheduled thread does not hold up the others; which thread runs an index is unspecified, so `body` must
    /// write only what belongs to its index. Loops from several threads at once all run; one at a time has the
    /// resident workers, the others libdispatch's.
    public static func forEach(_ count: Int, threads: Int? = nil, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let workers = min(count, max(1, threads ?? processorCount))
        #if canImport(Glibc)
        let pool = WorkerPool.shared
        if workers == 1 || pool.isInsideLoop {
            for index in 0..<count { body(index) }
            return
        }
        if pool.run(count, helpers: workers - 1, body) { return }
        #else
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        #endif
        // Another thread's loop has the resident workers (or there are none).
        let counter = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer { counter.deallocate() }
        let next = SharedPointer(counter)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = Int(kmk_claim_next(next.pointer))
                if index >= count { break }
                body(index)
            }
        }
    }
}

/// Processor information without Foundation.
enum System {
    /// Number of processors available to this process.
    static var activeProcessorCount: Int {
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
