import Foundation
import Testing
import KMeansData

/// The one atomic writer, through KMeansData's `writeFile`.
@Suite("Atomic writes")
struct AtomicWriteTests {
    @Test("a regular file is replaced whole; a device such as /dev/null is written in place, never replaced by a file")
    func devicesStayDevices() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("out.txt").path
        try writeFile(Array("old".utf8), to: file)
        try writeFile(Array("new text".utf8), to: file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "new text")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.txt"], "no temporary file left")
        try writeFile(Array("discarded".utf8), to: "/dev/null")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)
        #expect(throws: (any Error).self) { try writeFile([1], to: directory.appendingPathComponent("missing/dir/x").path) }
    }
}
