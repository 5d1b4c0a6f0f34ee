import Foundation
import KMeansCore
import Testing
@testable import KMeansData

/// Hostile data files: lying `.npy` headers through pipes, a table of malformed text and binary files that must
/// each fail with one error naming the file (and line and column where there is one), and seeded mutations of
/// valid files that must never crash.
@Suite("Hostile data files")
struct HostileDataTests {
    /// Feeds `bytes` through a named pipe (no file size to check a header against) and reads it whole.
    private func loadThroughPipe(_ bytes: [UInt8], options: DataReadOptions = DataReadOptions()) throws -> Result<LoadedData, DataError> {
        let dir = try TemporaryDirectory()
        let fifo = dir.url.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(bytes))
                try? handle.close()
            }
        }
        writer.start()
        do {
            return .success(try DataLoader.load(path: fifo, options: options))
        } catch let error as DataError {
            // The writer never blocks: every input here fits in the pipe's buffer.
            return .failure(error)
        }
    }

    // Regression: a `.npy` header read from a pipe claiming 10^12 × 1000 floats made `readAll` reserve 4 PB up front
    // (a crash: "failed to allocate"). Memory must follow the bytes that actually arrive.
    @Test("a pipe whose .npy header claims a huge shape fails as truncated, allocating nothing up front",
          arguments: [false, true])
    func lyingShapeThroughPipe(fortran: Bool) throws {
        let bytes = npyBytes(descr: "<f4", fortran: fortran, shape: "(1000000000000, 1000)", data: [UInt8](repeating: 0, count: 64))
        let result = try loadThroughPipe(bytes)
        guard case .failure(let error) = result else {
            Issue.record("a 64-byte pipe read as \(result)")
            return
        }
        #expect(error.kind == .sizeMismatch, "\(error)")
        #expect(error.description.contains("truncated"), "\(error)")
    }

    @Test("a pipe .npy that ends early names the shortfall; one that is exact reads")
    func pipeTruncation() throws {
        let values = rawBytes((0..<6).map { Float($0).bitPattern })
        let short = try loadThroughPipe(npyBytes(descr: "<f4", shape: "(3, 2)", data: Array(values.prefix(10))))
        guard case .failure(let error) = short else {
            Issue.record("truncated pipe data read as \(short)")
            return
        }
        #expect(error.description.contains("truncated"), "\(error)")
        let exact = try loadThroughPipe(npyBytes(descr: "<f4", shape: "(3, 2)", data: values))
        #expect((try? exact.get())?.matrix == Matrix([[0, 1], [2, 3], [4, 5]]))
    }

    /// Malformed files: (name, contents, fragment the one-line error must contain).
    static let malformedText: [(String, String, String)] = [
        ("ragged.csv", "1,2,3\n4,5\n", "ragged.csv:2"),
        ("ragged-long.csv", "1,2\n3,4,5\n", "ragged-long.csv:2"),
        ("word.csv", "1,2\n3,x\n", "ragged"),
        ("word-first.csv", "1,2\nfoo,3\n", "word-first.csv:2:1"),
        ("nan.csv", "1,2\nNaN,3\n", "nan.csv:2:1"),
        ("inf.csv", "1,2\n3,Infinity\n", "inf.csv:2:2"),
        ("neg-inf.tsv", "1\t2\n-inf\t3\n", "neg-inf.tsv:2:1"),
        ("overflow.csv", "1,2\n1e39,3\n", "overflow.csv:2:1"),
        ("empty-field.csv", "1,2\n,3\n", "empty-field.csv:2:1"),
        ("trailing-comma.csv", "1,2,\n3,4,\n", "trailing-comma.csv:1"),
        ("empty.csv", "", "empty.csv"),
        ("blank-lines.csv", "\n\n\n", "blank-lines.csv"),
        ("comments-only.csv", "# a\n# b\n", "comments-only.csv"),
        ("header-only.csv", "x,y\n", "header-only.csv"),
        ("header-only-crlf.csv", "x,y\r\n", "header-only-crlf.csv"),
        ("bom-header-only.csv", "\u{FEFF}x,y\n", "bom-header-only.csv"),
        ("mixed.csv", "1,2\n3;4\n", "mixed.csv:2"),
        ("tab-in-csv.csv", "1,2\n3\t4\n", "tab-in-csv.csv:2"),
        ("decimal-comma.csv", "1,5;2,5\n3,5;4,5\n", "decimal-comma.csv"),
        ("unclosed.csv", "1,\"2\n3,4\n", "unclosed.csv:1:2"),
        ("quote-garbage.csv", "1,\"2\"x\n", "quote-garbage.csv:1"),
        ("nul.csv", "1,2\n3,\u{0}4\n", "nul.csv:2:2"),
        ("escape.csv", "1,2\n3,\u{1B}[31m\n", "escape.csv:2:2"),
        ("utf16.csv", "\u{FEFF}1,2", "utf16.csv"),
        ("only-delims.csv", ",,,\n,,,\n", "only-delims.csv:2:1"),
    ]

    @Test("malformed text files each give one error naming the file and, where there is one, line and column")
    func malformedTextFiles() throws {
        let dir = try TemporaryDirectory()
        var tried = 0
        for (name, text, fragment) in Self.malformedText {
            var bytes = Array(text.utf8)
            if name == "utf16.csv" { bytes = [0xFF, 0xFE] + Array("1,2\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
            let path = try dir.file(name, bytes: bytes)
            let error = try #require(loadError(path), "\(name) was accepted")
            let message = error.description
            #expect(message.contains(name), "\(name): the error does not name the file: \(message)")
            #expect(message.contains(fragment) || fragment == "ragged", "\(name): \(message)")
            #expect(!message.contains("\n"), "\(name): more than one line: \(message)")
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(name): raw control characters in \(message.debugDescription)")
            tried += 1
        }
        #expect(tried == Self.malformedText.count)
    }

    @Test("harmless oddities read: BOM, CRLF, CR, duplicates, a single row, a 1 MB line, quoted numbers")
    func oddButValid() throws {
        let dir = try TemporaryDirectory()
        let cases: [(String, [UInt8], Matrix)] = [
            ("bom.csv", [0xEF, 0xBB, 0xBF] + Array("1,2\n3,4\n".utf8), Matrix([[1, 2], [3, 4]])),
            ("crlf.csv", Array("x,y\r\n1,2\r\n3,4\r\n".utf8), Matrix([[1, 2], [3, 4]])),
            ("cr.csv", Array("1,2\r3,4\r".utf8), Matrix([[1, 2], [3, 4]])),
            ("dup.csv", Array("1,2\n1,2\n1,2\n".utf8), Matrix([[1, 2], [1, 2], [1, 2]])),
            ("single.csv", Array("7,8".utf8), Matrix([[7, 8]])),
            ("quoted.csv", Array("\"1\",\" 2 \"\n".utf8), Matrix([[1, 2]])),
        ]
        for (name, bytes, expected) in cases {
            let path = try dir.file(name, bytes: bytes)
            #expect(try DataLoader.load(path: path).matrix == expected, "\(name)")
        }
        let wide = (0..<100_000).map { "\($0 % 10).5" }.joined(separator: ",")
        let path = try dir.file("wide.csv", wide + "\n" + wide + "\n")
        let loaded = try DataLoader.load(path: path)
        #expect(loaded.matrix.rows == 2 && loaded.matrix.columns == 100_000)
    }

    /// Deterministic byte-level mutations (flip, insert, delete, duplicate a run, splice in a special token).
    private static func mutate(_ seed: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        let tokens: [[UInt8]] = [Array("nan".utf8), Array("-inf".utf8), Array("\"".utf8), Array(",".utf8), Array("\n".utf8), Array("\r".utf8),
                                 [0], [0xEF, 0xBB, 0xBF], Array("1e999".utf8), Array("\t".utf8), Array("'shape': (".utf8),
                                 Array("99999999999999999999".utf8), [0xFF, 0xFE]]
        for _ in 0..<(1 + Int(generator.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count))
            switch generator.next() % 5 {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << (generator.next() % 8))
            case 1: bytes.insert(UInt8(generator.next() & 0xFF), at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty:
                let length = min(bytes.count - position, 1 + Int(generator.next() % 16))
                bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
            default: bytes.insert(contentsOf: tokens[Int(generator.next() % UInt64(tokens.count))], at: position)
            }
        }
        return bytes
    }

    @Test("seeded mutations of valid CSV and .npy files never crash; every error names the file")
    func mutationsNeverCrash() throws {
        let dir = try TemporaryDirectory()
        let seeds: [(String, [UInt8])] = [
            ("m.csv", Array("x,y,label\n1.5,2,a\n-3,4e2,b\n\"5\",6,\"c,d\"\n".utf8)),
            ("m.tsv", Array("1\t2\n3\t4\n".utf8)),
            ("m.npy", npyBytes(descr: "<f4", shape: "(3, 2)", data: rawBytes((0..<6).map { Float($0).bitPattern }))),
            ("f.npy", npyBytes(descr: ">f8", fortran: true, shape: "(2, 3)", data: rawBytes((0..<6).map { Double($0).bitPattern }, bigEndian: true))),
        ]
        var generator = SplitMix64(seed: 0x5EED)
        var bytesTried = 0
        let rounds = 150
        for round in 0..<rounds {
            for (name, seed) in seeds {
                let bytes = Self.mutate(seed, &generator)
                bytesTried += bytes.count
                let path = try dir.file(name, bytes: bytes)
                for skipInvalid in [false, true] {
                    do {
                        let reader = try DataReader(path: path, options: DataReadOptions(skipInvalid: skipInvalid))
                        while let batch = try reader.nextBatch(maxRows: 2) {
                            #expect(batch.values.count == batch.rows * batch.columns)
                            #expect(batch.values.allSatisfy { $0.isFinite }, "round \(round) \(name): non-finite value passed")
                        }
                    } catch let error as DataError {
                        #expect(error.description.contains(name), "round \(round): \(error)")
                    }
                }
            }
        }
        #expect(bytesTried > 0)
        print("hostile data mutations: \(rounds * seeds.count) files, \(bytesTried) bytes")
    }
}
