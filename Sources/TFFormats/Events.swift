import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// TFRecord framing: `fixed64 length ‖ masked crc(length) ‖ data ‖ masked crc(data)`.
public enum TFRecord {
    /// Frames one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendFixed64(UInt64(data.count))
        let lengthBytes = writer.bytes
        writer.appendFixed32(CRC32C.maskedChecksum(lengthBytes))
        writer.append(contentsOf: data)
        writer.appendFixed32(CRC32C.maskedChecksum(data))
        return writer.bytes
    }

    /// The records in `bytes`, plus the offset after the last complete record. An incomplete final record (a file
    /// still being written) ends the list without error; a bad CRC is an error. `baseOffset` is the position of
    /// `bytes` in the file, for messages.
    public static func records(in bytes: [UInt8], path: String, baseOffset: Int = 0) throws(TFFormatError) -> (records: [[UInt8]], consumed: Int) {
        let (located, consumed) = try locatedRecords(in: bytes, path: path, baseOffset: baseOffset)
        return (located.map(\.data), consumed)
    }

    /// Like `records(in:path:baseOffset:)`, with each record's offset in the file.
    static func locatedRecords(in bytes: [UInt8], path: String, baseOffset: Int = 0) throws(TFFormatError) -> (records: [(offset: Int, data: [UInt8])], consumed: Int) {
        let scan = scan(bytes, path: path, baseOffset: baseOffset)
        if let damage = scan.damage { throw damage }
        return (scan.records, scan.consumed)
    }

    /// The complete records in `bytes` up to the first damaged one, the offset after the last good record, and
    /// the checksum error that stopped the scan (nil when it stopped at the end or at an incomplete record).
    static func scan(_ bytes: [UInt8], path: String, baseOffset: Int = 0) -> (records: [(offset: Int, data: [UInt8])], consumed: Int, damage: TFFormatError?) {
        var records: [(offset: Int, data: [UInt8])] = []
        var reader = ByteReader(bytes)
        while reader.remaining >= 12 {
            let start = reader.position
            let lengthBytes = Array(bytes[start..<(start + 8)])
            let length = (try? reader.readFixed64()) ?? 0
            let lengthCRC = (try? reader.readFixed32()) ?? 0
            guard CRC32C.unmask(lengthCRC) == CRC32C.checksum(lengthBytes) else {
                return (records, start, .recordChecksumMismatch(path: path, recordOffset: baseOffset + start, part: "length"))
            }
            guard length <= UInt64(reader.remaining), Int(length) + 4 <= reader.remaining else {
                // Incomplete tail: TensorBoard waits for the writer to finish it.
                return (records, start, nil)
            }
            let data = Array((try? reader.readBytes(Int(length))) ?? [])
            let dataCRC = (try? reader.readFixed32()) ?? 0
            guard CRC32C.unmask(dataCRC) == CRC32C.checksum(data) else {
                return (records, start, .recordChecksumMismatch(path: path, recordOffset: baseOffset + start, part: "data"))
            }
            records.append((baseOffset + start, data))
        }
        return (records, reader.position, nil)
    }
}

/// One value of a `Summary`: a tag and, when it is a scalar, its value and how it was encoded.
public struct SummaryValue: Sendable, Equatable {
    /// How a scalar was encoded.
    public enum Encoding: Sendable, Equatable {
        /// TF1 / Estimator: `simple_value` (a float32).
        case simpleValue
        /// TF2 `tf.summary.scalar`: a rank-0 (or one-element) float or double `tensor`.
        case tensor
    }

    /// The summary tag (`loss`, `score`, `loss/raw`…).
    public var tag: String
    /// The scalar, or nil for non-scalar values (images, histograms, string tensors…).
    public var scalar: Double?
    /// How the scalar was stored; nil for non-scalar values.
    public var encoding: Encoding?

