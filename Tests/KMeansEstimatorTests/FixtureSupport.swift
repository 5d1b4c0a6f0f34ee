import Foundation
import Testing
@testable import KMeansEstimator

/// Loads a JSON fixture copied from the TF parity reference (`Fixtures/<name>.json`).
func loadFixture(_ name: String) throws -> [String: Any] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    // Python's json writes NaN as a bare token, which JSONSerialization rejects: read it as null.
    let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "NaN", with: "null")
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// A float32 matrix from nested JSON numbers (stored as exact doubles of float32 values).
func matrix(_ value: Any?) throws -> Matrix {
    let rows = try #require(value as? [[Any]], "expected a nested array, got \(String(describing: value))")
    return Matrix(try rows.map { row in try row.map { Float(try #require(($0 as? NSNumber)?.doubleValue)) } })
}

/// A float from a JSON number.
func float(_ value: Any?) throws -> Float {
    Float(try #require((value as? NSNumber)?.doubleValue, "expected a number, got \(String(describing: value))"))
}

/// Ints from a JSON array.
func ints(_ value: Any?) throws -> [Int] {
    try #require(value as? [Any]).map { try #require(($0 as? NSNumber)?.intValue) }
}

/// True when `a` and `b` agree within `relative` of the larger magnitude (or `absolute`, whichever is looser).
func isClose(_ a: Float, _ b: Float, relative: Float = 1e-5, absolute: Float = 0) -> Bool {
    if a == b { return true }
    return abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)
}

/// Largest element-wise relative difference between two equally shaped matrices (∞ on a shape mismatch).
func maxRelativeDifference(_ a: Matrix, _ b: Matrix) -> Float {
    guard a.rows == b.rows, a.columns == b.columns else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a.values, b.values) where x != y {
        worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    }
    return worst
}

/// The 100 points of `input_points.json` as float32.
func inputPoints() throws -> Matrix {
    try matrix(try loadFixture("input_points")["points_float32"])
}

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
