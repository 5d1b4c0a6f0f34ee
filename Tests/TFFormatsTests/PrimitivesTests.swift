import KMeansCore
import Testing
@testable import TFFormats

@Suite("CRC32C, varints and protobuf wire primitives")
struct PrimitivesTests {
    @Test func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func extendEqualsChecksumOfConcatenation() {
        let a = Array("hello, ".utf8)
        let b = Array("tensor bundle".utf8)
        #expect(CRC32C.extend(CRC32C.checksum(a), b) == CRC32C.checksum(a + b))
    }

    @Test func maskMatchesTensorFlowVectors() {
        // Masked CRC of the 8-byte length 26 (tf-formats.md §8).
        #expect(CRC32C.maskedChecksum([0x1A, 0, 0, 0, 0, 0, 0, 0]) == 0x2DD8_9B12)
        // Empty block trailer: crc over `00 00 00 00 01 00 00 00 00` (contents + type byte).
        #expect(CRC32C.maskedChecksum([0, 0, 0, 0, 1, 0, 0, 0, 0]) == 0xB0A1_F2C0)
        #expect(CRC32C.mask(0) == 0xA282_EAD8)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let value = UInt32.random(in: 0...UInt32.max, using: &rng)
            #expect(CRC32C.unmask(CRC32C.mask(value)) == value)
        }
    }

    @Test func varintEncodingAndDecoding() throws {
        let cases: [(UInt64, [UInt8])] = [(0, [0]), (127, [0x7F]), (128, [0x80, 0x01]), (129, [0x81, 0x01]), (194, [0xC2, 0x01]),
                                          (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])]
        for (value, bytes) in cases {
            var writer = ByteWriter()
            writer.appendVarint(value)
            #expect(writer.bytes == bytes)
            var reader = ByteReader(bytes)
            #expect(try reader.readVarint() == value)
            #expect(reader.isAtEnd)
        }
    }

    @Test func malformedVarintsAreRejected() {
        var tooLong = ByteReader([UInt8](repeating: 0x80, count: 11))
        #expect(throws: DecodeFailure.self) { try tooLong.readVarint() }
        var overflow = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: DecodeFailure.malformedVarint(offset: 0)) { try overflow.readVarint() }
        var truncated = ByteReader([0x80, 0x80])
        #expect(throws: DecodeFailure.self) { try truncated.readVarint() }
        var tooBig32 = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: DecodeFailure.self) { try tooBig32.readVarint32() }
    }

    @Test func protoReaderSkipsUnknownFieldsAndRejectsGroups() throws {
        var writer = ProtoWriter()
        writer.varint(1, 300)
        writer.double(9, 2.5)
        writer.string(15, "unknown")
        writer.fixed32(6, 0xDEAD_BEEF)
        var reader = ProtoReader(writer.bytes)
        var numbers: [Int] = []
        while let field = try reader.next() { numbers.append(field.number) }
        #expect(numbers == [1, 9, 15, 6])

        var group = ProtoReader([0x0B])  // field 1, wire type 3 (start group)
        #expect(throws: DecodeFailure.self) { try group.next() }
        var lyingLength = ProtoReader([0x0A, 0x7F, 0x01])
        #expect(throws: DecodeFailure.self) { try lyingLength.next() }
    }
}
