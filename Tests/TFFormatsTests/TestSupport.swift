import Foundation
import Testing
@testable import TFFormats

/// Deterministic generator for fuzz-style tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TestFiles {
    static var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }
    static var modelDirs: URL { fixtures.appendingPathComponent("tf-model-dirs") }

    /// A fresh, empty temporary directory.
    static func temporaryDirectory(_ label: String = #function) throws -> URL {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tfformats-tests-\(safe)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    static func write(_ bytes: [UInt8], to url: URL) throws { try Data(bytes).write(to: url) }

    /// Copies a fixture model dir to a writable temporary location.
    static func copyFixture(_ name: String) throws -> URL {
        let destination = try temporaryDirectory(name).appendingPathComponent(name)
        try FileManager.default.copyItem(at: modelDirs.appendingPathComponent(name), to: destination)
        return destination
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    let clean = hex.filter { !$0.isWhitespace }
    var bytes: [UInt8] = []
    var index = clean.startIndex
    while index < clean.endIndex {
        let next = clean.index(index, offsetBy: 2)
        bytes.append(UInt8(clean[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
