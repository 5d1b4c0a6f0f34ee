/// Reads delimited text into rows of floats, one record at a time.
final class TextRowSource: RowSource {
    private let source: ByteSource
    private var tokenizer: TextTokenizer
    private let options: DataReadOptions
    private let skipInvalid: Bool
    private let rejectAllZeroRows: Bool
    private var record = TextRecord()
    private var pendingFirstRecord: Bool
    /// Where the first data record starts, for rewinding.
    private let dataStart: (offset: Int, line: Int, skipLineFeed: Bool)
    private let fieldCount: Int
    private let selection: [Int]
    let columns: Int
    let columnNames: [String]?
    private(set) var skippedRows = 0
    var bytePosition: Int { source.offset }
    var byteSize: Int? { source.fileSize }
    var canRewind: Bool { source.isSeekable }
    var declaredRowCount: Int? { nil }
    private var rowsRead = 0
    private var row: [Float]
    private let keptColumns: [Int]
    /// The text of each kept column, one entry per accepted row.
    private var keptFields: [[String]]

    init(source: ByteSource, bomLength: Int, options: DataReadOptions) throws {
        self.source = source
        self.options = options
        skipInvalid = options.skipInvalid
        rejectAllZeroRows = options.rejectAllZeroRows
        let opened = try openTextTable(source: source, bomLength: bomLength, options: options)
        let tokenizer = opened.tokenizer
        let record = opened.first
        fieldCount = record.count
        let isHeader = opened.isHeader
        let names: [String]? = isHeader ? (0..<record.count).map { record.trimmedText($0) } : nil
        columnNames = names
        let headerLine = record.line
        if let wanted = options.featureColumns {
            var chosen: [Int] = []
            for name in wanted {
                if let index = names?.firstIndex(of: name) {
                    chosen.append(index)
                } else if let index = Int(name), index >= 0, index < fieldCount {
                    chosen.append(index)
                } else {
                    let known = names.map { "columns are " + $0.map { quoted($0) }.joined(separator: ", ") }
                        ?? "the file has no header row and \(fieldCount) columns (use 0-based indices)"
                    throw DataError(file: source.name, location: .text(line: headerLine, column: nil), kind: .unknownColumn,
                                    message: "no column named \(quoted(name)); \(known)")
                }
            }
            if chosen.isEmpty {
                throw DataError(file: source.name, location: .file, kind: .unknownColumn, message: "no feature columns selected")
            }
            selection = chosen
        } else {
            selection = Array(0..<fieldCount)
        }
        columns = selection.count
        row = [Float](repeating: 0, count: columns)
        let width = record.count
        if let bad = options.keptColumns.first(where: { $0 < 0 || $0 >= width }) {
            throw DataError(file: source.name, location: .file, kind: .unknownColumn,
                            message: "no column \(bad) to keep (the file has \(width) columns)")
        }
        keptColumns = options.keptColumns
        keptFields = keptColumns.map { _ in [] }
        self.tokenizer = tokenizer
        self.record = record
        if isHeader {
            pendingFirstRecord = false
            dataStart = (source.offset, tokenizer.line, tokenizer.skipLineFeed)
        } else {
            pendingFirstRecord = true
            dataStart = (bomLength, 1, false)
        }
    }

    func rewind() throws {
        try source.seek(to: dataStart.offset)
        tokenizer.line = dataStart.line
        tokenizer.skipLineFeed = dataStart.skipLineFeed
        pendingFirstRecord = false
        rowsRead = 0
        skippedRows = 0
        keptFields = keptColumns.map { _ in [] }
    }

    func takeKeptFields() -> [[String]] {
        defer { keptFields = keptColumns.map { _ in [] } }
        return keptFields
    }

    func readRows(maxRows: Int, into values: inout [Float]) throws -> Int {
        // Work on locals (moved out of self and back) so the per-row loop has no exclusivity checks.
        var record = TextRecord()
        var row: [Float] = []
        var tokenizer = self.tokenizer
        swap(&record, &self.record)
        swap(&row, &self.row)
        defer {
            swap(&record, &self.record)
            swap(&row, &self.row)
            self.tokenizer = tokenizer
        }
        var appended = 0
        var skipped = 0
        while appended < maxRows {
            if pendingFirstRecord {
                pendingFirstRecord = false
            } else if try !tokenizer.next(into: &record) {
                break
            }
            if try parse(record, into: &row, delimiter: tokenizer.delimiter) {
                values.append(contentsOf: row)
                for (slot, column) in keptColumns.enumerated() { keptFields[slot].append(record.trimmedText(column)) }
                appended += 1
            } else {
                skipped += 1
            }
        }
        rowsRead += appended
        skippedRows += skipped
        if appended == 0 && rowsRead == 0 && skippedRows == 0 && maxRows > 0 {
            throw DataError(file: source.name, location: .text(line: tokenizer.line, column: nil), kind: .noDataRows,
                            message: columnNames == nil ? "no data rows" : "header but no data rows")
        }
        return appended
    }

