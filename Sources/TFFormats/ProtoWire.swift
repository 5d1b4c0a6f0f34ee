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
