/// What one column of a text data file holds, judged from every row.
public struct ColumnProfile: Sendable, Equatable {
    /// The kind of values in a column.
    public enum Kind: String, Sendable, Equatable {
        /// Numbers, not all integers (empty, NaN and infinite fields are left to the reader's checks).
        case number
        /// Integers that do not count up.
        case integer
        /// Integers counting up by one from row to row (at least 3 rows, no empty field): a row id.
        case rowID = "row id"
        /// Text: more fields that are not numbers than fields that are.
        case text
    }

    /// The 0-based column index in the file.
    public var index: Int
    /// The header's name, or the index as text when the file has no header.
    public var name: String
    /// What the column holds.
    public var kind: Kind
    /// For text columns, the first field that is not a number; for number columns, the first that is not an
    /// integer (what a message quotes).
    public var sample: String?
    /// The line of ``sample``.
    public var sampleLine: Int?
}

/// The columns of a text data file as found by one streaming pass over it.
public struct TableProfile: Sendable, Equatable {
    /// Every column, in file order.
    public var columns: [ColumnProfile]
    /// Whether the first row is a header.
    public var hasHeader: Bool
    /// The data rows seen (rows with the wrong number of fields are left to the reader).
    public var rows: Int

    /// The least rows for which integers counting up are taken for a row id.
    public static let minimumRowIDRows = 3

    /// Profiles `path` (a CSV/TSV file; not standard input, which cannot be read twice). Returns nil for a `.npy`
    /// file, whose columns are all numbers. Throws a ``DataError`` for an empty or unreadable file.
    public static func profile(path: String, options: DataReadOptions = DataReadOptions()) throws -> TableProfile? {
        guard var opened = try openText(path: path, options: options) else { return nil }
        var record = opened.first
        let fieldCount = record.count
        let names = (0..<fieldCount).map { opened.isHeader ? record.trimmedText($0) : String($0) }
        var tallies = [ColumnTally](repeating: ColumnTally(), count: fieldCount)
        var rows = 0
        var pending = !opened.isHeader
        while true {
            if pending {
                pending = false
            } else if try !opened.tokenizer.next(into: &record) {
                break
            }
            guard record.count == fieldCount else { continue }
            rows += 1
            for index in 0..<fieldCount { tallies[index].add(record, index) }
        }
        let columns = tallies.enumerated().map { index, tally in
            ColumnProfile(index: index, name: names[index], kind: tally.kind(rows: rows),
                          sample: tally.kind(rows: rows) == .text ? tally.firstText : tally.firstFraction,
                          sampleLine: tally.kind(rows: rows) == .text ? tally.firstTextLine : tally.firstFractionLine)
        }
        return TableProfile(columns: columns, hasHeader: opened.isHeader, rows: rows)
    }

    /// Whether the first data row of the CSV/TSV file `path` has a field that is not a number (false for a `.npy`
    /// file): reads that row only.
    public static func firstRowHoldsText(path: String, options: DataReadOptions = DataReadOptions()) throws -> Bool {
        guard var opened = try openText(path: path, options: options) else { return false }
        var record = opened.first
        if opened.isHeader, try !opened.tokenizer.next(into: &record) { return false }
        return (0..<record.count).contains { index in
            if case .invalid = record.number(index) { return true }
            return false
        }
    }

    /// `path` opened as a text table; nil for a `.npy` file.
    private static func openText(path: String, options: DataReadOptions) throws -> OpenedTextTable? {
        let source = try ByteSource(path: path)
        _ = try source.ensure(8)
        let head = (source.start..<min(source.end, source.start + 6)).map { source[$0] }
        if options.format == .npy || (options.format == nil && head == NPYHeader.magic) { return nil }
        let bomLength = source.skipByteOrderMark()
        return try openTextTable(source: source, bomLength: bomLength, options: options)
    }

    /// The column `reference` names: a header name, else a 0-based index; nil when there is none.
    public func column(_ reference: String) -> ColumnProfile? {
        if hasHeader, let match = columns.first(where: { $0.name == reference }) { return match }
        if let index = Int(reference), columns.indices.contains(index) { return columns[index] }
        return nil
    }

    /// A reference to column `index` that ``DataReadOptions/featureColumns`` resolves back to it: the header name
    /// when it is unique, else the index.
    public func reference(to index: Int) -> String {
        let name = columns[index].name
        if hasHeader, columns.filter({ $0.name == name }).count == 1 { return name }
        return String(index)
    }

    /// The columns, quoted and comma-separated, for messages.
    public var columnList: String { columns.map { quoted($0.name) }.joined(separator: ", ") }
}

/// Counts of one column's field kinds during profiling.
struct ColumnTally {
    var numbers = 0
    var texts = 0
    var empties = 0
    var firstText: String?
    var firstTextLine: Int?
    var firstFraction: String?
    var firstFractionLine: Int?
    var integral = true
    var countingUp = true
    var last: Int64?

    mutating func add(_ record: TextRecord, _ index: Int) {
        switch record.number(index) {
        case .finite(let value):
            numbers += 1
            guard integral else { return }
            // Row ids are written as plain integers; Float holds every integer up to 2^24 exactly.
            let text = record.trimmedText(index)
            if let integer = Int64(text) {
                if let last, integer != last &+ 1 { countingUp = false }
                last = integer
            } else if value.rounded() == value, abs(value) < 0x1p24 {
                countingUp = false
            } else {
                integral = false
                firstFraction = text
                firstFractionLine = record.line
            }
        case .nonFinite:
            numbers += 1
            integral = false
            if firstFraction == nil { firstFraction = record.trimmedText(index); firstFractionLine = record.line }
        case .empty:
            empties += 1
            countingUp = false
        case .invalid:
            texts += 1
            if firstText == nil { firstText = record.trimmedText(index); firstTextLine = record.line }
        }
    }

    func kind(rows: Int) -> ColumnProfile.Kind {
        if texts > numbers { return .text }
        if !integral || numbers == 0 { return .number }
        if countingUp, empties == 0, texts == 0, rows >= TableProfile.minimumRowIDRows { return .rowID }
        return .integer
    }
}
