// Helpers shared by the test targets that replay TensorFlow's parity fixtures.
import Foundation
import Testing
import KMeansCore

/// Loads a JSON fixture copied from the TF parity reference (`Fixtures/<name>.json` in a test target's `bundle`).
public func loadFixture(_ name: String, in bundle: Bundle) throws -> [String: Any] {
    let url = try #require(bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    // Python's json writes NaN as a bare token, which JSONSerialization rejects: read it as null.
    let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "NaN", with: "null")
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// A float32 matrix from nested JSON numbers (stored as exact doubles of float32 values).
public func matrix(_ value: Any?) throws -> Matrix {
    let rows = try #require(value as? [[Any]], "expected a nested array, got \(String(describing: value))")
    return Matrix(try rows.map { row in try row.map { Float(try #require(($0 as? NSNumber)?.doubleValue)) } })
}

/// A float from a JSON number.
public func float(_ value: Any?) throws -> Float {
    Float(try #require((value as? NSNumber)?.doubleValue, "expected a number, got \(String(describing: value))"))
}

/// Ints from a JSON array.
public func ints(_ value: Any?) throws -> [Int] {
    try #require(value as? [Any]).map { try #require(($0 as? NSNumber)?.intValue) }
}

/// True when `a` and `b` agree within `relative` of the larger magnitude (or `absolute`, whichever is looser).
public func isClose(_ a: Float, _ b: Float, relative: Float = 1e-5, absolute: Float = 0) -> Bool {
    if a == b { return true }
    return abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)
}

/// Largest element-wise relative difference between two equally shaped matrices (∞ on a shape mismatch).
public func maxRelativeDifference(_ a: Matrix, _ b: Matrix) -> Float {
    guard a.rows == b.rows, a.columns == b.columns else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a.values, b.values) where x != y {
        worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    }
    return worst
}

/// The 100 points of `input_points.json` (in a test target's `bundle`) as float32.
public func inputPoints(in bundle: Bundle) throws -> Matrix {
    try matrix(try loadFixture("input_points", in: bundle)["points_float32"])
}
