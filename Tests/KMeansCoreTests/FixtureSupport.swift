import Foundation
@_exported import KMeansTestSupport
@testable import KMeansCore

/// Loads a JSON fixture of this target (`Fixtures/<name>.json`).
func loadFixture(_ name: String) throws -> [String: Any] { try loadFixture(name, in: Bundle.module) }

/// The 100 points of this target's `input_points.json` as float32.
func inputPoints() throws -> Matrix { try inputPoints(in: Bundle.module) }
