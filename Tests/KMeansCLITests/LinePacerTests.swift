import Testing
@testable import WorkbenchTerminal

/// The pacer's model of a line, on made-up write timings: a line whose writes never block is never busy; a blocked
/// write teaches the rate and leaves about 1 KB queued, which drains at that rate; from the first frame, an unanswered
/// arrival probe holds auto-play frames back, its answer frees the line and teaches the rate.
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

    @Test func anUnansweredProbeHoldsAutoPlayFramesFromTheFirstFrame() throws {
        var pacer = LinePacer()
        // The opening (5.4 KB and its probe) goes into the pty at once: no write blocks.
        pacer.wrote(5_400, duration: 0.000_1, at: 0.01, probeEnds: [5_400])
        let autoPlayBefore = pacer.isBusy(at: 0.1, slackSeconds: 0.03)
        let keyBefore = pacer.isBusy(at: 0.1, slackSeconds: 0.25)
        #expect(autoPlayBefore && keyBefore, "frames wait for the opening's answer, the line assumed to be 2 KB/s")
        var unanswered = pacer
        let keyNearlyCarried = unanswered.isBusy(at: 0.01 + 5_400 / LinePacer.assumedBytesPerSecond - 0.05, slackSeconds: 0.25)
        let keyCarried = unanswered.isBusy(at: 0.01 + 5_400 / LinePacer.assumedBytesPerSecond + 0.01, slackSeconds: 0.25)
        #expect(keyNearlyCarried && !keyCarried, "a key's frame goes once 2 KB/s would have carried it all")
        // Answered after 0.8 s at 7 KB/s: the line is free, and its rate known.
        pacer.probeAnswered(at: 0.81)
        let afterAnswer = pacer.isBusy(at: 0.82, slackSeconds: 0.03)
        #expect(!afterAnswer)
        let rate = try #require(pacer.bytesPerSecond)
        #expect(rate > 6_000 && rate < 7_000, "5.4 KB in 0.8 s: \(rate)")
        // A 1.5 KB frame: busy until its answer, though no write blocked.
        pacer.wrote(1_500, duration: 0.000_1, at: 1.0, probeEnds: [1_500])
        let during = pacer.isBusy(at: 1.1, slackSeconds: 0.03)
        #expect(during)
        let keyBefore512 = pacer.isBusy(at: 1.1, slackSeconds: 0.25)
        let keyNearTheEnd = pacer.isBusy(at: 1.16, slackSeconds: 0.25)
        #expect(keyBefore512 && !keyNearTheEnd, "under 512 B of the frame left: a key's frame may queue behind it")
        pacer.probeAnswered(at: 1.22)
        let answered = pacer.isBusy(at: 1.22, slackSeconds: 0.03)
        #expect(!answered)
        #expect(!pacer.awaitsAnswer && pacer.isProbing && pacer.answeredProbes == 2)
    }

    @Test func anAnswerBeforeItsWriteIsRecordedStillCounts() {
        var pacer = LinePacer()
        pacer.wrote(5_400, duration: 0.000_1, at: 0.0, probeEnds: [5_400])
        pacer.probeAnswered(at: 0.8)
        // The relay thread records its write after the write returned: here, after the answer.
        pacer.probeAnswered(at: 1.01)
        pacer.wrote(1_500, duration: 0.000_1, at: 1.0, probeEnds: [1_500])
        let busy = pacer.isBusy(at: 1.02, slackSeconds: 0.03)
        #expect(!pacer.awaitsAnswer && !busy, "the frame's answer is in")
    }

    @Test func aTerminalThatNeverAnswersStopsBeingProbed() {
        var pacer = LinePacer()
        pacer.wrote(5_400, duration: 0.000_1, at: 0.0, probeEnds: [5_400])
        let early = pacer.isBusy(at: 1.0, slackSeconds: 0.03)
        #expect(early, "waited for while it may still answer")
        let drainedAtTheAssumedRate = pacer.isBusy(at: 2.8, slackSeconds: 0.03)
        #expect(!drainedAtTheAssumedRate, "2 KB/s would have carried it all")
        let late = pacer.isBusy(at: LinePacer.startupSeconds + 0.1, slackSeconds: 0.03)
        #expect(!late, "after the start-up wait, a line that never blocks is free again")
        #expect(!pacer.isProbing && !pacer.awaitsAnswer)
        // A line slower than 1.35 KB/s answers the opening after all: probing starts again, the late answer is spent.
        pacer.probeAnswered(at: 5.0)
        #expect(pacer.isProbing)
        pacer.wrote(1_500, duration: 0.000_1, at: 5.1, probeEnds: [1_500])
        let waitsForTheNewAnswer = pacer.isBusy(at: 5.2, slackSeconds: 0.03)
        #expect(waitsForTheNewAnswer && pacer.awaitsAnswer)
    }

    @Test func probesAreFoundAcrossWrites() {
        var finder = ProbeScanner()
        #expect(finder.scan(Array("ab\u{1B}[cd\u{1B}".utf8)).ends == [5])
        #expect(finder.scan(Array("[c\u{1B}[1;2H\u{1B}\u{1B}[c".utf8)).ends == [2, 12])
        #expect(finder.scan(Array("\u{1B}[?2026l".utf8)).ends.isEmpty)
    }

    @Test func recordingsLoseTheProbesAndNothingElseAcrossWrites() {
        var stripper = ProbeScanner()
        var out = stripper.scan(Array("ab\u{1B}[cd\u{1B}".utf8)).withoutProbes
        out += stripper.scan(Array("[c\u{1B}[1;2H\u{1B}\u{1B}[c\u{1B}[?2026l\u{1B}".utf8)).withoutProbes
        out += stripper.scan(Array("[".utf8)).withoutProbes
        out += stripper.flush()
        #expect(String(decoding: out, as: UTF8.self) == "abd\u{1B}[1;2H\u{1B}\u{1B}[?2026l\u{1B}[")
    }

    @Test func answersAreTakenOutOfTheKeysAcrossReads() {
        var filter = ProbeAnswerFilter()
        let first = filter.filter(Array("n\u{1B}[?1;2cq\u{1B}[".utf8))
        #expect(first.passed == Array("nq".utf8) && first.answers == 1)
        #expect(filter.held == Array("\u{1B}[".utf8), "a possible answer's start is held")
        let second = filter.filter(Array("?64;1;2c\u{1B}[A\u{1B}".utf8))
        #expect(second.passed == Array("\u{1B}[A".utf8) && second.answers == 1, "arrow keys pass, the split answer does not")
        #expect(filter.release() == [0x1B], "a lone Esc, given up on, is a key")
        let other = filter.filter(Array("\u{1B}[?1;2x\u{1B}\u{1B}[?6c".utf8))
        #expect(other.passed == Array("\u{1B}[?1;2x\u{1B}".utf8) && other.answers == 1)
    }
}
