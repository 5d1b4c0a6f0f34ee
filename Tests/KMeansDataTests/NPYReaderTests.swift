import Foundation
import KMeansCore
import Testing
@testable import KMeansData

@Suite("NumPy .npy files")
struct NPYReaderTests {
    @Test("every supported dtype reads as Float", arguments: [
        ("<f4", rawBytes([Float(1.5).bitPattern, Float(-2).bitPattern, Float(3).bitPattern, Float(0.25).bitPattern])),
        (">f4", rawBytes([Float(1.5).bitPattern, Float(-2).bitPattern, Float(3).bitPattern, Float(0.25).bitPattern], bigEndian: true)),
        ("<f8", rawBytes([Double(1.5).bitPattern, Double(-2).bitPattern, Double(3).bitPattern, Double(0.25).bitPattern])),
        (">f8", rawBytes([Double(1.5).bitPattern, Double(-2).bitPattern, Double(3).bitPattern, Double(0.25).bitPattern], bigEndian: true)),
        ("<f2", rawBytes([UInt16(0x3E00), 0xC000, 0x4200, 0x3400])),
    ])
    func floatTypes(descr: String, data: [UInt8]) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("a.npy", bytes: npyBytes(descr: descr, shape: "(2, 2)", data: data))
        let loaded = try DataLoader.load(path: path)
        #expect(loaded.format == .npy)
        #expect(loaded.matrix == Matrix([[1.5, -2], [3, 0.25]]))
    }

    @Test("integer and bool dtypes read as Float", arguments: [
        ("|i1", rawBytes([Int8(-3), 4])), ("<i2", rawBytes([Int16(-3), 4])), (">i2", rawBytes([Int16(-3), 4], bigEndian: true)),
        ("<i4", rawBytes([Int32(-3), 4])), (">i4", rawBytes([Int32(-3), 4], bigEndian: true)), ("<i8", rawBytes([Int64(-3), 4])),
        ("|u1", rawBytes([UInt8(253), 4])), ("<u2", rawBytes([UInt16(253), 4])), ("<u4", rawBytes([UInt32(253), 4])),
        (">u8", rawBytes([UInt64(253), 4], bigEndian: true)), ("|b1", [1, 0]),
    ])
    func integerTypes(descr: String, data: [UInt8]) throws {
        let dir = try TemporaryDirectory()
        let loaded = try DataLoader.load(path: try dir.file("i.npy", bytes: npyBytes(descr: descr, shape: "(2,)", data: data)))
        let expected: [Float]
        switch descr {
        case "|u1", "<u2", "<u4", ">u8": expected = [253, 4]
        case "|b1": expected = [1, 0]
        default: expected = [-3, 4]
        }
        #expect(loaded.matrix == Matrix(rows: 2, columns: 1, values: expected))
    }

    @Test("versions 2.0 and 3.0 headers read")
    func versions() throws {
        let dir = try TemporaryDirectory()
        for version: UInt8 in [2, 3] {
            let path = try dir.file("v\(version).npy", bytes: npyBytes(version: version, descr: "<i4", shape: "(1, 2)", data: rawBytes([Int32(7), 8])))
            #expect(try DataLoader.load(path: path).matrix == Matrix([[7, 8]]))
        }
    }

    @Test("Fortran order is transposed, in whole loads and in small batches")
    func fortranOrder() throws {
        let dir = try TemporaryDirectory()
        // Column-major data of [[1,2,3],[4,5,6]].
        let path = try dir.file("f.npy", bytes: npyBytes(descr: "<i8", fortran: true, shape: "(2, 3)", data: rawBytes([Int64(1), 4, 2, 5, 3, 6])))
        #expect(try DataLoader.load(path: path).matrix == Matrix([[1, 2, 3], [4, 5, 6]]))
        let reader = try DataReader(path: path)
        #expect(try reader.nextBatch(maxRows: 1) == Matrix([[1, 2, 3]]))
        #expect(try reader.nextBatch(maxRows: 1) == Matrix([[4, 5, 6]]))
        #expect(try reader.nextBatch(maxRows: 1) == nil)
    }

    @Test("malformed files give clear errors", arguments: [
        ("bad magic", Array("NOTNPY..........".utf8), DataError.Kind.badHeader, "bad magic"),
        ("bad version", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0], .badHeader, "version 9.0"),
        ("wrong dtype", npyBytes(descr: "<c8", shape: "(1, 1)", data: [0, 0, 0, 0, 0, 0, 0, 0]), .unsupportedDType, "unsupported dtype \"<c8\""),
        ("object dtype", npyBytes(descr: "|O", shape: "(1, 1)", data: []), .unsupportedDType, "unsupported dtype"),
        ("structured", npyBytes(descr: "", shape: "", data: [], headerOverride: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), .unsupportedDType, "structured"),
        ("truncated data", npyBytes(descr: "<f4", shape: "(2, 2)", data: [0, 0, 0, 0]), .sizeMismatch, "needs 16 bytes of data, the file has 4"),
        ("extra data", npyBytes(descr: "|u1", shape: "(2,)", data: [1, 2, 3]), .sizeMismatch, "1 more"),
        ("huge shape", npyBytes(descr: "<f8", shape: "(9223372036854775807, 9223372036854775807)", data: []), .sizeMismatch, "impossibly large"),
        ("lying shape", npyBytes(descr: "<f4", shape: "(100000000000, 3)", data: [0, 0, 0, 0]), .sizeMismatch, "truncated"),
        ("3-D", npyBytes(descr: "<f4", shape: "(1, 1, 1)", data: [0, 0, 0, 0]), .badHeader, "only 1-D and 2-D"),
        ("scalar", npyBytes(descr: "<f4", shape: "()", data: [0, 0, 0, 0]), .badHeader, "only 1-D and 2-D"),
        ("no columns", npyBytes(descr: "<f4", shape: "(3, 0)", data: []), .badHeader, "no columns"),
        ("garbage header", npyBytes(descr: "", shape: "", data: [], headerOverride: "{'descr': '<f4', 'shape': (1,"), .badHeader, "malformed header"),
        ("missing key", npyBytes(descr: "", shape: "", data: [], headerOverride: "{'descr': '<f4', 'shape': (1,), }"), .badHeader, "fortran_order"),
        ("truncated header", [0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0] + Array("{'descr'".utf8), .sizeMismatch, "truncated header"),
        ("header too long", [0x93] + Array("NUMPY".utf8) + [2, 0, 0, 0, 0, 1], .badHeader, "at most"),
    ])
    func malformed(name: String, bytes: [UInt8], kind: DataError.Kind, fragment: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("bad.npy", bytes: bytes)
        let error = try #require(loadError(path, DataReadOptions(format: .npy)), "\(name)")
        #expect(error.kind == kind, "\(name): \(error)")
        #expect(error.description.contains(fragment), "\(name): \(error)")
    }

    @Test("non-finite elements are rejected with their row and column, or skipped")
    func nonFinite() throws {
        let dir = try TemporaryDirectory()
        let values: [Float] = [1, 2, .nan, 4, 5, .infinity, 7, 8]
        let path = try dir.file("nan.npy", bytes: npyBytes(descr: "<f4", shape: "(4, 2)", data: rawBytes(values.map(\.bitPattern))))
        let error = try #require(loadError(path))
        #expect(error.kind == .nonFinite)
        #expect(error.line == 2 && error.column == 1)
        let skipped = try DataLoader.load(path: path, options: DataReadOptions(skipInvalid: true))
        #expect(skipped.matrix == Matrix([[1, 2], [7, 8]]))
        #expect(skipped.skippedRows == 2)
    }

    @Test("feature columns of a .npy are chosen by 0-based index; names are refused")
    func columnSelection() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("a.npy", bytes: NPYWriter.encode(Matrix([[1, 2, 3], [4, 5, 6]])))
        let error = try #require(loadError(path, DataReadOptions(featureColumns: ["x"])))
        #expect(error.kind == .unknownColumn)
        #expect(error.message.contains("give 0-based indices below 3"))
        #expect(loadError(path, DataReadOptions(featureColumns: ["3"]))?.kind == .unknownColumn)
        let picked = try DataLoader.load(path: path, options: DataReadOptions(featureColumns: ["2", "0"]))
        #expect(picked.matrix == Matrix([[3, 1], [6, 4]]))
        // Fortran order, batch by batch.
        let fortran = try dir.file("f.npy", bytes: npyBytes(descr: "<i4", fortran: true, shape: "(2, 3)", data: rawBytes([Int32(1), 4, 2, 5, 3, 6])))
        let reader = try DataReader(path: fortran, options: DataReadOptions(featureColumns: ["1"]))
        #expect(reader.columns == 1)
        #expect(try reader.nextBatch(maxRows: 1) == Matrix([[2]]))
        #expect(try reader.nextBatch(maxRows: 5) == Matrix([[5]]))
    }
}