    /// A scalar value written as `simple_value`.
    public static func simple(_ tag: String, _ value: Float) -> SummaryValue {
        SummaryValue(tag: tag, scalar: Double(value), encoding: .simpleValue)
    }

    /// Creates a value.
    public init(tag: String, scalar: Double?, encoding: Encoding?) {
        self.tag = tag
        self.scalar = scalar
        self.encoding = encoding
    }
}

/// The `SessionLog` status values.
public enum SessionStatus: Int, Sendable, Equatable {
    /// Unspecified.
    case unspecified = 0
    /// A (re)start; TensorBoard drops points at or after this step from earlier runs.
    case start = 1
    /// A stop.
    case stop = 2
    /// A checkpoint was written.
    case checkpoint = 3
}

/// One TensorFlow `Event` record (only the parts this package uses are decoded; others are kept as `.other`).
public struct Event: Sendable, Equatable {
    /// What the event carries.
    public enum Payload: Sendable, Equatable {
        /// `file_version` (the first record: `brain.Event:2`).
        case fileVersion(String)
        /// A `Summary` with its values.
        case summary([SummaryValue])
        /// A `SessionLog`.
        case sessionLog(status: SessionStatus, checkpointPath: String)
        /// Graph defs, run metadata, log messages and anything unknown.
        case other
    }

    /// Seconds since the epoch.
    public var wallTime: Double
    /// The global step.
    public var step: Int64
    /// The content.
    public var payload: Payload

    /// Creates an event.
    public init(wallTime: Double, step: Int64, payload: Payload) {
        self.wallTime = wallTime
        self.step = step
        self.payload = payload
    }

    /// The serialized `Event` proto (scalars are written as `simple_value`).
    public func encoded() -> [UInt8] {
        var event = ProtoWriter()
        event.double(1, wallTime)
        event.int64(2, step)
        switch payload {
        case .fileVersion(let version):
            event.message(3, Array(version.utf8))
        case .summary(let values):
            var summary = ProtoWriter()
            for value in values {
                var entry = ProtoWriter()
                entry.string(1, value.tag)
                if let scalar = value.scalar {
                    // simple_value is always written (even 0.0): it selects the oneof case.
                    var bits = ByteWriter()
                    bits.appendVarint(UInt64(2 << 3 | ProtoWire.fixed32))
                    bits.appendFixed32(Float(scalar).bitPattern)
                    entry.writer.append(contentsOf: bits.bytes)
                }
                summary.message(1, entry.bytes)
            }
            event.message(5, summary.bytes)
        case .sessionLog(let status, let checkpointPath):
            var log = ProtoWriter()
            log.varint(1, UInt64(status.rawValue))
            log.string(2, checkpointPath)
            event.message(7, log.bytes)
        case .other:
            break
        }
        return event.bytes
    }

    /// Decodes a serialized `Event`; `path` and `offset` locate it for error messages.
    public init(decoding bytes: [UInt8], path: String, offset: Int = 0) throws(TFFormatError) {
        var wallTime = 0.0
        var step: Int64 = 0
        var payload = Payload.other
        do {
            var fields = ProtoReader(bytes)
            while let field = try fields.next() {
                switch field.number {
                case 1:
                    guard let bits = field.fixed64Value else { throw DecodeFailure.invalid(offset: field.offset, reason: "wall_time has the wrong wire type") }
                    wallTime = Double(bitPattern: bits)
                case 2: step = Int64(bitPattern: try field.requireVarint("step"))
                case 3: payload = .fileVersion(try field.requireBytes("file_version").remainingString)
                case 5: payload = .summary(try Self.decodeSummary(try field.requireBytes("summary")))
                case 7: payload = try Self.decodeSessionLog(try field.requireBytes("session_log"))
                case 4, 6, 8, 9: payload = .other
                default: continue
                }
            }
        } catch let failure as DecodeFailure {
            throw .malformed(path: path, detail: "event record at offset \(offset): \(failure.message)")
        } catch {
            throw .malformed(path: path, detail: "event record at offset \(offset): \(error)")
        }
        self.init(wallTime: wallTime, step: step, payload: payload)
    }

