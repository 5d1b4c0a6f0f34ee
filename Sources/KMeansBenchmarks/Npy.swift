import Foundation
import KMeansCore
import KMeansData

/// The benchmark's `.npy` files: written straight from one `[Float]` (KMeansData's `NPYWriter` encodes the whole
/// file in memory first, which would hold a data set twice), read through KMeansData.
enum Npy {
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `values` (rows × columns, row-major) as a little-endian float32 `.npy` file.
    static func write(_ values: [Float], rows: Int, columns: Int, to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var prefix: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        prefix += [UInt8(length & 0xFF), UInt8(length >> 8)]
        prefix += Array(header.utf8)
        guard let file = fopen(path + ".tmp", "wb") else { throw FormatError(description: "cannot create \(path)") }
        var ok = fwrite(prefix, 1, prefix.count, file) == prefix.count
        values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { ok = ok && fwrite(base, 4, buffer.count, file) == buffer.count }
        }
        ok = fclose(file) == 0 && ok
        guard ok, rename(path + ".tmp", path) == 0 else { throw FormatError(description: "cannot write \(path)") }
    }

    /// Reads a 2-D `.npy` file through KMeansData (straight into one `[Float]` of the declared size); nil when the
    /// file does not exist.
    static func read(_ path: String) throws -> Matrix? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try DataReader(path: path, options: DataReadOptions(format: .npy)).readAll()
    }
}
