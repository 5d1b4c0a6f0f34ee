import Foundation
import Testing
@testable import TFFormats

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
