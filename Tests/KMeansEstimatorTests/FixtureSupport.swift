import Foundation
@_exported import KMeansTestSupport
@testable import KMeansEstimator

/// Loads a JSON fixture of this target (`Fixtures/<name>.json`).
func loadFixture(_ name: String) throws -> [String: Any] { try loadFixture(name, in: Bundle.module) }

/// The 100 points of this target's `input_points.json` as float32.
func inputPoints() throws -> Matrix { try inputPoints(in: Bundle.module) }

/// Records every callback it gets; can request a stop after a given global step.
final class RecordingHook: SessionRunHook {
    var events: [String] = []
    var losses: [Float] = []
    var stopAfterStep: Int64?

    init(stopAfterStep: Int64? = nil) { self.stopAfterStep = stopAfterStep }

    func begin(_ context: RunContext) throws { events.append("begin@\(context.globalStep)") }
    func beforeStep(_ context: RunContext) throws { events.append("before@\(context.globalStep)") }
    func afterStep(_ context: RunContext, loss: Float) throws {
        events.append("after@\(context.globalStep)")
        losses.append(loss)
        if let stop = stopAfterStep, context.globalStep >= stop { context.requestStop() }
    }
    func end(_ context: RunContext) throws { events.append("end@\(context.globalStep)") }
}

/// Records every checkpoint callback; can request a stop after a given save.
final class RecordingListener: CheckpointSaverListener {
    var events: [String] = []
    var stopAtSavedStep: Int64?

    init(stopAtSavedStep: Int64? = nil) { self.stopAtSavedStep = stopAtSavedStep }

    func begin() throws { events.append("begin") }
    func beforeSave(globalStep: Int64) throws { events.append("beforeSave@\(globalStep)") }
    func afterSave(globalStep: Int64, path: String) throws -> Bool {
        events.append("afterSave@\(globalStep):\(path)")
        return stopAtSavedStep == globalStep
    }
    func end(globalStep: Int64) throws { events.append("end@\(globalStep)") }
}

/// The error `body` throws, as a `KMeansError`, or nil.
func kmeansError(_ body: () throws -> Void) -> KMeansError? {
    do { try body(); return nil } catch { return error as? KMeansError }
}
