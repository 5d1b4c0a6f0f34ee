/// Tells whether the bytes already sent to the terminal have left, so that the UI draws a new frame only when the
/// line is free. Two signals, because a pty (every SSH session) reports no output queue:
/// - **Arrival probes** (from the first frame on): every frame ends with a Device Attributes request (`ArrivalProbe`);
///   the terminal answers once it has parsed everything before it, so an answer says "this frame has arrived". While
///   a probe is unanswered the frame is still on its way. The answers also give the line's rate: the bytes of a
///   frame over the time from its first write to its answer (a lower bound: it includes the round trip). A terminal
///   that has answered nothing `startupSeconds` after the first probe is taken not to answer, and probing stops
///   (an answer coming later after all restarts it); until the first answer, the line is assumed to carry
///   `assumedBytesPerSecond`.
/// - **Blocked writes**: the pty's kernel buffer takes about 20 KB, and a write that finds it full is woken only once
///   the far end has drained it to about 1 KB (measured on Linux 6: 19.5 KB accepted, then each blocked 1 KB write
///   returned with 1.0–1.1 KB still queued). So a write that blocks says the queue is nearly empty when it returns,
///   and the line carried everything written since the previous such moment in the time between.
/// From the first rate on, the pacer keeps a model of the bytes in flight (written minus rate × time), reset by each
/// answer and each blocked write. A line that never blocks and answers at once is never busy.
public struct LinePacer: Sendable {
    /// A write that took at least this long waited for the line.
    static let blockedWriteSeconds = 0.015
    /// Bytes still queued when a blocked write returns (the pty wakes the writer at about 1 KB).
    static let residueBytes = 1_024.0
    /// How long after the first probe a terminal that has answered none is still waited for.
    public static let startupSeconds = 4.0
    /// Until the terminal has answered a probe, the line is assumed this slow (the slowest the workbench is made for).
    public static let assumedBytesPerSecond = 2_000.0
    /// A probe unanswered this long is taken as lost (the terminal stopped answering); the frame counts as arrived.
    static let lostProbeSeconds = 6.0
    /// The most bytes a new frame may queue behind, whatever the slack in seconds. A key's frame shows no sooner for
    /// being written earlier (it arrives after what is already queued); the slack only spares it the round trip of
    /// the previous frame's answer. So on a 7 KB/s line it queues behind at most 512 B (70 ms), not 0.25 s.
    public static let largestSlackBytes = 512.0
    /// Fewer bytes than this between a frame's first write and its answer say more about the round trip than the rate.
    static let smallestRateSample = 512

    /// The line's rate in bytes per second, once learnt from answers or blocked writes.
    public private(set) var bytesPerSecond: Double?
    /// Bytes believed to be queued between this process and the screen.
    public private(set) var bytesInFlight = 0.0
    /// Bytes written in total.
    public private(set) var bytesWritten = 0
    /// Probes the terminal has answered.
    public private(set) var answeredProbes = 0
    /// Whether frames should still end with a probe: until the terminal is known not to answer.
    public private(set) var isProbing = true
    private var lastTime: Double?
    private var firstWriteTime: Double?
    /// When the last blocked write returned and how many bytes had been carried by then.
    private var lastWake: (time: Double, carried: Double)?
    /// Unanswered probes, oldest first: the bytes written up to the end of each, and when it was written.
    private var unanswered: [(bytes: Int, time: Double)] = []
    private var firstProbeTime: Double?
    /// Answers that came before their probe's write was recorded (the relay records a write once it has returned).
    private var earlyAnswers = 0
    /// Answers still owed for probes given up on: ignored when they come (the first one restarts probing).
    private var abandonedAnswers = 0
    /// Since when the line has been carrying the bytes the next answer covers, and the bytes written before then.
    private var busySince: (time: Double, bytes: Int)?

    /// A pacer that knows nothing about the line yet.
    public init() {}

