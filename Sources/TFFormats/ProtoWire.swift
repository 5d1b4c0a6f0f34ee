/// The protobuf wire format subset TensorFlow's checkpoint and event messages use.
enum ProtoWire {
    static let varint = 0
    static let fixed64 = 1
    static let lengthDelimited = 2
    static let fixed32 = 5
}

/// One decoded protobuf field.
struct ProtoField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ByteReader)
        case fixed32(UInt32)
    }

    let number: Int
    let value: Value
    /// Absolute offset of the field's key.
    let offset: Int

    var varintValue: UInt64? { if case .varint(let v) = value { v } else { nil } }
    var fixed32Value: UInt32? { if case .fixed32(let v) = value { v } else { nil } }
    var fixed64Value: UInt64? { if case .fixed64(let v) = value { v } else { nil } }
    var bytesReader: ByteReader? { if case .bytes(let r) = value { r } else { nil } }

    /// The field as a message/bytes payload, or a failure naming the field.
    func requireBytes(_ name: String) throws(DecodeFailure) -> ByteReader {
        guard let reader = bytesReader else { throw .invalid(offset: offset, reason: "field \(name) has the wrong wire type") }
        return reader
    }

    func requireVarint(_ name: String) throws(DecodeFailure) -> UInt64 {
        guard let value = varintValue else { throw .invalid(offset: offset, reason: "field \(name) has the wrong wire type") }
        return value
    }
}

/// Iterates the fields of one serialized message; unknown fields are returned too so callers can skip them.
struct ProtoReader {
    private var reader: ByteReader

    init(_ reader: ByteReader) { self.reader = reader }
    init(_ bytes: [UInt8]) { self.reader = ByteReader(bytes) }

    mutating func next() throws(DecodeFailure) -> ProtoField? {
        if reader.isAtEnd { return nil }
        let offset = reader.position
        let key = try reader.readVarint()
        let wireType = Int(key & 7)
        let number = key >> 3
        guard number > 0, number <= 0x1FFF_FFFF else {
            throw .invalid(offset: offset, reason: "invalid protobuf field number \(number)")
        }
        let value: ProtoField.Value
        switch wireType {
        case ProtoWire.varint: value = .varint(try reader.readVarint())
        case ProtoWire.fixed64: value = .fixed64(try reader.readFixed64())
        case ProtoWire.lengthDelimited:
            let length = try reader.readLength()
            value = .bytes(try reader.subReader(length))
        case ProtoWire.fixed32: value = .fixed32(try reader.readFixed32())
        default:
            throw .invalid(offset: offset, reason: "unsupported protobuf wire type \(wireType)")
        }
        return ProtoField(number: Int(number), value: value, offset: offset)
    }
}

extension ByteReader {
    /// The remaining bytes as an array.
    var remainingBytes: [UInt8] { Array(bytes[position..<end]) }
    /// The remaining bytes as a UTF-8 string (invalid sequences replaced).
    var remainingString: String { String(decoding: bytes[position..<end], as: UTF8.self) }
}

/// Builds a protobuf message field by field (callers write fields in ascending number order, as TF does).
struct ProtoWriter {
    var writer = ByteWriter()
    var bytes: [UInt8] { writer.bytes }

    private mutating func key(_ number: Int, _ wireType: Int) {
        writer.appendVarint(UInt64(number << 3 | wireType))
    }

    /// Writes a varint field, omitting a zero (proto3 default).
    mutating func varint(_ number: Int, _ value: UInt64) {
        guard value != 0 else { return }
        key(number, ProtoWire.varint)
        writer.appendVarint(value)
    }

    mutating func int64(_ number: Int, _ value: Int64) { varint(number, UInt64(bitPattern: value)) }

    /// Writes a double field, omitting +0.0 (proto3 default).
    mutating func double(_ number: Int, _ value: Double) {
        guard value.bitPattern != 0 else { return }
        key(number, ProtoWire.fixed64)
        writer.appendFixed64(value.bitPattern)
    }

    /// Writes a float field, omitting +0.0 (proto3 default).
    mutating func float(_ number: Int, _ value: Float) {
        guard value.bitPattern != 0 else { return }
        key(number, ProtoWire.fixed32)
        writer.appendFixed32(value.bitPattern)
    }

    mutating func fixed32(_ number: Int, _ value: UInt32) {
        guard value != 0 else { return }
        key(number, ProtoWire.fixed32)
        writer.appendFixed32(value)
    }

