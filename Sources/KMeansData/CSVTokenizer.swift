#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The field separator of a text data file.
public enum Delimiter: String, Sendable, Equatable, CaseIterable {
    /// `,` (CSV).
    case comma
    /// A tab character (TSV).
    case tab
    /// `;` (common in locales that write decimal commas).
    case semicolon
    /// Any run of spaces and tabs (whitespace-aligned tables); leading and trailing whitespace is ignored.
    case whitespace

    /// The separator byte, or nil for whitespace runs.
    var byte: UInt8? {
        switch self {
        case .comma: return UInt8(ascii: ",")
        case .tab: return UInt8(ascii: "\t")
        case .semicolon: return UInt8(ascii: ";")
        case .whitespace: return nil
        }
    }

    /// The character as written in messages.
    var displayName: String {
        switch self {
        case .comma: return "','"
        case .tab: return "tab"
        case .semicolon: return "';'"
        case .whitespace: return "whitespace"
        }
    }
}

private let lineFeed = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let quoteMark = UInt8(ascii: "\"")
private let space = UInt8(ascii: " ")
private let tabByte = UInt8(ascii: "\t")
private let hashMark = UInt8(ascii: "#")

/// The longest field accepted; no number needs more, and the cap keeps a hostile field from growing memory.
let maximumFieldBytes = 1 << 20

/// One record (row) of a text file: its fields' bytes, each followed by a NUL so `strtof` can read it in place.
struct TextRecord {
    var bytes: [UInt8] = []
    var starts: [Int] = []
    var lengths: [Int] = []
    /// The physical line (1-based) where the record starts.
    var line = 0

    var count: Int { starts.count }

    mutating func reset(line: Int) {
        bytes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        self.line = line
    }

    /// The field's text, decoded as UTF-8 (invalid bytes become U+FFFD).
    func text(_ index: Int) -> String {
        String(decoding: bytes[starts[index]..<(starts[index] + lengths[index])], as: UTF8.self)
    }

    /// The field's text with surrounding spaces and tabs removed.
    func trimmedText(_ index: Int) -> String {
        var text = Substring(text(index))
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }

    /// What a field holds when read as a number.
    enum NumberValue {
        case finite(Float)
        case nonFinite
        case empty
        case invalid
    }

    /// Parses a field as a `Float` (C locale, surrounding spaces allowed, correctly rounded).
    func number(_ index: Int) -> NumberValue {
        var first = starts[index]
        var last = first + lengths[index]
        while first < last, bytes[first] == space || bytes[first] == tabByte { first += 1 }
        while last > first, bytes[last - 1] == space || bytes[last - 1] == tabByte { last -= 1 }
        if first == last { return .empty }
        // strtof accepts a leading sign only before the digits; reject things it would read partially.
        return bytes.withUnsafeBufferPointer { buffer -> NumberValue in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let begin = base + first
            var stop: UnsafeMutablePointer<CChar>? = nil
            let value = strtof(begin, &stop)
            guard let stop, UnsafePointer(stop) == base + last else { return .invalid }
            return value.isFinite ? .finite(value) : .nonFinite
        }
    }
}

/// Splits a byte stream into records: RFC 4180 quoting (doubled quotes, delimiters and newlines inside quotes),
/// LF, CRLF or CR line ends, `#` comment lines and blank lines skipped.
struct TextTokenizer {
    let source: ByteSource
    let delimiter: Delimiter
    /// The physical line (1-based) of the next unread byte.
    var line = 1
    /// Set after a CR so that a following LF does not end a second (blank) line.
    var skipLineFeed = false

    private enum State {
        case lineStart, fieldStart, unquoted, quoted, quoteSeen, afterQuote, comment
    }

    init(source: ByteSource, delimiter: Delimiter) {
        self.source = source
        self.delimiter = delimiter
    }

