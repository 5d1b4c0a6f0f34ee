/// Appends little-endian integers, varints and raw bytes to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append<Bytes: Sequence>(contentsOf other: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    mutating func appendFixed32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendFixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    mutating func appendVarint(_ value: Int) { appendVarint(UInt64(bitPattern: Int64(value))) }
}

/// Why bytes could not be decoded; callers turn it into a `TFFormatError` naming the file.
enum DecodeFailure: Error, Equatable {
    /// Wanted `needed` bytes at `offset`, only `available` remain.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A varint longer than its type allows, at `offset`.
    case malformedVarint(offset: Int)
    /// Structurally invalid content at `offset`.
    case invalid(offset: Int, reason: String)

    /// A one-line description, without the file name.
    var message: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "truncated at offset \(offset): needs \(needed) bytes, only \(available) remain"
        case .malformedVarint(let offset):
            "malformed varint at offset \(offset)"
        case .invalid(let offset, let reason):
            "\(reason) (at offset \(offset))"
        }
    }
}

/// Reads little-endian integers and varints from a byte range, bounds-checked and alignment-free.
struct ByteReader {
    let bytes: [UInt8]
    /// Absolute position of the next byte to read.
    private(set) var position: Int
    /// Absolute position one past the last readable byte.
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let range = range ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "reader range outside its bytes")
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    private func require(_ count: Int) throws(DecodeFailure) {
        if count < 0 || count > remaining {
            throw .truncated(offset: position, needed: count, available: remaining)
        }
    }

    mutating func readByte() throws(DecodeFailure) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readFixed32() throws(DecodeFailure) -> UInt32 {
        try require(4)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * index) }
        position += 4
        return value
    }

    mutating func readFixed64() throws(DecodeFailure) -> UInt64 {
        try require(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * index) }
        position += 8
        return value
    }

    /// Reads a varint of at most `maxBytes` bytes (10 for 64-bit values, 5 for 32-bit).
    mutating func readVarint(maxBytes: Int = 10) throws(DecodeFailure) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<maxBytes {
            guard position < end else {
                throw .truncated(offset: start, needed: index + 1, available: end - start)
            }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw .malformedVarint(offset: start) }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .malformedVarint(offset: start)
    }

    /// Reads a varint32 (as LevelDB block entries use) and returns it as an `Int`.
    mutating func readVarint32() throws(DecodeFailure) -> Int {
        let start = position
        let value = try readVarint(maxBytes: 5)
        guard value <= UInt64(UInt32.max) else { throw .malformedVarint(offset: start) }
        return Int(value)
    }

    /// Reads a varint that must fit a non-negative `Int`.
    mutating func readLength() throws(DecodeFailure) -> Int {
        let start = position
        let value = try readVarint()
        guard value <= UInt64(Int.max) else { throw .malformedVarint(offset: start) }
        return Int(value)
    }

    mutating func readBytes(_ count: Int) throws(DecodeFailure) -> ArraySlice<UInt8> {
        try require(count)
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// Returns a reader over the next `count` bytes and skips them here.
    mutating func subReader(_ count: Int) throws(DecodeFailure) -> ByteReader {
        try require(count)
        defer { position += count }
        return ByteReader(bytes, range: position..<(position + count))
    }

    mutating func skip(_ count: Int) throws(DecodeFailure) {
        try require(count)
        position += count
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hex, for messages and tests.
    var hexString: String { map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined() }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