    /// Writes a string/bytes field, omitting an empty value (proto3 default).
    mutating func bytes<Bytes: Collection>(_ number: Int, _ value: Bytes) where Bytes.Element == UInt8 {
        guard !value.isEmpty else { return }
        message(number, value)
    }

    mutating func string(_ number: Int, _ value: String) { bytes(number, Array(value.utf8)) }

    /// Writes an embedded message, even when empty (a set message is always present).
    mutating func message<Bytes: Collection>(_ number: Int, _ value: Bytes) where Bytes.Element == UInt8 {
        key(number, ProtoWire.lengthDelimited)
        writer.appendVarint(UInt64(value.count))
        writer.append(contentsOf: value)
    }
}

extension ProtoWriter {
    /// Writes a varint field even when zero (a set `oneof` member is always present).
    mutating func varintPresent(_ number: Int, _ value: UInt64) {
        writer.appendVarint(UInt64(number << 3 | ProtoWire.varint))
        writer.appendVarint(value)
    }

    /// Writes a float field even when zero (a set `oneof` member is always present).
    mutating func floatPresent(_ number: Int, _ value: Float) {
        writer.appendVarint(UInt64(number << 3 | ProtoWire.fixed32))
        writer.appendFixed32(value.bitPattern)
    }

    /// Writes an int32/enum field (negative values as 10-byte varints, as protobuf does), omitting zero.
    mutating func int32(_ number: Int, _ value: Int32) { varint(number, UInt64(bitPattern: Int64(value))) }

    /// Writes a packed repeated varint field (omitted when empty).
    mutating func packedVarints(_ number: Int, _ values: [UInt64]) {
        guard !values.isEmpty else { return }
        var inner = ByteWriter()
        for value in values { inner.appendVarint(value) }
        message(number, inner.bytes)
    }

    /// Writes a packed repeated float field (omitted when empty).
    mutating func packedFloats(_ number: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var inner = ByteWriter()
        for value in values { inner.appendFixed32(value.bitPattern) }
        message(number, inner.bytes)
    }

    /// Writes one `map<string, Message>` entry ({1: key, 2: value}).
    mutating func mapEntry(_ number: Int, key: String, value: [UInt8]) {
        var entry = ProtoWriter()
        entry.string(1, key)
        entry.message(2, value)
        message(number, entry.bytes)
    }
}

extension ProtoField {
    /// A repeated varint field's values, packed or not.
    func varints(_ name: String) throws(DecodeFailure) -> [UInt64] {
        switch value {
        case .varint(let single): return [single]
        case .bytes(var reader):
            var values: [UInt64] = []
            while !reader.isAtEnd { values.append(try reader.readVarint()) }
            return values
        default: throw .invalid(offset: offset, reason: "field \(name) has the wrong wire type")
        }
    }

    /// A repeated float field's values, packed or not.
    func floats(_ name: String) throws(DecodeFailure) -> [Float] {
        switch value {
        case .fixed32(let single): return [Float(bitPattern: single)]
        case .bytes(var reader):
            guard reader.remaining % 4 == 0 else { throw .invalid(offset: offset, reason: "packed field \(name) is not a whole number of floats") }
            var values: [Float] = []
            values.reserveCapacity(reader.remaining / 4)
            while !reader.isAtEnd { values.append(Float(bitPattern: try reader.readFixed32())) }
            return values
        default: throw .invalid(offset: offset, reason: "field \(name) has the wrong wire type")
        }
    }

    /// The field as a UTF-8 string.
    func string(_ name: String) throws(DecodeFailure) -> String { try requireBytes(name).remainingString }

    /// A varint field as a 32-bit signed value (enums and int32 fields).
    func int32(_ name: String) throws(DecodeFailure) -> Int32 { Int32(truncatingIfNeeded: try requireVarint(name)) }

    /// One `map<string, Message>` entry: its key and the value's bytes.
    func mapEntry(_ name: String) throws(DecodeFailure) -> (key: String, value: ByteReader) {
        var reader = ProtoReader(try requireBytes(name))
        var key = ""
        var value = ByteReader([])
        while let field = try reader.next() {
            switch field.number {
            case 1: key = try field.string("\(name).key")
            case 2: value = try field.requireBytes("\(name).value")
            default: break
            }
        }
        return (key, value)
    }
}