    /// Records that `count` bytes were handed to the terminal by a write that returned at `time` after taking
    /// `duration` seconds; `probeEnds` are the offsets within those bytes just past each probe they hold.
    public mutating func wrote(_ count: Int, duration: Double, at time: Double, probeEnds: [Int] = []) {
        drain(until: time)
        if firstWriteTime == nil { firstWriteTime = time - duration }
        if busySince == nil { busySince = (time - duration, bytesWritten) }
        var arrived = 0
        for end in probeEnds where isProbing {
            if firstProbeTime == nil { firstProbeTime = time }
            if earlyAnswers > 0 {
                earlyAnswers -= 1
                arrived = end
            } else {
                unanswered.append((bytesWritten + end, time))
            }
        }
        bytesWritten += count
        if arrived > 0 {
            bytesInFlight = 0
            busySince = arrived < count ? (time, bytesWritten - count + arrived) : nil
        }
        guard duration >= Self.blockedWriteSeconds else {
            bytesInFlight += Double(count - arrived)
            return
        }
        // The buffer was full and has just been drained to its residue: everything else has been carried.
        let queued = Self.residueBytes + Double(count)
        let carried = max(0, Double(bytesWritten) - queued)
        let since = lastWake ?? (time: firstWriteTime ?? time - duration, carried: 0)
        if time - since.time > 0.05 {
            // A lower bound: the line may have idled in between.
            learn(rate: (carried - since.carried) / (time - since.time))
        }
        lastWake = (time, carried)
        bytesInFlight = queued
    }

    /// Records that the terminal answered the oldest unanswered probe at `time`: what was written up to it arrived.
    public mutating func probeAnswered(at time: Double) {
        drain(until: time)
        answeredProbes += 1
        if abandonedAnswers > 0 {
            // A slow line answering after all: probe again from the next frame.
            abandonedAnswers -= 1
            isProbing = true
            return
        }
        guard !unanswered.isEmpty else {
            earlyAnswers += 1
            return
        }
        let probe = unanswered.removeFirst()
        if let since = busySince, probe.bytes - since.bytes >= Self.smallestRateSample, time - since.time > 0.005 {
            learn(rate: Double(probe.bytes - since.bytes) / (time - since.time))
        }
        bytesInFlight = Double(bytesWritten - probe.bytes)
        // The line goes on carrying what was written after the probe, or idles until the next write.
        busySince = bytesWritten > probe.bytes ? (time, probe.bytes) : nil
    }

    /// Whether a terminal that answers probes still owes an answer.
    public var awaitsAnswer: Bool { answeredProbes > 0 && !unanswered.isEmpty }

    /// Whether bytes written before `time` are still on their way (so a new frame would queue behind them).
    /// `slackSeconds` is how much of the line's time may still be queued ahead of the new frame (at most
    /// `largestSlackBytes`).
    public mutating func isBusy(at time: Double, slackSeconds: Double = 0.03) -> Bool {
        drain(until: time)
        expireProbes(at: time)
        if !unanswered.isEmpty {
            if answeredProbes == 0, let first = firstWriteTime {
                // Not yet known whether the terminal answers: a frame waits until the slowest line would have carried
                // everything (no slack: the assumption may be optimistic).
                return Double(bytesWritten) > Self.assumedBytesPerSecond * (time - first)
            }
            // The frame has not arrived: wait, unless the rate says little enough of it is left.
            guard let rate = bytesPerSecond else { return true }
            return bytesInFlight > min(rate * slackSeconds, Self.largestSlackBytes)
        }
        guard let rate = bytesPerSecond else { return false }
        // Every probe answered: only what was written since the last answer, or a blocked write's model, is queued.
        return bytesInFlight > min(rate * slackSeconds, Self.largestSlackBytes)
    }

    /// Seconds until the line is expected to be free.
    public mutating func secondsUntilFree(at time: Double) -> Double {
        drain(until: time)
        guard let rate = bytesPerSecond, rate > 0 else { return 0 }
        return bytesInFlight / rate
    }

    private mutating func learn(rate sample: Double) {
        guard sample > 0 else { return }
        bytesPerSecond = bytesPerSecond.map { 0.5 * $0 + 0.5 * sample } ?? sample
    }

    /// Gives up on probes: all of them when the terminal has answered none since the start, or one lost for long.
    private mutating func expireProbes(at time: Double) {
        if answeredProbes == 0, isProbing, let first = firstProbeTime, time - first > Self.startupSeconds {
            isProbing = false
            abandonedAnswers += unanswered.count
            unanswered.removeAll()
        }
        if let oldest = unanswered.first, time - oldest.time > Self.lostProbeSeconds {
            abandonedAnswers += unanswered.count
            unanswered.removeAll()
            busySince = nil
        }
    }

    private mutating func drain(until time: Double) {
        if let last = lastTime, let rate = bytesPerSecond, time > last {
            bytesInFlight = max(0, bytesInFlight - rate * (time - last))
        } else if bytesPerSecond == nil {
            bytesInFlight = 0
        }
        lastTime = max(lastTime ?? time, time)
    }
}
