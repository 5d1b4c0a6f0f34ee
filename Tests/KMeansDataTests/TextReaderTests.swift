import Foundation
import KMeansCore
import Testing
@testable import KMeansData

@Suite("Text files: CSV, TSV, semicolons, whitespace")
struct TextReaderTests {
    @Test("a plain CSV without header reads as numbers")
    func plainCSV() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("a.csv", "1,2\n3.5,-4e-2\n")
        let data = try DataLoader.load(path: path)
        #expect(data.matrix == Matrix([[1, 2], [3.5, -0.04]]))
        #expect(data.columnNames == nil)
        #expect(data.featureNames == ["0", "1"])
    }

    @Test("a header is detected from a first row without numbers and names the columns")
    func headerDetected() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("h.csv", "x,y\n1,2\n3,4\n")
        let data = try DataLoader.load(path: path)
        #expect(data.columnNames == ["x", "y"])
        #expect(data.matrix.rows == 2)
        let pandas = try DataLoader.load(path: try dir.file("p.csv", ",a\n0,2\n"), options: DataReadOptions(featureColumns: ["a"]))
        #expect(pandas.columnNames == ["", "a"])
        #expect(pandas.matrix == Matrix([[2]]))
        // A first row mixing numbers and text is data with a bad field, not a header.
        let mixed = try #require(loadError(try dir.file("m.csv", "1,abc\n2,3\n")))
        #expect(mixed.line == 1 && mixed.column == 2)
    }

    @Test("header policy can force a header or data")
    func headerPolicy() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("n.csv", "1,2\n3,4\n")
        let forced = try DataLoader.load(path: path, options: DataReadOptions(header: .present))
        #expect(forced.columnNames == ["1", "2"])
        #expect(forced.matrix == Matrix([[3, 4]]))
        let asData = try #require(loadError(try dir.file("m.csv", "a,b\n1,2\n"), DataReadOptions(header: .absent)))
        #expect(asData.kind == .notANumber)
        #expect(asData.description == "\(dir.url.path)/m.csv:1:1: \"a\" is not a number")
    }

    @Test("delimiters are detected", arguments: [
        ("t.txt", "1\t2\t3\n4\t5\t6\n"),
        ("s.csv", "1;2;3\n4;5;6\n"),
        ("w.txt", "  1   2 3\n4 5\t 6  \n"),
        ("c.csv", "1, 2, 3\n4 ,5 , 6\n"),
        ("tsv.tsv", "1\t2\t3\n4\t5\t6\n"),
    ])
    func delimiters(name: String, text: String) throws {
        let dir = try TemporaryDirectory()
        let data = try DataLoader.load(path: try dir.file(name, text))
        #expect(data.matrix == Matrix([[1, 2, 3], [4, 5, 6]]))
    }

    @Test("comments, blank lines, CRLF, CR and a BOM are ignored; line numbers stay physical")
    func commentsAndLineEnds() throws {
        let dir = try TemporaryDirectory()
        let text = "\u{FEFF}# generated\r\n\r\na,b\r\n1,2\r\n  # indented comment\r\n\r\n3,4\r\nx,5\r\n"
        let error = try #require(loadError(try dir.file("crlf.csv", text)))
        #expect(error.kind == .notANumber)
        #expect(error.line == 8)
        #expect(error.column == 1)
        let good = try DataLoader.load(path: try dir.file("ok.csv", "\u{FEFF}a,b\r1,2\r3,4"))
        #expect(good.columnNames == ["a", "b"])
        #expect(good.matrix == Matrix([[1, 2], [3, 4]]))
    }

    @Test("quoted fields follow RFC 4180: doubled quotes, delimiters and newlines inside")
    func quotedFields() throws {
        let dir = try TemporaryDirectory()
        let text = "\"name, with comma\",\"say \"\"hi\"\"\",\"multi\nline\"\n\"1\",2,\" 3 \"\n"
        let data = try DataLoader.load(path: try dir.file("q.csv", text))
        #expect(data.columnNames == ["name, with comma", "say \"hi\"", "multi\nline"])
        #expect(data.matrix == Matrix([[1, 2, 3]]))
        let unterminated = try #require(loadError(try dir.file("u.csv", "a,b\n1,\"2\n3,4\n")))
        #expect(unterminated.kind == .malformedQuote)
        #expect(unterminated.line == 2 && unterminated.column == 2)
        let trailing = try #require(loadError(try dir.file("t.csv", "a,b\n1,\"2\"x\n")))
        #expect(trailing.kind == .malformedQuote)
        #expect(trailing.description.hasSuffix("t.csv:2:2: unexpected \"x\" after a closing quote"))
    }

    @Test("ragged rows name the line and field")
    func raggedRows() throws {
        let dir = try TemporaryDirectory()
        let short = try #require(loadError(try dir.file("r.csv", "1,2,3\n4,5\n")))
        #expect(short.kind == .raggedRow)
        #expect(short.line == 2 && short.column == 3)
        #expect(short.message.contains("row has 2 fields, expected 3"))
        let long = try #require(loadError(try dir.file("l.csv", "1,2\n3,4,99\n")))
        #expect(long.message.contains("\"99\" is one too many"))
    }

    @Test("non-numeric fields name file:line:column and the value")
    func nonNumeric() throws {
        let dir = try TemporaryDirectory()
        var lines = ["a,b,c"]
        for i in 0..<15 { lines.append("\(i),\(i),\(i)") }
        lines.append("1,2,abc")
        let path = try dir.file("data.csv", lines.joined(separator: "\n") + "\n")
        let error = try #require(loadError(path))
        #expect(error.description == "\(path):17:3: \"abc\" is not a number")
        let empty = try #require(loadError(try dir.file("e.csv", "1,,3\n")))
        #expect(empty.kind == .notANumber && empty.column == 2)
        #expect(empty.message == "empty field, expected a number")
    }

    @Test("NaN and infinity are rejected by default and skipped (and counted) on request")
    func nonFinite() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("nan.csv", "x,y\n1,2\nnan,3\n4,inf\n5,-Infinity\n6,\n1e39,1\n7,8\n")
        let error = try #require(loadError(path))
        #expect(error.kind == .nonFinite)
        #expect(error.line == 3 && error.column == 1)
        #expect(error.message.hasPrefix("\"nan\" is not a finite number"))
        let skipped = try DataLoader.load(path: path, options: DataReadOptions(skipInvalid: true))
        #expect(skipped.matrix == Matrix([[1, 2], [7, 8]]))
        #expect(skipped.skippedRows == 5)
        let allBad = try #require(loadError(try dir.file("bad.csv", "nan,1\n"), DataReadOptions(skipInvalid: true)))
        #expect(allBad.kind == .noDataRows)
        #expect(allBad.message.contains("all 1"))
    }

    @Test("mixed delimiters and decimal commas get a hint")
    func mixedDelimiters() throws {
        let dir = try TemporaryDirectory()
        let mixed = try #require(loadError(try dir.file("m.csv", "1,2,3\n4;5;6\n")))
        #expect(mixed.line == 2)
        #expect(mixed.message.contains("mixed delimiters"))
        let decimal = try #require(loadError(try dir.file("d.csv", "a;b\n1,5;2,5\n")))
        #expect(decimal.kind == .notANumber)
        #expect(decimal.message.contains("decimal comma"))
    }

    @Test("empty files, comment-only files and header-only files are errors")
    func emptyInputs() throws {
        let dir = try TemporaryDirectory()
        #expect(loadError(try dir.file("empty.csv", ""))?.kind == .emptyFile)
        #expect(loadError(try dir.file("bom.csv", "\u{FEFF}"))?.kind == .emptyFile)
        #expect(loadError(try dir.file("comments.csv", "# nothing\n\n  \n"))?.kind == .noDataRows)
        let header = try #require(loadError(try dir.file("header.csv", "a,b,c\n")))
        #expect(header.kind == .noDataRows)
        #expect(header.message == "header but no data rows")
        #expect(loadError(dir.url.appendingPathComponent("missing.csv").path)?.kind == .io)
        #expect(loadError(dir.url.path)?.kind == .io)
    }

    @Test("single rows and duplicate rows are data like any other")
    func singleAndDuplicateRows() throws {
        let dir = try TemporaryDirectory()
        #expect(try DataLoader.load(path: try dir.file("one.csv", "1,2")).matrix == Matrix([[1, 2]]))
        #expect(try DataLoader.load(path: try dir.file("dup.csv", "1,2\n1,2\n")).matrix == Matrix([[1, 2], [1, 2]]))
    }

    @Test("feature columns are selected by name or 0-based index; other columns may hold text")
    func featureColumns() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("iris.csv", "sepal,petal,species,width\n1,2,setosa,3\n4,5,virginica,6\n")
        let data = try DataLoader.load(path: path, options: DataReadOptions(featureColumns: ["width", "sepal"]))
        #expect(data.matrix == Matrix([[3, 1], [6, 4]]))
        #expect(data.featureNames == ["width", "sepal"])
        let unknown = try #require(loadError(path, DataReadOptions(featureColumns: ["colour"])))
        #expect(unknown.kind == .unknownColumn)
        #expect(unknown.description.contains("iris.csv:1: no column named \"colour\"; columns are \"sepal\", \"petal\", \"species\", \"width\""))
        let byIndex = try DataLoader.load(path: try dir.file("n.csv", "1,x,2\n3,y,4\n"), options: DataReadOptions(featureColumns: ["2", "0"]))
        #expect(byIndex.matrix == Matrix([[2, 1], [4, 3]]))
        // Without selection the text column is an error.
        #expect(loadError(path)?.column == 3)
    }

    @Test("a very long line reads, and an absurdly long field is refused")
    func longLines() throws {
        let dir = try TemporaryDirectory()
        let wide = (0..<50_000).map { "\($0 % 97)" }.joined(separator: ",")
        let data = try DataLoader.load(path: try dir.file("wide.csv", wide + "\n" + wide + "\n"))
        #expect(data.matrix.columns == 50_000)
        #expect(data.matrix[1, 49_999] == Float(49_999 % 97))
        let huge = String(repeating: "1", count: maximumFieldBytes + 10)
        let error = try #require(loadError(try dir.file("huge.csv", "1,2\n3," + huge + "\n")))
        #expect(error.kind == .tooLong)
        #expect(error.line == 2 && error.column == 2)
    }

    @Test("error messages escape control characters in quoted values")
    func escapedValues() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(loadError(try dir.file("esc.csv", "1,2\n3,\u{1B}[31mred\n")))
        #expect(!error.description.contains("\u{1B}"))
        #expect(error.description.contains("\\u{1b}[31mred"))
    }

    @Test("values parse to the nearest Float, as Swift does")
    func rounding() throws {
        let dir = try TemporaryDirectory()
        let texts = ["0.1", "3.4028234e38", "1e-45", "-0", "16777217", "0.30000001192092896"]
        let data = try DataLoader.load(path: try dir.file("r.csv", texts.joined(separator: "\n")))
        #expect(data.matrix.values == texts.map { Float($0)! })
    }

    @Test("the decimal fast path agrees with Swift's correctly rounded parse on random numbers")
    func fastPathAgrees() throws {
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var texts: [String] = []
        for _ in 0..<20_000 {
            var text = next(4) == 0 ? "-" : ""
            let digits = 1 + next(10)
            let point = next(digits + 2)
            for i in 0..<digits {
                if i == point { text += "." }
                text += String(next(10))
            }
            if next(3) == 0 { text += (next(2) == 0 ? "e" : "E") + (next(2) == 0 ? "-" : "") + String(next(14)) }
            texts.append(text)
        }
        var fast = 0
        for text in texts {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { fastDecimal($0.baseAddress!, count: $0.count) }
            if let parsed {
                fast += 1
                #expect(parsed.bitPattern == Float(text)!.bitPattern, "\(text): \(parsed) vs \(Float(text)!)")
            }
        }
        #expect(fast > 5_000)
        let dir = try TemporaryDirectory()
        let data = try DataLoader.load(path: try dir.file("r.csv", texts.joined(separator: "\n")))
        #expect(data.matrix.values.map(\.bitPattern) == texts.map { Float($0)!.bitPattern })
    }

    @Test("all-zero rows are rejected with their line, or skipped, when asked (cosine)")
    func allZeroRows() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("z.csv", "a,b\n1,0\n0,0.0\n-0,0\n2,2\n")
        #expect(try DataLoader.load(path: path).matrix.rows == 4)
        let error = try #require(loadError(path, DataReadOptions(rejectAllZeroRows: true)))
        #expect(error.kind == .allZeroRow)
        #expect(error.description.hasSuffix("z.csv:3: row is all zeros: cosine distance is undefined for it (such rows can be skipped as invalid)"))
        let skipped = try DataLoader.load(path: path, options: DataReadOptions(skipInvalid: true, rejectAllZeroRows: true))
        #expect(skipped.matrix == Matrix([[1, 0], [2, 2]]))
        #expect(skipped.skippedRows == 2)
        let npy = try dir.file("z.npy", bytes: NPYWriter.encode(Matrix([[1, 1], [0, 0]])))
        #expect(loadError(npy, DataReadOptions(rejectAllZeroRows: true))?.line == 2)
    }
}
