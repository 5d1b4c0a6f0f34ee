import Foundation
import KMeansCore
import Testing
@testable import TFFormats

@Suite("Event files: golden bytes, TF1/TF2 fixtures, writer and incremental reader")
struct EventTests {
    static let goldenEvents = hexBytes("""
        1800000000000000a37f4b2209000040e384c2da411a0d627261696e2e457665
        6e743a3274c95c1a1a00000000000000129bd82d09000080e384c2da4110012a
        0d0a0b0a046c6f737315000048411b5d6b7a1a00000000000000129bd82d0900
        00c0e384c2da4110022a0d0a0b0a046c6f73731500005040a4c5a325
        """)

    static let goldenEvalEvents = hexBytes("""
        18 00 00 00 00 00 00 00 a3 7f 4b 22 09 00 00 40 e3 84 c2 da 41 1a 0d 62 72 61 69 6e 2e 45 76 65 6e 74 3a 32
        74 c9 5c 1a 28 00 00 00 00 00 00 00 ff 70 16 4a 09 00 00 c0 ed 84 c2 da 41 10 2a 2a 1b 0a 0b 0a 04 6c 6f 73 73
        15 00 00 40 40 0a 0c 0a 05 73 63 6f 72 65 15 00 00 40 40 dd f2 a4 69
        """)

    @Test func encoderReproducesGoldenTrainingEvents() {
        let wall = 1_795_822_477.0
        var bytes: [UInt8] = []
        bytes += TFRecord.frame(Event(wallTime: wall, step: 0, payload: .fileVersion("brain.Event:2")).encoded())
        bytes += TFRecord.frame(Event(wallTime: wall + 1, step: 1, payload: .summary([.simple("loss", 12.5)])).encoded())
        bytes += TFRecord.frame(Event(wallTime: wall + 2, step: 2, payload: .summary([.simple("loss", 3.25)])).encoded())
        #expect(bytes == Self.goldenEvents)
    }

    @Test func encoderReproducesGoldenEvalEvents() {
        var bytes: [UInt8] = []
        bytes += TFRecord.frame(Event(wallTime: 1_795_822_477.0, step: 0, payload: .fileVersion("brain.Event:2")).encoded())
        bytes += TFRecord.frame(Event(wallTime: 1_795_822_519.0, step: 42, payload: .summary([.simple("loss", 3), .simple("score", 3)])).encoded())
        #expect(bytes.count == 96)
        #expect(bytes == Self.goldenEvalEvents)
    }

    @Test func readerDecodesGoldenEvents() throws {
        let (records, consumed) = try TFRecord.records(in: Self.goldenEvents, path: "golden")
        #expect(records.count == 3 && consumed == Self.goldenEvents.count)
        let events = try records.map { try Event(decoding: $0, path: "golden") }
        #expect(events[0] == Event(wallTime: 1_795_822_477.0, step: 0, payload: .fileVersion("brain.Event:2")))
        #expect(events[2] == Event(wallTime: 1_795_822_479.0, step: 2, payload: .summary([.simple("loss", 3.25)])))
    }

    /// Every scalar of every event file in every fixture dir, as TensorBoard read them.
    @Test(arguments: ["events_tf1", "events_tf2", "kmeans_full_batch", "kmeans_minibatch_m1", "kmeans_minibatch_m3"])
    func fixtureEventsMatchExpectedJSON(_ name: String) throws {
        let directory = TestFiles.modelDirs.appendingPathComponent(name)
        let expected = try ExpectedJSON(directory)
        #expect(!expected.events.isEmpty)
        for (file, series) in expected.events {
            var simple: [String: [(Int64, Double)]] = [:]
            var tensors: [String: [(Int64, Double)]] = [:]
            for event in try EventFileReader.read(directory.appendingPathComponent(file)) {
                guard case .summary(let values) = event.payload else { continue }
                for value in values {
                    guard let scalar = value.scalar else { continue }
                    switch value.encoding {
                    case .simpleValue: simple[value.tag, default: []].append((event.step, scalar))
                    case .tensor: tensors[value.tag, default: []].append((event.step, scalar))
                    case nil: Issue.record("scalar without encoding")
                    }
                }
            }
            func same(_ a: [String: [(Int64, Double)]], _ b: [String: [(Int64, Double)]]) -> Bool {
                a.keys.sorted() == b.keys.sorted() && a.allSatisfy { tag, points in
                    let other = b[tag]!
                    return points.count == other.count && zip(points, other).allSatisfy { $0.0 == $1.0 && Float($0.1) == Float($1.1) }
                }
            }
            #expect(same(simple, series.scalars), "\(name)/\(file) simple_value scalars: \(simple)")
            #expect(same(tensors, series.tensors), "\(name)/\(file) tensor scalars: \(tensors)")
        }
    }

    @Test func writerNamesFilesLikeTensorFlowAndReadsBack() throws {
        let directory = try TestFiles.temporaryDirectory()
        let writer = try EventFileWriter(directory: directory, wallTime: 1_795_822_477.25, hostName: "host")
        try writer.writeScalars([("loss", 12.5)], step: 1, wallTime: 1_795_822_478)
        try writer.writeScalars([("loss", 3.0), ("score", 3.0)], step: 42, wallTime: 1_795_822_519)
        try writer.write(Event(wallTime: 1_795_822_520, step: 43, payload: .sessionLog(status: .start, checkpointPath: "")))
        try writer.sync()
        let name = writer.url.lastPathComponent
        #expect(name.hasPrefix("events.out.tfevents.1795822477.host."))
        #expect(EventFileReader.isEventFileName(name))
        // A second writer in the same second gets a different (later-sorting) file instead of truncating the first.
        let second = try EventFileWriter(directory: directory, wallTime: 1_795_822_477.9, hostName: "host")
        #expect(second.url != writer.url)
        #expect(second.url.lastPathComponent > name)
        writer.close()
        #expect(throws: TFFormatError.self) { try writer.writeScalars([("loss", 1)], step: 2) }

        let events = try EventFileReader.read(writer.url)
        #expect(events.count == 4)
        #expect(events[0].payload == .fileVersion("brain.Event:2"))
        #expect(events[0].wallTime == 1_795_822_477)
        #expect(events[3].payload == .sessionLog(status: .start, checkpointPath: ""))
        let scalars = try EventFileReader.scalars(writer.url)
        #expect(scalars["loss"]!.map(\.step) == [1, 42])
        #expect(scalars["loss"]!.map(\.value) == [12.5, 3.0])
        #expect(scalars["score"]!.map(\.value) == [3.0])
    }

