/// CRC-32C (Castagnoli), as TensorFlow and LevelDB use it, plus TensorFlow's masking of stored CRCs.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    private static let maskDelta: UInt32 = 0xA282_EAD8

    /// The CRC-32C of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        extend(0, bytes)
    }

    /// The CRC-32C of the concatenation of the data `crc` covered and `bytes`.
    public static func extend<Bytes: Sequence>(_ crc: UInt32, _ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var value = ~crc
        if let fast = bytes.withContiguousStorageIfAvailable({ buffer -> UInt32 in
            var c = value
            table.withUnsafeBufferPointer { table in
                for byte in buffer {
                    c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8)
                }
            }
            return c
        }) {
            value = fast
        } else {
            for byte in bytes {
                value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8)
            }
        }
        return ~value
    }

    /// TensorFlow's masked form of a CRC, the form stored in files (rotate right 15, add a constant).
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of `mask(_:)`.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }

    /// The masked CRC-32C of `bytes`.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        mask(checksum(bytes))
    }
}
