/// TF's stopping rule for `relative_tolerance` (its `_LossRelativeChangeHook`): stop when
/// `|L − prev| / (1 + |prev|) < tolerance`, computed in float32 as numpy does on TF's float32 losses; a previous
/// loss of 0 (or none) never stops. The one home of the rule: the estimator's hook, `kmeans train`'s stop reason and
/// the workbench's "converged" all ask it.
public struct RelativeLossChange: Sendable, Equatable {
    /// The relative tolerance.
    public let tolerance: Double

    /// The rule for `tolerance`.
    public init(tolerance: Double) { self.tolerance = tolerance }

    /// `|loss − previous| / (1 + |previous|)` in float32.
    public static func change(loss: Float, previous: Float) -> Float {
        abs(loss - previous) / (1 + abs(previous))
    }

    /// Whether a step of `loss` after one of `previous` ends training.
    public func isConverged(loss: Float, previous: Float?) -> Bool {
        guard let previous, previous != 0 else { return false }
        return Double(Self.change(loss: loss, previous: previous)) < tolerance
    }
}