    /// Reads the next record into `record`; returns false at end of input.
    mutating func next(into record: inout TextRecord) throws -> Bool {
        record.reset(line: line)
        let separator = delimiter.byte ?? 0
        let whitespaceSeparated = delimiter == .whitespace
        var state = State.lineStart
        var fieldStart = 0
        var quoteLine = line
        var done = false
        var failure: DataError? = nil
        let file = source.name

        func isPadding(_ byte: UInt8) -> Bool {
            byte == space || (byte == tabByte && separator != tabByte)
        }

        while !done {
            if source.available == 0 {
                if try !source.fill() { break }
            }
            var index = source.start
            let end = source.end
            var currentLine = line
            var skipLF = skipLineFeed
            source.buffer.withUnsafeBufferPointer { buffer in
                func beginField() { fieldStart = record.bytes.count }
                func endField() {
                    var length = record.bytes.count - fieldStart
                    if state == .unquoted {
                        while length > 0, isPadding(record.bytes[fieldStart + length - 1]) { length -= 1 }
                        record.bytes.removeLast(record.bytes.count - fieldStart - length)
                    }
                    record.starts.append(fieldStart)
                    record.lengths.append(length)
                    record.bytes.append(0)
                }
                func append(_ byte: UInt8) -> Bool {
                    if record.bytes.count - fieldStart >= maximumFieldBytes {
                        failure = DataError(file: file, location: .text(line: record.line, column: record.count + 1), kind: .tooLong,
                                            message: "field is longer than \(maximumFieldBytes) bytes")
                        return false
                    }
                    record.bytes.append(byte)
                    return true
                }
                func endLine(_ byte: UInt8) {
                    currentLine += 1
                    if byte == carriageReturn { skipLF = true }
                }
                scan: while index < end {
                    let byte = buffer[index]
                    index += 1
                    if skipLF {
                        skipLF = false
                        if byte == lineFeed { continue }
                    }
                    let isNewline = byte == lineFeed || byte == carriageReturn
                    reprocess: while true {
                        switch state {
                        case .lineStart:
                            record.line = currentLine
                            if byte == hashMark {
                                state = .comment
                            } else if isNewline {
                                endLine(byte)
                            } else if byte == space || byte == tabByte && (whitespaceSeparated || separator != tabByte) {
                                // Leading padding; the line may still turn out blank.
                            } else {
                                state = .fieldStart
                                continue reprocess
                            }
                        case .comment:
                            if isNewline {
                                endLine(byte)
                                state = .lineStart
                            }
                        case .fieldStart:
                            if byte == quoteMark {
                                beginField()
                                quoteLine = currentLine
                                state = .quoted
                            } else if isNewline {
                                if !whitespaceSeparated { beginField(); endField() }
                                endLine(byte)
                                done = true
                                break scan
                            } else if whitespaceSeparated ? (byte == space || byte == tabByte) : isPadding(byte) {
                                // Padding before a field.
                            } else if !whitespaceSeparated && byte == separator {
                                beginField()
                                endField()
                            } else {
                                beginField()
                                state = .unquoted
                                continue reprocess
                            }
                        case .unquoted:
                            if isNewline {
                                endField()
                                endLine(byte)
                                done = true
                                break scan
                            } else if whitespaceSeparated ? (byte == space || byte == tabByte) : byte == separator {
                                endField()
                                state = .fieldStart
                            } else if !append(byte) {
                                break scan
                            }
                        case .quoted:
                            if byte == quoteMark {
                                state = .quoteSeen
                            } else {
                                if byte == lineFeed { currentLine += 1 }
                                if !append(byte) { break scan }
                            }
                        case .quoteSeen:
                            if byte == quoteMark {
                                if !append(byte) { break scan }
                                state = .quoted
                            } else {
                                state = .afterQuote
                                continue reprocess
                            }
                        case .afterQuote:
                            if isNewline {
                                endField()
                                endLine(byte)
                                done = true
                                break scan
                            } else if whitespaceSeparated ? (byte == space || byte == tabByte) : byte == separator {
                                endField()
                                state = .fieldStart
                            } else if byte == space || byte == tabByte {
                                // Padding after a closing quote.
                            } else {
                                failure = DataError(file: file, location: .text(line: currentLine, column: record.count + 1), kind: .malformedQuote,
                                                    message: "unexpected \(quoted(String(decoding: [byte], as: UTF8.self))) after a closing quote")
                                break scan
                            }
                        }
                        break reprocess
                    }
                }
            }
            source.start = index
            line = currentLine
            skipLineFeed = skipLF
            if let failure { throw failure }
        }
        if done { return true }
        // End of input.
        switch state {
        case .lineStart, .comment:
            return false
        case .fieldStart:
            if !whitespaceSeparated {
                fieldStart = record.bytes.count
                record.starts.append(fieldStart)
                record.lengths.append(0)
                record.bytes.append(0)
            }
            return true
        case .quoted:
            throw DataError(file: file, location: .text(line: quoteLine, column: record.count + 1), kind: .malformedQuote,
                            message: "quoted field starting here is never closed")
        case .unquoted, .quoteSeen, .afterQuote:
            var length = record.bytes.count - fieldStart
            if state == .unquoted {
                while length > 0, isPadding(record.bytes[fieldStart + length - 1]) { length -= 1 }
                record.bytes.removeLast(record.bytes.count - fieldStart - length)
            }
            record.starts.append(fieldStart)
            record.lengths.append(length)
            record.bytes.append(0)
            return true
        }
    }
}

/// Chooses the delimiter from the first line that is neither blank nor a comment, counting separators outside
/// quotes: tab if there is one, else semicolon, else comma, else whitespace when the line has several
/// space-separated tokens, else comma (a single column).
func detectDelimiter(in source: ByteSource) throws -> Delimiter {
    let scanLimit = 16 << 20
    while true {
        var index = source.start
        var sawContent = false
        var inQuotes = false
        var atLineStart = true
        var inComment = false
        var tabs = 0, commas = 0, semicolons = 0, spaceGaps = 0
        var previousWasSpace = false
        var complete = false
        while index < source.end {
            let byte = source.buffer[index]
            index += 1
            if inComment {
                if byte == lineFeed || byte == carriageReturn { inComment = false; atLineStart = true }
                continue
            }
            if atLineStart {
                if byte == hashMark { inComment = true; continue }
                if byte == space || byte == tabByte || byte == lineFeed || byte == carriageReturn { continue }
                atLineStart = false
                sawContent = true
            }
            if byte == quoteMark { inQuotes.toggle(); previousWasSpace = false; continue }
            if inQuotes { continue }
            if byte == lineFeed || byte == carriageReturn { complete = true; break }
            switch byte {
            case tabByte: tabs += 1
            case UInt8(ascii: ","): commas += 1
            case UInt8(ascii: ";"): semicolons += 1
            default: break
            }
            if byte == space {
                previousWasSpace = true
            } else {
                if previousWasSpace { spaceGaps += 1 }
                previousWasSpace = false
            }
        }
        if complete || source.reachedEOF || source.available >= scanLimit {
            _ = sawContent
            if tabs > 0 { return .tab }
            if semicolons > 0 { return .semicolon }
            if commas > 0 { return .comma }
            if spaceGaps > 0 { return .whitespace }
            return .comma
        }
        if try !source.fill() { continue }
    }
}
