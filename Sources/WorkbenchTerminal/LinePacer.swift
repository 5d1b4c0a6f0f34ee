/// Tells from write timing whether the bytes already sent to the terminal have left, so that the UI draws a new frame
/// only when the line is free. A pty (every SSH session) reports no output queue; its kernel buffer takes about
/// 20 KB, and a write that finds it full is woken only once the far end has drained it to about 1 KB (measured on
/// Linux 6: 19.5 KB accepted, then each blocked 1 KB write returned with 1.0–1.1 KB still queued). So a write that
/// blocks tells the pacer two things: the queue is nearly empty when it returns, and the line carried everything
/// written since the previous such moment in the time between. From the first blocked write on, the pacer keeps a
/// model of the bytes in flight (written minus rate × time). A line that never blocks is never slow.
public struct LinePacer: Sendable {
    /// A write that took at least this long waited for the line.
    static let blockedWriteSeconds = 0.015
    /// Bytes still queued when a blocked write returns (the pty wakes the writer at about 1 KB).
    static let residueBytes = 1_024.0

    /// The line's rate in bytes per second, once learnt from blocked writes.
    public private(set) var bytesPerSecond: Double?
    /// Bytes believed to be queued between this process and the screen.
    public private(set) var bytesInFlight = 0.0
    /// Bytes written in total.
    public private(set) var bytesWritten = 0
    private var lastTime: Double?
    private var firstWriteTime: Double?
    /// When the last blocked write returned and how many bytes had been carried by then.
    private var lastWake: (time: Double, carried: Double)?

    /// A pacer that knows nothing about the line yet.
    public init() {}

    /// Records that `count` bytes were handed to the terminal by a write that returned at `time` after taking
    /// `duration` seconds.
    public mutating func wrote(_ count: Int, duration: Double, at time: Double) {
        drain(until: time)
        if firstWriteTime == nil { firstWriteTime = time - duration }
        bytesWritten += count
        guard duration >= Self.blockedWriteSeconds else {
            bytesInFlight += Double(count)
            return
        }
        // The buffer was full and has just been drained to its residue: everything else has been carried.
        let queued = Self.residueBytes + Double(count)
        let carried = max(0, Double(bytesWritten) - queued)
        let since = lastWake ?? (time: firstWriteTime ?? time - duration, carried: 0)
        if time - since.time > 0.05 {
            // A lower bound: the line may have idled in between.
            let sample = (carried - since.carried) / (time - since.time)
            if sample > 0 { bytesPerSecond = bytesPerSecond.map { 0.5 * $0 + 0.5 * sample } ?? sample }
        }
        lastWake = (time, carried)
        bytesInFlight = queued
    }

    /// Whether bytes written before `time` are still on their way (so a new frame would queue behind them).
    /// `slackSeconds` is how much of the line's time may still be queued ahead of the new frame.
    public mutating func isBusy(at time: Double, slackSeconds: Double = 0.03) -> Bool {
        drain(until: time)
        guard let rate = bytesPerSecond else { return false }
        return bytesInFlight > rate * slackSeconds
    }

    /// Seconds until the line is expected to be free.
    public mutating func secondsUntilFree(at time: Double) -> Double {
        drain(until: time)
        guard let rate = bytesPerSecond, rate > 0 else { return 0 }
        return bytesInFlight / rate
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