    private static func decodeSessionLog(_ reader: ByteReader) throws(DecodeFailure) -> Payload {
        var status = SessionStatus.unspecified
        var path = ""
        var fields = ProtoReader(reader)
        while let field = try fields.next() {
            switch field.number {
            case 1: status = SessionStatus(rawValue: Int(truncatingIfNeeded: try field.requireVarint("status"))) ?? .unspecified
            case 2: path = try field.requireBytes("checkpoint_path").remainingString
            default: continue
            }
        }
        return .sessionLog(status: status, checkpointPath: path)
    }

    private static func decodeSummary(_ reader: ByteReader) throws(DecodeFailure) -> [SummaryValue] {
        var values: [SummaryValue] = []
        var fields = ProtoReader(reader)
        while let field = try fields.next() {
            guard field.number == 1 else { continue }
            var value = SummaryValue(tag: "", scalar: nil, encoding: nil)
            var entry = ProtoReader(try field.requireBytes("value"))
            while let part = try entry.next() {
                switch part.number {
                case 1: value.tag = try part.requireBytes("tag").remainingString
                case 2:
                    guard let bits = part.fixed32Value else { throw .invalid(offset: part.offset, reason: "simple_value has the wrong wire type") }
                    value.scalar = Double(Float(bitPattern: bits))
                    value.encoding = .simpleValue
                case 3, 4, 5, 6:
                    value.scalar = nil
                    value.encoding = nil
                case 8:
                    if let scalar = try decodeScalarTensor(try part.requireBytes("tensor")) {
                        value.scalar = scalar
                        value.encoding = .tensor
                    } else {
                        value.scalar = nil
                        value.encoding = nil
                    }
                default: continue
                }
            }
            values.append(value)
        }
        return values
    }

    /// The value of a float/double `TensorProto` holding exactly one element, else nil.
    private static func decodeScalarTensor(_ reader: ByteReader) throws(DecodeFailure) -> Double? {
        var dtype: UInt64 = 0
        var elementCount = 1
        var content: [UInt8]?
        var floats: [Float] = []
        var doubles: [Double] = []
        var fields = ProtoReader(reader)
        while let field = try fields.next() {
            switch field.number {
            case 1: dtype = try field.requireVarint("dtype")
            case 2:
                let shape = try TensorBundleReader.parseShape(try field.requireBytes("tensor_shape"))
                elementCount = BundleEntry.elementCount(of: shape) ?? 0
            case 4: content = try field.requireBytes("tensor_content").remainingBytes
            case 5:
                if let bits = field.fixed32Value {
                    floats.append(Float(bitPattern: bits))
                } else if var packed = field.bytesReader {
                    while !packed.isAtEnd && floats.count < 2 { floats.append(Float(bitPattern: try packed.readFixed32())) }
                }
            case 6:
                if let bits = field.fixed64Value {
                    doubles.append(Double(bitPattern: bits))
                } else if var packed = field.bytesReader {
                    while !packed.isAtEnd && doubles.count < 2 { doubles.append(Double(bitPattern: try packed.readFixed64())) }
                }
            default: continue
            }
        }
        guard elementCount == 1 else { return nil }
        switch dtype {
        case 1:
            if let content {
                guard content.count == 4 else { return nil }
                var bytes = ByteReader(content)
                return Double(Float(bitPattern: try bytes.readFixed32()))
            }
            return floats.count == 1 ? Double(floats[0]) : nil
        case 2:
            if let content {
                guard content.count == 8 else { return nil }
                var bytes = ByteReader(content)
                return Double(bitPattern: try bytes.readFixed64())
            }
            return doubles.count == 1 ? doubles[0] : nil
        default:
            return nil
        }
    }
}

