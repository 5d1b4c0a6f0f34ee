/// Reads a 1-D or 2-D `.npy` array as rows of floats, a chunk at a time.
final class NPYRowSource: RowSource {
    private let source: ByteSource
    let header: NPYHeader
    private let rows: Int
    /// Columns in the file.
    private let fileColumns: Int
    /// The selected columns (0-based), nil for all.
    private let selection: [Int]?
    /// Columns per row delivered (after selection).
    var columns: Int { selection?.count ?? fileColumns }
    var columnNames: [String]? { nil }
    private let skipInvalid: Bool
    private let rejectAllZeroRows: Bool
    private(set) var skippedRows = 0
    private var nextRow = 0
    /// Fortran-order data from a pipe, transposed to row-major once (it cannot be read column by column).
    private var bufferedRowMajor: [Float]? = nil
    var bytePosition: Int { source.offset }
    var byteSize: Int? { source.fileSize }
    var canRewind: Bool { source.isSeekable || bufferedRowMajor != nil }
    var declaredRowCount: Int? { rows }

    init(source: ByteSource, options: DataReadOptions) throws {
        self.source = source
        skipInvalid = options.skipInvalid
        rejectAllZeroRows = options.rejectAllZeroRows
        header = try NPYHeader.read(from: source)
        let file = source.name
        switch header.shape.count {
        case 1:
            rows = header.shape[0]
            fileColumns = 1
        case 2:
            rows = header.shape[0]
            fileColumns = header.shape[1]
        default:
            throw DataError(file: file, location: .file, kind: .badHeader,
                            message: "array has shape \(NPYRowSource.shapeText(header.shape)); only 1-D and 2-D arrays hold data points")
        }
        if fileColumns == 0 {
            throw DataError(file: file, location: .file, kind: .badHeader, message: "array has shape \(NPYRowSource.shapeText(header.shape)): no columns")
        }
        if let wanted = options.featureColumns {
            // .npy arrays have no names: columns are chosen by 0-based index.
            let width = fileColumns
            var chosen: [Int] = []
            for name in wanted {
                guard let index = Int(name), index >= 0, index < width else {
                    throw DataError(file: file, location: .file, kind: .unknownColumn,
                                    message: "no column \(quoted(name)): .npy files have no column names; give 0-based indices below \(width)")
                }
                chosen.append(index)
            }
            if chosen.isEmpty {
                throw DataError(file: file, location: .file, kind: .unknownColumn, message: "no feature columns selected")
            }
            selection = chosen
        } else {
            selection = nil
        }
        let (elements, overflow1) = rows.multipliedReportingOverflow(by: fileColumns)
        let (dataBytes, overflow2) = elements.multipliedReportingOverflow(by: header.elementType.size)
        if overflow1 || overflow2 {
            throw DataError(file: file, location: .file, kind: .sizeMismatch, message: "shape \(NPYRowSource.shapeText(header.shape)) is impossibly large")
        }
        if let size = source.fileSize {
            let present = size - header.dataOffset
            if present < dataBytes {
                throw DataError(file: file, location: .file, kind: .sizeMismatch,
                                message: "truncated: shape \(NPYRowSource.shapeText(header.shape)) of \(header.elementType) needs \(dataBytes) bytes of data, the file has \(present)")
            }
            if present > dataBytes {
                throw DataError(file: file, location: .file, kind: .sizeMismatch,
                                message: "shape \(NPYRowSource.shapeText(header.shape)) of \(header.elementType) needs \(dataBytes) bytes of data, but the file has \(present - dataBytes) more")
            }
        } else if header.fortranOrder && rows > 1 && fileColumns > 1 {
            // A pipe cannot be read column by column: transpose it once. Memory grows only with bytes actually read.
            var rowMajor = [Float](repeating: 0, count: 0)
            var columnMajor: [Float] = []
            let chunkElements = max(1, (1 << 20) / header.elementType.size)
            var remaining = elements
            while remaining > 0 {
                let take = min(remaining, chunkElements)
                let before = columnMajor.count
                try readElements(count: take, into: &columnMajor)
                if columnMajor.count - before < take { break }
                remaining -= take
            }
            rowMajor.reserveCapacity(elements)
            for row in 0..<rows {
                for column in 0..<fileColumns { rowMajor.append(columnMajor[column * rows + row]) }
            }
            bufferedRowMajor = rowMajor
        }
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    func rewind() throws {
        if bufferedRowMajor == nil { try source.seek(to: header.dataOffset) }
        nextRow = 0
        skippedRows = 0
    }

    func readRows(maxRows: Int, into values: inout [Float]) throws -> Int {
        var appended = 0
        while appended < maxRows && nextRow < rows {
            let chunkRows = max(1, min(maxRows - appended, rows - nextRow, (1 << 20) / max(1, fileColumns * header.elementType.size)))
            let firstRow = nextRow
            var chunk: [Float] = []
            chunk.reserveCapacity(chunkRows * fileColumns)
            if let buffered = bufferedRowMajor {
                chunk.append(contentsOf: buffered[(firstRow * fileColumns)..<((firstRow + chunkRows) * fileColumns)])
            } else if header.fortranOrder && fileColumns > 1 && rows > 1 {
                chunk = [Float](repeating: 0, count: chunkRows * fileColumns)
                var column: [Float] = []
                for j in 0..<fileColumns {
                    try source.seek(to: header.dataOffset + (j * rows + firstRow) * header.elementType.size)
                    column.removeAll(keepingCapacity: true)
                    try readElements(count: chunkRows, into: &column)
                    for i in 0..<chunkRows { chunk[i * fileColumns + j] = column[i] }
                }
            } else {
                try readElements(count: chunkRows * fileColumns, into: &chunk)
            }
            nextRow += chunkRows
            for i in 0..<chunkRows {
                let rowValues = chunk[(i * fileColumns)..<((i + 1) * fileColumns)]
                if let bad = rowValues.firstIndex(where: { !$0.isFinite }) {
                    if skipInvalid {
                        skippedRows += 1
                        continue
                    }
                    let column = bad - i * fileColumns
                    throw DataError(file: source.name, location: .element(row: firstRow + i + 1, column: column + 1), kind: .nonFinite,
                                    message: "\(chunk[bad]) is not a finite number (NaN and infinity are rejected unless invalid rows are skipped)")
                }
                if rejectAllZeroRows, rowValues.allSatisfy({ $0 == 0 }) {
                    if skipInvalid {
                        skippedRows += 1
                        continue
                    }
                    throw DataError(file: source.name, location: .element(row: firstRow + i + 1, column: 1), kind: .allZeroRow,
                                    message: "row is all zeros: cosine distance is undefined for it (such rows can be skipped as invalid)")
                }
                if let selection {
                    let offset = i * fileColumns
                    for index in selection { values.append(chunk[offset + index]) }
                } else {
                    values.append(contentsOf: rowValues)
                }
                appended += 1
            }
        }
        return appended
    }

    /// Reads `count` elements from the current position, converting them to `Float`.
    private func readElements(count: Int, into out: inout [Float]) throws {
        let size = header.elementType.size
        var remaining = count
        while remaining > 0 {
            let wantBytes = min(remaining * size, max(size, (1 << 20) / size * size))
            let have = try source.ensure(wantBytes)
            let usable = min(have, wantBytes) / size
            if usable == 0 {
                throw DataError(file: source.name, location: .byte(source.offset), kind: .sizeMismatch,
                                message: "truncated: data ends \(remaining * size - min(have, remaining * size)) bytes before the size the header declares")
            }
            let raw = UnsafeRawBufferPointer(start: source.base + source.start, count: usable * size)
            decodeElements(raw, type: header.elementType, count: usable, into: &out)
            source.start += usable * size
            remaining -= usable
        }
    }
}

/// Converts `count` raw elements of `type` to `Float`, appending them to `out`.
func decodeElements(_ raw: UnsafeRawBufferPointer, type: NPYElementType, count: Int, into out: inout [Float]) {
    let swap = type.bigEndian
    switch (type.kind, type.size) {
    case (.float, 4):
        for i in 0..<count {
            let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            out.append(Float(bitPattern: swap ? bits.byteSwapped : bits))
        }
    case (.float, 8):
        for i in 0..<count {
            let bits = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            out.append(Float(Double(bitPattern: swap ? bits.byteSwapped : bits)))
        }
    case (.float, 2):
        for i in 0..<count {
            let bits = raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            out.append(floatFromHalf(swap ? bits.byteSwapped : bits))
        }
    case (.signed, 1):
        for i in 0..<count { out.append(Float(raw.loadUnaligned(fromByteOffset: i, as: Int8.self))) }
    case (.signed, 2):
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    case (.signed, 4):
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    case (.signed, _):
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    case (.unsigned, 1), (.bool, _):
        for i in 0..<count { out.append(Float(raw[i])) }
    case (.unsigned, 2):
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    case (.unsigned, 4):
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    default:
        for i in 0..<count {
            let value = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            out.append(Float(swap ? value.byteSwapped : value))
        }
    }
}

/// IEEE binary16 to binary32 (exact).
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0 {
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
}
