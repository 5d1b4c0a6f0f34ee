// libFuzzer target: the NumPy .npy reader (header parser and row source, both orders, small and large batches),
// from a file and from a pipe.
import KMeansData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    let path = writeScratch("input.npy", input)
    for skipInvalid in [false, true] {
        do {
            let reader = try DataReader(path: path, options: DataReadOptions(format: .npy, skipInvalid: skipInvalid))
            var rows = 0
            while let matrix = try reader.nextBatch(maxRows: 7) {
                precondition(matrix.values.count == matrix.rows * matrix.columns, "matrix shape disagrees with its values")
                rows += matrix.rows
                if let declared = reader.declaredRowCount { precondition(rows <= declared, "more rows than the header declares") }
            }
            try reader.rewind()
            _ = try reader.readAll()
        } catch {
            precondition(!String(describing: error).isEmpty)
        }
    }
    // The same bytes through a pipe: no file size to check the header against, so nothing may be allocated
    // beyond what was actually read.
    if pipeIntoStandardInput(input) {
        do {
            let reader = try DataReader(path: "-", options: DataReadOptions(format: .npy))
            _ = try reader.readAll()
        } catch {
            precondition(!String(describing: error).isEmpty)
        }
    }
    return 0
}
