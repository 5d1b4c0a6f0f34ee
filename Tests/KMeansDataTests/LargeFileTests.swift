import Foundation
import KMeansCore
import Testing
@testable import KMeansData

/// Peak resident memory of this process so far, in bytes.
private func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// Streaming a generated 10-million-row file (opt-in: set `KMEANS_LARGE_TESTS=1`; `KMEANS_LARGE_ROWS` changes
/// the row count). The file is written to a temporary directory and removed afterwards.
@Suite("Large files", .enabled(if: ProcessInfo.processInfo.environment["KMEANS_LARGE_TESTS"] != nil))
struct LargeFileTests {
    let rows = Int(ProcessInfo.processInfo.environment["KMEANS_LARGE_ROWS"] ?? "") ?? 10_000_000

    @Test("a 10-million-row CSV streams in batches with bounded memory")
    func streamCSV() throws {
        let dir = try TemporaryDirectory()
        let path = dir.url.appendingPathComponent("big.csv").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        var chunk = "x,y\n"
        for i in 0..<rows {
            chunk += "\(i % 1000),\(i % 7).5\n"
            if chunk.utf8.count > 1 << 20 { handle.write(Data(chunk.utf8)); chunk = "" }
        }
        handle.write(Data(chunk.utf8))
        try handle.close()
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let before = peakResidentBytes()
        let reader = try DataReader(path: path)
        var batches = BatchIterator(reader: reader, batchSize: 10_000, cycles: false)
        var count = 0
        var sum: Double = 0
        while let batch = try batches.next() {
            count += batch.rows
            for r in 0..<batch.rows { sum += Double(batch[r, 0]) }
        }
        let growth = peakResidentBytes() - before
        #expect(count == rows)
        let expectedSum = (0..<rows).reduce(0.0) { $0 + Double($1 % 1000) }
        #expect(sum == expectedSum)
        // One read buffer and one batch, not the file: well under a tenth of a 100+ MB file.
        #expect(growth < 32 << 20, "peak memory grew by \(growth) bytes streaming a \(fileSize)-byte file")

        // A whole load holds the matrix once (sized from the file, not grown by doubling).
        let whole = try DataLoader.load(path: path).matrix
        #expect(whole.rows == rows)
        let wholeGrowth = peakResidentBytes() - before
        #expect(wholeGrowth < rows * 2 * 4 * 5 / 4 + (48 << 20), "peak grew by \(wholeGrowth) bytes for a \(rows * 8)-byte matrix")
    }

    @Test("a 10-million-row .npy streams with bounded memory, and loads whole into exactly one matrix")
    func streamNPY() throws {
        let dir = try TemporaryDirectory()
        let path = dir.url.appendingPathComponent("big.npy").path
        let columns = 2
        // Header, then the data written in chunks.
        let header = NPYWriter.encode(Matrix(rows: 0, columns: columns))
        var headerBytes = Array(header)
        let text = String(decoding: headerBytes[10...], as: UTF8.self).replacingOccurrences(of: "(0, 2)", with: "(\(rows), 2)")
        var dictionary = text.trimmingCharacters(in: .whitespacesAndNewlines)
        dictionary += String(repeating: " ", count: (64 - (10 + dictionary.utf8.count + 1) % 64) % 64) + "\n"
        headerBytes = Array(headerBytes[0..<8]) + [UInt8(dictionary.utf8.count & 0xFF), UInt8(dictionary.utf8.count >> 8)] + Array(dictionary.utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data(headerBytes))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        var buffer: [UInt8] = []
        for i in 0..<rows {
            for value in [Float(i % 1000), 0.5] { withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append(contentsOf: $0) } }
            if buffer.count >= 1 << 20 { handle.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
        }
        handle.write(Data(buffer))
        try handle.close()

        let before = peakResidentBytes()
        let reader = try DataReader(path: path)
        #expect(reader.declaredRowCount == rows)
        var count = 0
        while let batch = try reader.nextBatch(maxRows: 65_536) { count += batch.rows }
        #expect(count == rows)
        #expect(peakResidentBytes() - before < 32 << 20)
        let whole = try DataLoader.load(path: path).matrix
        #expect(whole.rows == rows)
        // The matrix itself (rows × 2 floats) plus small buffers, not a second copy.
        #expect(peakResidentBytes() - before < rows * columns * 4 + (48 << 20))
    }
}
