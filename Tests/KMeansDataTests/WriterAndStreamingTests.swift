import Foundation
import KMeansCore
import Testing
@testable import KMeansData

@Suite("Writers, round trips and streaming")
struct WriterAndStreamingTests {
    @Test("the .npy writer produces NumPy's exact float32 layout and reads back")
    func npyRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let matrix = Matrix([[1.5, -0.1, 3e-8], [.greatestFiniteMagnitude, 0, -7]])
        let path = dir.url.appendingPathComponent("m.npy").path
        try NPYWriter.write(matrix, to: path)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let headerText = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(headerText.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(headerText.hasSuffix("\n"))
        #expect(bytes.count == 128 + 24)
        #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == 118)
        #expect(try DataLoader.load(path: path).matrix == matrix)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(leftovers == ["m.npy"])
    }

    @Test("index .npy files are int64 1-D")
    func indicesNPY() throws {
        let dir = try TemporaryDirectory()
        let path = dir.url.appendingPathComponent("i.npy").path
        try NPYWriter.write(indices: [2, 0, 1], to: path)
        let reader = try DataReader(path: path)
        #expect(reader.declaredRowCount == 3)
        #expect(try reader.readAll() == Matrix(rows: 3, columns: 1, values: [2, 0, 1]))
    }

    @Test("CSV written with a header reads back identically")
    func csvRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let matrix = Matrix([[0.1, 1e-30, -3], [16777216, 2.5, 1e38]])
        let text = CSVWriter.format(matrix, header: ["a,b", "quote\"d", "c"])
        #expect(text.hasPrefix("\"a,b\",\"quote\"\"d\",c\n"))
        let path = dir.url.appendingPathComponent("m.csv").path
        try CSVWriter.write(text, to: path)
        let back = try DataLoader.load(path: path)
        #expect(back.matrix == matrix)
        #expect(back.columnNames == ["a,b", "quote\"d", "c"])
        #expect(CSVWriter.format(indices: [3, 1]) == "cluster_index\n3\n1\n")
        let tsv = try DataLoader.load(path: try dir.file("m.tsv", CSVWriter.format(matrix, delimiter: .tab)))
        #expect(tsv.matrix == matrix)
    }

    @Test("batches come in file order and cycle over the data to fill every batch")
    func cyclingBatches() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("five.csv", "v\n0\n1\n2\n3\n4\n")
        let reader = try DataReader(path: path)
        var batches = BatchIterator(reader: reader, batchSize: 2, cycles: true)
        var seen: [Float] = []
        for _ in 0..<6 { seen += try #require(try batches.next()).values }
        #expect(seen == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])
        #expect(batches.epochs == 2)
        let once = try DataReader(path: path)
        var single = BatchIterator(reader: once, batchSize: 2, cycles: false)
        var sizes: [Int] = []
        while let batch = try single.next() { sizes.append(batch.rows) }
        #expect(sizes == [2, 2, 1])
        // Larger batches than the data repeat rows.
        let small = try DataReader(path: path)
        var big = BatchIterator(reader: small, batchSize: 7, cycles: true)
        #expect(try big.next()?.values == [0, 1, 2, 3, 4, 0, 1])
    }

    @Test("rewinding a text file with a header starts at the first data row, same line numbers")
    func rewindText() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("r.csv", "# c\r\nx\r\n1\r\n2\r\nbad\r\n")
        let reader = try DataReader(path: path)
        #expect(try reader.nextBatch(maxRows: 2)?.values == [1, 2])
        try reader.rewind()
        #expect(try reader.nextBatch(maxRows: 2)?.values == [1, 2])
        #expect(throws: DataError.self) { try reader.nextBatch(maxRows: 2) }
        do {
            _ = try reader.nextBatch(maxRows: 1)
        } catch let error as DataError {
            Issue.record("unexpected second error \(error)")
        }
        try reader.rewind()
        _ = try reader.nextBatch(maxRows: 2)
        let error = #expect(throws: DataError.self) { try reader.nextBatch(maxRows: 1) }
        #expect(error?.line == 5)
    }

    @Test("text read from a pipe streams and cycles from memory")
    func pipeInput() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.url.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data("a,b\n1,2\n3,4\n5,6\n".utf8))
                try? handle.close()
            }
        }
        writer.start()
        let reader = try DataReader(path: fifo)
        #expect(!reader.canRewind)
        var batches = BatchIterator(reader: reader, batchSize: 2, cycles: true)
        var seen: [Float] = []
        for _ in 0..<4 { seen += try #require(try batches.next()).values }
        #expect(seen == [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4])
    }

    @Test("a .npy streamed through a pipe reads in both orders")
    func pipeNPY() throws {
        let dir = try TemporaryDirectory()
        for fortran in [false, true] {
            let fifo = dir.url.appendingPathComponent("fifo\(fortran)").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let data = fortran ? rawBytes([Int32(1), 3, 2, 4]) : rawBytes([Int32(1), 2, 3, 4])
            let bytes = npyBytes(descr: "<i4", fortran: fortran, shape: "(2, 2)", data: data)
            let writer = Thread {
                if let handle = FileHandle(forWritingAtPath: fifo) {
                    handle.write(Data(bytes))
                    try? handle.close()
                }
            }
            writer.start()
            #expect(try DataLoader.load(path: fifo).matrix == Matrix([[1, 2], [3, 4]]))
        }
    }

    @Test("streaming a file larger than the read buffer keeps every row and holds one batch at a time")
    func streamingLargeFile() throws {
        let dir = try TemporaryDirectory()
        let rows = 60_000
        var text = "x,y,z\n"
        text.reserveCapacity(rows * 20)
        for i in 0..<rows { text += "\(i),\(Float(i) * 0.5),-\(i % 7)\n" }
        let path = try dir.file("big.csv", text)
        let reader = try DataReader(path: path)
        var batches = BatchIterator(reader: reader, batchSize: 4096, cycles: false)
        var count = 0
        var sum: Double = 0
        while let batch = try batches.next() {
            #expect(batch.rows <= 4096)
            for r in 0..<batch.rows {
                #expect(batch[r, 0] == Float(count))
                sum += Double(batch[r, 1])
                count += 1
            }
        }
        #expect(count == rows)
        #expect(sum == Double(rows - 1) * Double(rows) / 4)
    }

    @Test("loading a whole text file sizes the matrix from the file instead of doubling (no second copy)")
    func wholeLoadCapacity() throws {
        let dir = try TemporaryDirectory()
        var text = "a,b,c\n"
        for i in 0..<50_000 { text += "\(i % 100),\(Double(i) * 0.25),\(i % 3)\n" }
        let data = try DataLoader.load(path: try dir.file("w.csv", text))
        #expect(data.matrix.rows == 50_000)
        // Line lengths grow with i here, so the estimate from the first rows overshoots a little; doubling would reach 2×.
        #expect(data.matrix.values.capacity < data.matrix.values.count * 5 / 4)
    }
}