/// Reads event files, whole or incrementally (for polling a file that is still being written).
public enum EventFileReader {
    /// All complete events in the file. An incomplete final record is ignored, as TensorBoard does.
    public static func read(_ url: URL) throws(TFFormatError) -> [Event] {
        try read(url, from: 0).events
    }

    /// The complete events from `offset` on, and the offset to resume from next time.
    public static func read(_ url: URL, from offset: Int) throws(TFFormatError) -> (events: [Event], nextOffset: Int) {
        let bytes = try FileIO.readTail(url, from: offset)
        let (records, consumed) = try TFRecord.locatedRecords(in: bytes, path: url.path, baseOffset: offset)
        var events: [Event] = []
        events.reserveCapacity(records.count)
        for record in records {
            events.append(try Event(decoding: record.data, path: url.path, offset: record.offset))
        }
        return (events, offset + consumed)
    }

    /// Every scalar in the file as `tag → [(step, value)]`, in file order; non-scalar values are skipped.
    public static func scalars(_ url: URL) throws(TFFormatError) -> [String: [(step: Int64, value: Double)]] {
        var result: [String: [(step: Int64, value: Double)]] = [:]
        for event in try read(url) {
            guard case .summary(let values) = event.payload else { continue }
            for value in values {
                if let scalar = value.scalar { result[value.tag, default: []].append((event.step, scalar)) }
            }
        }
        return result
    }

    /// Whether a file name is an event file by TensorBoard's rule (the name contains `tfevents`).
    public static func isEventFileName(_ name: String) -> Bool { name.contains("tfevents") }
}

/// Writes one TensorFlow event file: `brain.Event:2` first, then one flushed record per event.
/// Not thread-safe; use from one task at a time.
public final class EventFileWriter {
    /// The file being written.
    public let url: URL
    private var descriptor: Int32

    /// Creates `directory` if needed and a new file named as TensorFlow does
    /// (`events.out.tfevents.<10-digit seconds>.<host>`) plus `.<pid>.<n>.swift`, `n` making it unique;
    /// `hostName` defaults to `gethostname()`.
    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970, hostName: String? = nil) throws(TFFormatError) {
        try FileIO.createDirectory(directory)
        let seconds = String(max(0, Int(wallTime.rounded(.down)))).leftPadded(to: 10)
        let host = String((hostName ?? FileIO.hostName()).map { $0 == "/" || $0 == "\0" ? "_" : $0 })
        var attempt = 0
        while true {
            let name = "events.out.tfevents.\(seconds).\(host).\(getpid()).\(String(attempt).leftPadded(to: 3)).swift"
            let candidate = directory.appendingPathComponent(name)
            let fd = candidate.path.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
            if fd >= 0 {
                url = candidate
                descriptor = fd
                break
            }
            guard errno == EEXIST, attempt < 999 else {
                throw .io(path: candidate.path, operation: "create", message: FileIO.errnoMessage())
            }
            attempt += 1
        }
        try write(Event(wallTime: wallTime.rounded(.down), step: 0, payload: .fileVersion("brain.Event:2")))
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends one event and hands it to the kernel.
    public func write(_ event: Event) throws(TFFormatError) {
        guard descriptor >= 0 else { throw .io(path: url.path, operation: "write", message: "writer is closed") }
        try FileIO.writeFully(descriptor, TFRecord.frame(event.encoded()), path: url.path)
    }

    /// Appends a summary of scalars (`simple_value`) at `step`.
    public func writeScalars(_ scalars: [(tag: String, value: Float)], step: Int64, wallTime: Double = Date().timeIntervalSince1970) throws(TFFormatError) {
        try write(Event(wallTime: wallTime, step: step, payload: .summary(scalars.map { SummaryValue.simple($0.tag, $0.value) })))
    }

    /// Forces written events to disk.
    public func sync() throws(TFFormatError) {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else { throw .io(path: url.path, operation: "fsync", message: FileIO.errnoMessage()) }
    }

    /// Closes the file; further writes throw.
    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}
