import Testing
import WorkbenchTerminal

/// The pacer's model of a line, on made-up write timings: a line whose writes never block is never busy; a blocked
/// write teaches the rate and leaves about 1 KB queued, which drains at that rate.
@Suite("Line pacer")
struct LinePacerTests {
    @Test func aLineThatNeverBlocksIsNeverBusy() {
        var pacer = LinePacer()
        for i in 0..<200 { pacer.wrote(20_000, duration: 0.000_1, at: Double(i) * 0.01) }
        let busy = pacer.isBusy(at: 2.0)
        #expect(!busy)
        #expect(pacer.bytesPerSecond == nil)
        #expect(pacer.bytesWritten == 4_000_000)
    }

    @Test func blockedWritesTeachTheRateAndTheQueueDrainsAtIt() throws {
        var pacer = LinePacer()
        // 7 KB/s line: 19.5 KB accepted at once, then a 1 KB write blocks until 1 KB is left: 18,432 B carried.
        let wake = 18_432.0 / 7_000
        pacer.wrote(19_456, duration: 0.000_1, at: 0.000_1)
        pacer.wrote(1_024, duration: wake - 0.000_1, at: wake)
        let first = try #require(pacer.bytesPerSecond)
        #expect(abs(first - 7_000) < 10, "7 KB/s, got \(first)")
        let busyAfterWake = pacer.isBusy(at: 2.64)
        #expect(busyAfterWake, "2 KB queued right after the wake")
        let busyLater = pacer.isBusy(at: wake + 2_048 / first + 0.01)
        #expect(!busyLater, "drained at the learnt rate")
        // The line slows to 3.5 KB/s: the next fill wakes later, and the estimate moves down.
        pacer.wrote(19_456, duration: 0.000_1, at: 3.0)
        let secondWake = wake + 20_480.0 / 3_500
        pacer.wrote(1_024, duration: 2.5, at: secondWake)
        let second = try #require(pacer.bytesPerSecond)
        #expect(second < first && second > 3_500, "\(first) → \(second)")
        let wait = pacer.secondsUntilFree(at: secondWake)
        #expect(wait > 0.1 && wait < 0.5, "about 2 KB at the rate: \(wait) s")
    }
}
