// libFuzzer target: the CSV / TSV reader (KMeansData.DataReader on text), with every option the first byte picks.
import KMeansData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    let control = input.first ?? 0
    let body = size > 0 ? UnsafeRawBufferPointer(rebasing: input[1...]) : input
    // The file name matters: `.tsv` forces tabs.
    let path = writeScratch(control & 0x40 != 0 ? "input.tsv" : "input.csv", body)
    let delimiters: [Delimiter?] = [nil, .comma, .tab, .whitespace]
    let headers: [HeaderPolicy] = [.detect, .present, .absent, .detect]
    let options = DataReadOptions(format: .text,
                                  delimiter: delimiters[Int(control & 3)],
                                  header: headers[Int((control >> 2) & 3)],
                                  featureColumns: control & 0x80 != 0 ? ["1", "a"] : nil,
                                  skipInvalid: control & 0x10 != 0)
    do {
        let reader = try DataReader(path: path, options: options)
        let batch = Int(control & 0x20 != 0 ? 3 : 4096)
        var rows = 0
        while let matrix = try reader.nextBatch(maxRows: batch) {
            precondition(matrix.values.count == matrix.rows * matrix.columns, "matrix shape disagrees with its values")
            precondition(matrix.columns == reader.columns, "batch width changed")
            rows += matrix.rows
        }
        if reader.canRewind {
            try reader.rewind()
            let again = try reader.readAll()
            precondition(again.rows == rows, "rewind read \(again.rows) rows, the first pass \(rows)")
        }
    } catch {
        // A thrown error is the right answer to bad input; it must describe itself.
        precondition(!String(describing: error).isEmpty)
    }
    // Text from a pipe (kept in memory for cycling) reads the same rows.
    if control & 0x08 != 0, pipeIntoStandardInput(body) {
        do {
            let reader = try DataReader(path: "-", options: options)
            var batches = BatchIterator(reader: reader, batchSize: 5, cycles: true)
            for _ in 0..<4 { _ = try batches.next() }
        } catch {
            precondition(!String(describing: error).isEmpty)
        }
    }
    return 0
}
