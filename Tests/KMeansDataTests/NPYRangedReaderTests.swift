import Testing
import KMeansCore
@testable import KMeansData

/// `NPYRangedReader`: rows by range equal the whole-file reader's, and files it cannot stream are refused by name.
@Suite("NPY ranged reader")
struct NPYRangedReaderTests {
    @Test("any row range reads the same values as the whole-file reader")
    func rangesEqualWholeFile() throws {
        let directory = try TemporaryDirectory()
        let values = (0..<(37 * 5)).map { Float($0) * 0.37 - 11 }
        let path = try directory.file("x.npy", bytes: NPYWriter.encode(Matrix(rows: 37, columns: 5, values: values)))
        let reader = try NPYRangedReader(path: path)
        #expect(reader.rows == 37 && reader.columns == 5)
        let whole = try DataReader(path: path, options: DataReadOptions(format: .npy)).readAll()
        for range in [0..<37, 0..<1, 13..<29, 36..<37] {
            var buffer = [Float](repeating: .nan, count: range.count * 5)
            try buffer.withUnsafeMutableBufferPointer { try reader.read(rows: range, into: $0) }
            #expect(buffer == Array(whole.values[(range.lowerBound * 5)..<(range.upperBound * 5)]), "rows \(range)")
        }
    }

    @Test("a float64 or truncated file is refused with the file named")
    func refusesWhatItCannotStream() throws {
        let directory = try TemporaryDirectory()
        let ints = try directory.file("i.npy", bytes: NPYWriter.encode(indices: [1, 2, 3]))
        #expect(throws: DataError.self) { try NPYRangedReader(path: ints) }
        let bytes = NPYWriter.encode(Matrix(rows: 10, columns: 2, values: [Float](repeating: 1, count: 20)))
        let truncated = try directory.file("t.npy", bytes: Array(bytes.dropLast(5)))
        do {
            _ = try NPYRangedReader(path: truncated)
            Issue.record("a truncated file was accepted")
        } catch let error as DataError {
            #expect(error.kind == .sizeMismatch)
            #expect(error.description.contains("t.npy"))
        }
    }
}
