import Foundation
import Testing
@testable import TFFormats

/// Reading event files while they grow: a partial record is waited for, a damaged one reported only if it stays.
@Suite("Event file tail")
struct EventFileTailTests {
    /// An event file with a few scalar summaries, as bytes, and its events.
    private func sampleFile(in directory: URL) throws -> (bytes: [UInt8], events: [Event]) {
        let writer = try EventFileWriter(directory: directory, wallTime: 1_700_000_000, hostName: "test")
        for step in 1...12 {
            try writer.writeScalars([("loss", Float(100 - step) * 1.5), ("score", Float(step))], step: Int64(step), wallTime: 1_700_000_000 + Double(step))
        }
        writer.close()
        let bytes = try TestFiles.bytes(writer.url)
        return (bytes, try EventFileReader.read(writer.url))
    }

    @Test("an event file read after every single appended byte yields every event once, in order, with no problem")
    func byteByByte() throws {
        let directory = try TestFiles.temporaryDirectory()
        let (bytes, expected) = try sampleFile(in: directory.appendingPathComponent("source"))
        #expect(expected.count == 13)
        let growing = directory.appendingPathComponent("events.out.tfevents.1700000000.growing")
        let handle = try #require(FileManager.default.createFile(atPath: growing.path, contents: nil) ? FileHandle(forWritingTo: growing) : nil)
        defer { try? handle.close() }
        var tail = EventFileTail(url: growing)
        var seen: [Event] = []
        var completedAt: [Int] = []
        for (index, byte) in bytes.enumerated() {
            try handle.write(contentsOf: [byte])
            let (events, problem) = tail.readNew()
            #expect(problem == nil, "byte \(index): \(problem ?? "")")
            if !events.isEmpty { completedAt.append(index + 1) }
            seen += events
        }
        #expect(seen == expected)
        // Each event arrives exactly when its record's last byte is written.
        var ends: [Int] = []
        var offset = 0
        while offset < bytes.count {
            let length = Int(bytes[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            offset += 16 + length
            ends.append(offset)
        }
        #expect(completedAt == ends)
        #expect(tail.offset == bytes.count)
        #expect(tail.readNew().events.isEmpty)
    }

    @Test("a damaged record is reported once, only after it stays damaged, and the events before it are read")
    func damagedRecordAfterPatience() throws {
        let directory = try TestFiles.temporaryDirectory()
        let sample = try sampleFile(in: directory)
        var bytes = sample.bytes
        let expected = sample.events
        let file = directory.appendingPathComponent("events.out.tfevents.1700000000.damaged")
        // Flip a byte in the data of the 6th record.
        var offset = 0
        for _ in 0..<5 {
            let length = Int(bytes[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            offset += 16 + length
        }
        bytes[offset + 14] ^= 0x40
        try TestFiles.write(bytes, to: file)
        var tail = EventFileTail(url: file, patience: 3)
        let first = tail.readNew()
        #expect(first.events == Array(expected.prefix(5)))
        #expect(first.problem == nil)
        #expect(tail.readNew().problem == nil)
        let third = try #require(tail.readNew().problem)
        #expect(third.contains(file.path) && third.contains("offset \(offset)"), "\(third)")
        #expect(tail.readNew().problem == nil, "reported twice")
        #expect(tail.readNew().events.isEmpty)
    }

    @Test("a replaced (shorter) file is read again from its start; a deleted one yields nothing")
    func replacedAndDeleted() throws {
        let directory = try TestFiles.temporaryDirectory()
        let (bytes, expected) = try sampleFile(in: directory)
        let file = directory.appendingPathComponent("events.out.tfevents.1700000000.replaced")
        try TestFiles.write(bytes, to: file)
        var tail = EventFileTail(url: file)
        #expect(tail.readNew().events == expected)
        let firstRecordLength = 16 + Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        try TestFiles.write(Array(bytes.prefix(firstRecordLength)), to: file)
        #expect(tail.readNew().events == [expected[0]])
        try FileManager.default.removeItem(at: file)
        let gone = tail.readNew()
        #expect(gone.events.isEmpty && gone.problem == nil)
    }
}
