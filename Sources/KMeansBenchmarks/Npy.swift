import Foundation

/// Minimal float32 C-order `.npy` (format 1.0) reader and writer, reading straight into and writing straight from
/// one `[Float]` so the benchmark never holds a second copy of a data set.
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

    /// Reads a float32 C-order 2-D `.npy` file; returns nil when it does not exist.
    static func read(_ path: String) throws -> (values: [Float], rows: Int, columns: Int)? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var magic = [UInt8](repeating: 0, count: 10)
        guard fread(&magic, 1, 10, file) == 10, magic[0] == 0x93, magic[6] == 1 else {
            throw FormatError(description: "\(path): not a version 1 .npy file")
        }
        let headerLength = Int(magic[8]) | Int(magic[9]) << 8
        var headerBytes = [UInt8](repeating: 0, count: headerLength)
        guard fread(&headerBytes, 1, headerLength, file) == headerLength else {
            throw FormatError(description: "\(path): truncated header")
        }
        let header = String(decoding: headerBytes, as: UTF8.self)
        guard header.contains("'<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw FormatError(description: "\(path): expected a float32 C-order array, header \(header)") }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard dims.count == 2 else { throw FormatError(description: "\(path): expected 2 dimensions, got \(dims)") }
        var values = [Float](repeating: 0, count: dims[0] * dims[1])
        let read = values.withUnsafeMutableBufferPointer { fread($0.baseAddress, 4, $0.count, file) }
        guard read == values.count else { throw FormatError(description: "\(path): truncated data") }
        return (values, dims[0], dims[1])
    }
}
