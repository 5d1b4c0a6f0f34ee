import Foundation
import KMeansCore
@testable import KMeansData

/// A fresh temporary directory per test, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        try file(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name` and returns its path.
    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Reads `path` whole, returning the error instead of throwing it.
func loadError(_ path: String, _ options: DataReadOptions = DataReadOptions()) -> DataError? {
    dataError { _ = try DataLoader.load(path: path, options: options) }
}

/// The error `body` throws (any other error becomes an `.io` one saying so), or nil.
func dataError(_ body: () throws -> Void) -> DataError? {
    do {
        try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        return DataError(file: "?", location: .file, kind: .io, message: "unexpected \(error)")
    }
}

/// Builds a `.npy` file by hand: any version, descr, order, shape and raw data bytes.
func npyBytes(version: UInt8 = 1, descr: String, fortran: Bool = false, shape: String, data: [UInt8],
              headerOverride: String? = nil) -> [UInt8] {
    var dictionary = headerOverride ?? "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    let prefix = version == 1 ? 10 : 12
    dictionary += String(repeating: " ", count: (64 - (prefix + dictionary.utf8.count + 1) % 64) % 64) + "\n"
    let length = dictionary.utf8.count
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 {
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
    } else {
        bytes += [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
    }
    return bytes + Array(dictionary.utf8) + data
}

/// Little- or big-endian bytes of fixed-width values.
func rawBytes<T: FixedWidthInteger>(_ values: [T], bigEndian: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    for value in values {
        withUnsafeBytes(of: bigEndian ? value.bigEndian : value.littleEndian) { out.append(contentsOf: $0) }
    }
    return out
}
