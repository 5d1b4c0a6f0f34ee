import Foundation
import KMeansEstimator

/// Watches training: records the last losses (to tell why training stopped), stops on a signal, and draws a
/// progress line (step, loss, rate, ETA) on standard error when it is a terminal.
final class TrainingMonitor: SessionRunHook {
    private let stop: StopRequest
    private let draw: Bool
    private let lastStep: Int64?
    private var startTime = Date()
    private var lastDrawn = Date.distantPast
    private var startStep: Int64 = 0
    private var drewSomething = false
    /// The loss of every step of this run, in order.
    private(set) var losses: [Float] = []

    init(stop: StopRequest, showProgress: Bool, lastStep: Int64?) {
        self.stop = stop
        self.draw = showProgress
        self.lastStep = lastStep
    }

    func begin(_ context: RunContext) throws {
        startTime = Date()
        startStep = context.globalStep
    }

    func afterStep(_ context: RunContext, loss: Float) throws {
        losses.append(loss)
        if stop.signal != nil { context.requestStop() }
        guard draw else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        let elapsed = now.timeIntervalSince(startTime)
        let done = Double(context.globalStep - startStep)
        let rate = elapsed > 0 ? done / elapsed : 0
        var line = "step \(context.globalStep)"
        if let lastStep { line += "/\(lastStep)" }
        line += "  loss \(loss)  \(String(format: "%.1f", rate)) steps/s"
        if let lastStep, rate > 0 {
            let remaining = Double(lastStep - context.globalStep) / rate
            line += "  ETA \(formatDuration(remaining))"
        }
        StandardError.write("\r\u{1B}[K" + line)
        drewSomething = true
    }

    func end(_ context: RunContext) throws {
        if drewSomething { StandardError.write("\r\u{1B}[K") }
    }
}

/// `h:mm:ss` or `m:ss`.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
    return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
}