    @Test func incrementalReaderWaitsForAnIncompleteTail() throws {
        let directory = try TestFiles.temporaryDirectory()
        let url = directory.appendingPathComponent("events.out.tfevents.1.test")
        let full = Self.goldenEvents
        let firstTwo = 40 + 42
        for cut in [firstTwo, firstTwo + 5, firstTwo + 12, full.count - 1] {
            try TestFiles.write(Array(full[..<cut]), to: url)
            let (events, next) = try EventFileReader.read(url, from: 0)
            #expect(events.count == 2, "cut at \(cut)")
            #expect(next == firstTwo)
        }
        try TestFiles.write(full, to: url)
        let (rest, end) = try EventFileReader.read(url, from: firstTwo)
        #expect(rest.count == 1 && end == full.count)
        #expect(rest[0].step == 2)
    }

    @Test func corruptedRecordsNameOffsetAndPart() throws {
        var badLength = Self.goldenEvents
        badLength[40 + 9] ^= 0x01  // inside record 1's length CRC
        #expect(throws: TFFormatError.recordChecksumMismatch(path: "f", recordOffset: 40, part: "length")) {
            try TFRecord.records(in: badLength, path: "f")
        }
        var badData = Self.goldenEvents
        badData[40 + 12 + 3] ^= 0x01  // inside record 1's payload
        #expect(throws: TFFormatError.recordChecksumMismatch(path: "f", recordOffset: 40, part: "data")) {
            try TFRecord.records(in: badData, path: "f")
        }
    }

    @Test func truncationAtEveryLengthNeverCrashes() throws {
        for length in 0...Self.goldenEvents.count {
            let prefix = Array(Self.goldenEvents[..<length])
            let (records, consumed) = try TFRecord.records(in: prefix, path: "t")
            #expect(consumed <= length)
            for record in records { _ = try Event(decoding: record, path: "t") }
        }
    }

    @Test func mutatedEventPayloadsNeverCrash() throws {
        var rng = SplitMix64(seed: 42)
        let record = Array(Self.goldenEvalEvents[52..<92])
        var decodedOrRejected = 0
        for _ in 0..<3000 {
            var mutated = record
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { mutated.removeLast(Int.random(in: 0..<mutated.count, using: &rng)) }
            do {
                _ = try Event(decoding: mutated, path: "fuzz")
            } catch {
                #expect(error.description.hasPrefix("fuzz: malformed"))
            }
            decodedOrRejected += 1
        }
        #expect(decodedOrRejected == 3000)
    }

    @Test func tf2ScalarTensorEncodingsAreDecoded() throws {
        // tensor {dtype: DT_FLOAT, tensor_shape {}, float_val: 2.5} and a double scalar via tensor_content.
        var floatTensor = ProtoWriter()
        floatTensor.varint(1, 1)
        floatTensor.message(2, [])
        floatTensor.float(5, 2.5)
        var doubleTensor = ProtoWriter()
        doubleTensor.varint(1, 2)
        doubleTensor.message(2, [])
        var content = ByteWriter()
        content.appendFixed64((0.125 as Double).bitPattern)
        doubleTensor.bytes(4, content.bytes)
        var stringTensor = ProtoWriter()
        stringTensor.varint(1, 7)
        stringTensor.message(2, [])
        var summary = ProtoWriter()
        for (tag, tensor) in [("f", floatTensor.bytes), ("d", doubleTensor.bytes), ("s", stringTensor.bytes)] {
            var value = ProtoWriter()
            value.string(1, tag)
            value.message(8, tensor)
            summary.message(1, value.bytes)
        }
        var event = ProtoWriter()
        event.int64(2, 9)
        event.message(5, summary.bytes)
        let decoded = try Event(decoding: event.bytes, path: "tf2")
        #expect(decoded.payload == .summary([
            SummaryValue(tag: "f", scalar: 2.5, encoding: .tensor),
            SummaryValue(tag: "d", scalar: 0.125, encoding: .tensor),
            SummaryValue(tag: "s", scalar: nil, encoding: nil),
        ]))
    }
}

@Suite("Event file errors name the record")
struct EventErrorLocationTests {
    @Test func malformedEventNamesItsRecordOffset() throws {
        let directory = try TestFiles.temporaryDirectory()
        let url = directory.appendingPathComponent("events.out.tfevents.1.bad")
        var bytes = TFRecord.frame(Event(wallTime: 1, step: 0, payload: .fileVersion("brain.Event:2")).encoded())
        let badOffset = bytes.count
        bytes += TFRecord.frame([0x0B, 0x00])  // wire type 3 (group): not valid in an Event
        try TestFiles.write(bytes, to: url)
        let error = try #require(throws: TFFormatError.self) { try EventFileReader.read(url) }
        guard case .malformed(let path, let detail) = error else { Issue.record("got \(error)"); return }
        #expect(path == url.path)
        #expect(detail.hasPrefix("event record at offset \(badOffset):"))
    }
}
