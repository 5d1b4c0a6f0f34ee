/// A problem with a data file, naming where it is and what was found there.
///
/// The description reads like a compiler diagnostic, e.g. `data.csv:17:3: "abc" is not a number`, so a
/// user can jump straight to the offending field. For text files the line is the physical line (1-based,
/// comment and blank lines included) and the column is the 1-based field number; for `.npy` files the
/// location is the 1-based row and column of the element.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case io
        /// The file has no bytes at all (or only a byte-order mark).
        case emptyFile
        /// The file has no data rows (only a header, comments or blank lines).
        case noDataRows
        /// A field that should hold a number does not parse as one (or is empty).
        case notANumber
        /// A field holds NaN or ±infinity (or a number outside `Float`'s range).
        case nonFinite
        /// A row has a different number of fields than the first row.
        case raggedRow
        /// A quoted field is malformed (unterminated, or text after the closing quote).
        case malformedQuote
        /// A requested feature column does not exist.
        case unknownColumn
        /// A `.npy` header is malformed or describes something this reader does not support.
        case badHeader
        /// A `.npy` element type is not supported.
        case unsupportedDType
        /// The file holds fewer (or more) bytes than its header claims.
        case sizeMismatch
        /// A field or line is longer than any number could be.
        case tooLong
        /// A matrix has the wrong number of columns for its use.
        case dimensionMismatch
        /// A row is all zeros where that is not allowed (cosine distance has no direction for it).
        case allZeroRow
        /// A column cannot serve as asked: no column holds numbers to cluster, or a truth column holds fractions
        /// or only one value.
        case unusableColumn
    }

    /// Where in the file the problem is.
    public enum Location: Sendable, Equatable {
        /// The file as a whole.
        case file
        /// A line and (optionally) a 1-based field number of a text file.
        case text(line: Int, column: Int?)
        /// A 1-based row and column of a binary array.
        case element(row: Int, column: Int)
        /// A byte offset into a binary file.
        case byte(Int)
    }

    /// The file's name as the user gave it (`-` for standard input).
    public var file: String
    /// Where the problem is.
    public var location: Location
    /// What kind of problem it is.
    public var kind: Kind
    /// A one-line explanation that quotes the offending value where there is one.
    public var message: String

    /// Creates an error.
    public init(file: String, location: Location, kind: Kind, message: String) {
        self.file = file
        self.location = location
        self.kind = kind
        self.message = message
    }

    /// The message of an empty text field where a number was expected.
    static let emptyFieldMessage = "empty field, expected a number"

    /// Whether the row at fault would have been skipped with `DataReadOptions.skipInvalid` (NaN, ±infinity, an
    /// empty field, or an all-zero row where those are rejected).
    public var isSkippableRow: Bool {
        switch kind {
        case .nonFinite, .allZeroRow: return true
        case .notANumber: return message == DataError.emptyFieldMessage
        default: return false
        }
    }

    /// The line (text files) or row (binary arrays), when known.
    public var line: Int? {
        switch location {
        case .text(let line, _): return line
        case .element(let row, _): return row
        case .file, .byte: return nil
        }
    }

    /// The field number (text files) or column (binary arrays), when known.
    public var column: Int? {
        switch location {
        case .text(_, let column): return column
        case .element(_, let column): return column
        case .file, .byte: return nil
        }
    }

    /// `file:line:column: message` (or the parts of it that are known).
    public var description: String {
        let name = file == "-" ? "<stdin>" : file
        switch location {
        case .file: return "\(name): \(message)"
        case .text(let line, let column?): return "\(name):\(line):\(column): \(message)"
        case .text(let line, nil): return "\(name):\(line): \(message)"
        case .element(let row, let column): return "\(name):\(row):\(column): \(message) (row \(row), column \(column))"
        case .byte(let offset): return "\(name): byte \(offset): \(message)"
        }
    }
}

/// Quotes a value for an error message, shortening it and escaping control characters so that hostile
/// input cannot reach the terminal as an escape sequence.
func quoted(_ text: String, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit { out += "…"; break }
        count += 1
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return "\"\(out)\""
}
