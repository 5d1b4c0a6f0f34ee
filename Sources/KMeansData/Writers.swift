#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles
import KMeansCore

/// Writes `.npy` files that NumPy reads back bit for bit.
public enum NPYWriter {
    /// The bytes of a version 1.0 `.npy` file holding `matrix` as little-endian float32 in C order.
    public static func encode(_ matrix: Matrix) -> [UInt8] {
        var bytes = header(descr: "<f4", shape: "(\(matrix.rows), \(matrix.columns))")
        bytes.reserveCapacity(bytes.count + matrix.values.count * 4)
        for value in matrix.values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// The bytes of a version 1.0 `.npy` file holding `values` as a 1-D little-endian int64 array.
    public static func encode(indices values: [Int]) -> [UInt8] {
        var bytes = header(descr: "<i8", shape: "(\(values.count),)")
        for value in values {
            withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes `matrix` to `path` as float32 `.npy` (atomically: the file appears complete or not at all).
    public static func write(_ matrix: Matrix, to path: String) throws {
        try writeFile(encode(matrix), to: path)
    }

    /// Writes `values` to `path` as a 1-D int64 `.npy` (atomically).
    public static func write(indices values: [Int], to path: String) throws {
        try writeFile(encode(indices: values), to: path)
    }

    /// NumPy's layout: magic, version 1.0, little-endian length, then the dict padded with spaces and a newline
    /// so the data starts at a multiple of 64 bytes.
    private static func header(descr: String, shape: String) -> [UInt8] {
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return NPYHeader.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
    }
}

/// Formats matrices and index lists as CSV text.
public enum CSVWriter {
    /// `matrix` as CSV: an optional header row, then one line per row, values in Swift's shortest round-trip form.
    public static func format(_ matrix: Matrix, header: [String]? = nil, delimiter: Delimiter = .comma) -> String {
        let separator = delimiter == .whitespace ? " " : String(UnicodeScalar(delimiter.byte!))
        var text = ""
        if let header {
            text += header.map { escape($0, separator: separator) }.joined(separator: separator) + "\n"
        }
        for row in 0..<matrix.rows {
            text += matrix.row(row).map { "\($0)" }.joined(separator: separator)
            text += "\n"
        }
        return text
    }

    /// `indices` as a one-column CSV with an optional header.
    public static func format(indices: [Int], header: String? = "cluster_index") -> String {
        var text = header.map { escape($0, separator: ",") + "\n" } ?? ""
        for index in indices { text += "\(index)\n" }
        return text
    }

    /// Quotes a field when it holds the separator, a quote or a line break (RFC 4180).
    public static func escape(_ field: String, separator: String = ",") -> String {
        if field.contains(separator) || field.contains("\"") || field.contains("\n") || field.contains("\r") {
            return "\"" + field.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return field
    }

    /// Writes `text` to `path` atomically (`-` writes to standard output).
    public static func write(_ text: String, to path: String) throws {
        try writeFile(Array(text.utf8), to: path)
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers never see a partial file;
/// `-` writes to standard output.
public func writeFile(_ bytes: [UInt8], to path: String) throws {
    func failure(_ what: String) -> DataError {
        DataError(file: path, location: .file, kind: .io, message: "\(what): \(String(cString: strerror(errno)))")
    }
    if path == "-" {
        try writeAll(bytes, to: 1, failure: failure)
        return
    }
    do { try AtomicFile.write(bytes, to: path) } catch {
        let what = ["open": "cannot create", "write": "cannot write", "fsync": "cannot sync", "rename": "cannot rename into place"][error.operation] ?? "cannot write"
        throw DataError(file: path, location: .file, kind: .io, message: "\(what): \(error.message)")
    }
}

private func writeAll(_ bytes: [UInt8], to descriptor: Int32, failure: (String) -> DataError) throws {
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { raw in
            write(descriptor, raw.baseAddress! + written, raw.count - written)
        }
        if count < 0 {
            if errno == EINTR { continue }
            throw failure("write failed")
        }
        written += count
    }
}