    /// Fills `row` from `record`; returns false when the row is invalid and should be skipped.
    private func parse(_ record: TextRecord, into row: inout [Float], delimiter: Delimiter) throws -> Bool {
        if record.count != fieldCount {
            let column = min(record.count, fieldCount) + 1
            let hint = mixedDelimiterHint(record: record, delimiter: delimiter)
            let extra = record.count > fieldCount ? ": \(quoted(record.text(fieldCount))) is one too many" : ""
            throw DataError(file: source.name, location: .text(line: record.line, column: column), kind: .raggedRow,
                            message: "row has \(record.count) field\(record.count == 1 ? "" : "s"), expected \(fieldCount)\(extra)\(hint)")
        }
        for position in 0..<selection.count {
            let index = selection[position]
            switch record.number(index) {
            case .finite(let value):
                row[position] = value
            case .nonFinite:
                if skipInvalid { return false }
                throw DataError(file: source.name, location: .text(line: record.line, column: index + 1), kind: .nonFinite,
                                message: "\(quoted(record.trimmedText(index))) is not a finite number (NaN and infinity are rejected unless invalid rows are skipped)")
            case .empty:
                if skipInvalid { return false }
                throw DataError(file: source.name, location: .text(line: record.line, column: index + 1), kind: .notANumber,
                                message: DataError.emptyFieldMessage)
            case .invalid:
                let text = record.trimmedText(index)
                let hint: String
                if text.contains(","), delimiter != .comma, Float(text.replacingOccurrences(",", with: ".")) != nil {
                    hint = " (decimal comma? numbers must use '.')"
                } else {
                    hint = mixedDelimiterHint(record: record, delimiter: delimiter, in: text)
                }
                throw DataError(file: source.name, location: .text(line: record.line, column: index + 1), kind: .notANumber,
                                message: "\(quoted(text)) is not a number\(hint)")
            }
        }
        if rejectAllZeroRows, row.allSatisfy({ $0 == 0 }) {
            if skipInvalid { return false }
            throw DataError(file: source.name, location: .text(line: record.line, column: nil), kind: .allZeroRow,
                            message: "row is all zeros: cosine distance is undefined for it (such rows can be skipped as invalid)")
        }
        return true
    }

    private func mixedDelimiterHint(record: TextRecord, delimiter current: Delimiter, in text: String? = nil) -> String {
        let candidates: [(Character, Delimiter)] = [(",", .comma), ("\t", .tab), (";", .semicolon)]
        let texts = text.map { [$0] } ?? (0..<record.count).map { record.text($0) }
        for (character, delimiter) in candidates where delimiter != current {
            if texts.contains(where: { $0.contains(character) }) {
                return " (mixed delimiters? this file is \(current.displayName)-separated but the row contains \(delimiter.displayName))"
            }
        }
        return ""
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}

/// A text file opened up to its first record: the tokenizer positioned after it, and whether it is a header.
struct OpenedTextTable {
    var tokenizer: TextTokenizer
    var first: TextRecord
    var isHeader: Bool
}

/// Chooses the delimiter (given, `.tsv`/`.tab` name, or detected), reads the first record and decides whether it
/// is a header: with `.detect`, a header has no numbers at all (a row mixing numbers and text is data with a bad
/// field).
func openTextTable(source: ByteSource, bomLength: Int, options: DataReadOptions) throws -> OpenedTextTable {
    let delimiter: Delimiter
    if let chosen = options.delimiter {
        delimiter = chosen
    } else if source.name.lowercased().hasSuffix(".tsv") || source.name.lowercased().hasSuffix(".tab") {
        delimiter = .tab
    } else {
        delimiter = try detectDelimiter(in: source)
    }
    var tokenizer = TextTokenizer(source: source, delimiter: delimiter)
    var record = TextRecord()
    guard try tokenizer.next(into: &record) else {
        let empty = source.offset <= bomLength
        throw DataError(file: source.name, location: empty ? .file : .text(line: tokenizer.line, column: nil),
                        kind: empty ? .emptyFile : .noDataRows,
                        message: empty ? "file is empty" : "no data rows (only comments or blank lines)")
    }
    let isHeader: Bool
    switch options.header {
    case .present: isHeader = true
    case .absent: isHeader = false
    case .detect:
        isHeader = !(0..<record.count).contains { index in
            switch record.number(index) {
            case .finite, .nonFinite: return true
            case .empty, .invalid: return false
            }
        }
    }
    return OpenedTextTable(tokenizer: tokenizer, first: record, isHeader: isHeader)
}
