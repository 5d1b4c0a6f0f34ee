#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
        return bytes.withUnsafeBufferPointer { buffer -> NumberValue in
            let base = buffer.baseAddress!
            if let value = fastDecimal(base + first, count: last - first) { return .finite(value) }
            // strtof reads up to the NUL after the field; the whole trimmed field must be consumed.
            let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            var stop: UnsafeMutablePointer<CChar>? = nil
            let value = strtof(text + first, &stop)
            guard let stop, UnsafePointer(stop) == text + last else { return .invalid }
            return value.isFinite ? .finite(value) : .nonFinite
        }
    }
}

/// Powers of ten exactly representable as `Float`.
private let exactPowersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

/// Parses plain decimals (`-12.5`, `3e4`) whose digits fit in 24 bits and whose decimal exponent is at most 10
/// in size: then one exact multiplication or division gives the correctly rounded `Float` (Clinger's fast path).
/// Returns nil for anything else, which the caller hands to `strtof`.
@inline(__always)
func fastDecimal(_ text: UnsafePointer<UInt8>, count: Int) -> Float? {
    var index = 0
    var negative = false
    if text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
        negative = text[0] == UInt8(ascii: "-")
        index = 1
    }
    var mantissa: UInt32 = 0
    var digits = 0
    var exponent = 0
    var sawPoint = false
    while index < count {
        let byte = text[index]
        if byte >= 0x30 && byte <= 0x39 {
            if mantissa >= 100_000_000 { return nil }
            mantissa = mantissa * 10 + UInt32(byte - 0x30)
            digits += 1
            if sawPoint { exponent -= 1 }
        } else if byte == UInt8(ascii: ".") && !sawPoint {
            sawPoint = true
        } else {
            break
        }
        index += 1
    }
    if digits == 0 { return nil }
    if index < count {
        guard text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") else { return nil }
        index += 1
        var exponentNegative = false
        if index < count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            exponentNegative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var written = 0
        var exponentDigits = 0
        while index < count, text[index] >= 0x30, text[index] <= 0x39 {
            written = written * 10 + Int(text[index] - 0x30)
            exponentDigits += 1
            if exponentDigits > 3 { return nil }
            index += 1
        }
        if exponentDigits == 0 || index != count { return nil }
        exponent += exponentNegative ? -written : written
    }
    guard mantissa <= 1 << 24, exponent >= -10, exponent <= 10 else { return nil }
    var value = Float(mantissa)
    if exponent > 0 { value *= exactPowersOfTen[exponent] } else if exponent < 0 { value /= exactPowersOfTen[-exponent] }
    return negative ? -value : value
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
    ///
    /// The loop reads the buffer through a raw pointer and keeps all state in locals (fields are moved out of
    /// `record` and back), so the hot path has no closures, exclusivity checks or reference counting.
    mutating func next(into record: inout TextRecord) throws -> Bool {
        record.reset(line: line)
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        swap(&bytes, &record.bytes)
        swap(&starts, &record.starts)
        swap(&lengths, &record.lengths)
        defer {
            swap(&bytes, &record.bytes)
            swap(&starts, &record.starts)
            swap(&lengths, &record.lengths)
        }
        let separator = delimiter.byte ?? 0
        let whitespaceSeparated = delimiter == .whitespace
        let tabIsPadding = separator != tabByte
        var state = State.lineStart
        var fieldStart = 0
        var quoteLine = line
        var recordLine = line
        var currentLine = line
        var skipLF = skipLineFeed
        let file = source.name

        @inline(__always) func isSeparator(_ byte: UInt8) -> Bool {
            whitespaceSeparated ? (byte == space || byte == tabByte) : byte == separator
        }
        @inline(__always) func isPadding(_ byte: UInt8) -> Bool {
            byte == space || (byte == tabByte && tabIsPadding)
        }
        func fieldTooLong(line: Int, column: Int, hint: String) -> DataError {
            DataError(file: file, location: .text(line: line, column: column), kind: .tooLong,
                      message: "field is longer than \(maximumFieldBytes) bytes (\(hint))")
        }

        while true {
            if source.available == 0 {
                line = currentLine
                skipLineFeed = skipLF
                if try !source.fill() { break }
            }
            let pointer = source.base
            var index = source.start
            let end = source.end
            var finished = false
            var failure: DataError? = nil
            scan: while index < end {
                let byte = pointer[index]
                if skipLF {
                    skipLF = false
                    if byte == lineFeed { index += 1; continue }
                }
                let isNewline = byte == lineFeed || byte == carriageReturn
                switch state {
                case .lineStart:
                    recordLine = currentLine
                    if byte == hashMark {
                        state = .comment
                        index += 1
                    } else if isNewline {
                        currentLine += 1
                        skipLF = byte == carriageReturn
                        index += 1
                    } else if byte == space || (byte == tabByte && (whitespaceSeparated || tabIsPadding)) {
                        index += 1
                    } else {
                        state = .fieldStart
                    }
                case .comment:
                    if isNewline {
                        currentLine += 1
                        skipLF = byte == carriageReturn
                        state = .lineStart
                    }
                    index += 1
                case .fieldStart:
                    if byte == quoteMark {
                        fieldStart = bytes.count
                        quoteLine = currentLine
                        state = .quoted
                        index += 1
                    } else if isNewline {
                        if !whitespaceSeparated {
                            starts.append(bytes.count)
                            lengths.append(0)
                            bytes.append(0)
                        }
                        currentLine += 1
                        skipLF = byte == carriageReturn
                        index += 1
                        finished = true
                        break scan
                    } else if whitespaceSeparated ? (byte == space || byte == tabByte) : isPadding(byte) {
                        index += 1
                    } else if !whitespaceSeparated && byte == separator {
                        starts.append(bytes.count)
                        lengths.append(0)
                        bytes.append(0)
                        index += 1
                    } else {
                        fieldStart = bytes.count
                        state = .unquoted
                    }
                case .unquoted:
                    // Copy the run of ordinary bytes at once.
                    var stop = index
                    while stop < end {
                        let next = pointer[stop]
                        if next == lineFeed || next == carriageReturn || isSeparator(next) { break }
                        stop += 1
                    }
                    if stop > index {
                        bytes.append(contentsOf: UnsafeBufferPointer(start: pointer + index, count: stop - index))
                        index = stop
                        if bytes.count - fieldStart > maximumFieldBytes {
                            failure = fieldTooLong(line: recordLine, column: starts.count + 1,
                                                   hint: "no number is that long: is this a CSV, TSV or .npy file?")
                            break scan
                        }
                        continue
                    }
                    var length = bytes.count - fieldStart
                    while length > 0, isPadding(bytes[fieldStart + length - 1]) { length -= 1 }
                    if fieldStart + length < bytes.count { bytes.removeLast(bytes.count - fieldStart - length) }
                    starts.append(fieldStart)
                    lengths.append(length)
                    bytes.append(0)
                    index += 1
                    if isNewline {
                        currentLine += 1
                        skipLF = byte == carriageReturn
                        finished = true
                        break scan
                    }
                    state = .fieldStart
                case .quoted:
                    index += 1
                    if byte == quoteMark {
                        state = .quoteSeen
                    } else {
                        if byte == lineFeed { currentLine += 1 }
                        bytes.append(byte)
                        if bytes.count - fieldStart > maximumFieldBytes {
                            failure = fieldTooLong(line: recordLine, column: starts.count + 1,
                                                   hint: "a quote that opens here may never close")
                            break scan
                        }
                    }
                case .quoteSeen:
                    if byte == quoteMark {
                        bytes.append(byte)
                        state = .quoted
                        index += 1
                    } else {
                        state = .afterQuote
                    }
                case .afterQuote:
                    if isNewline || isSeparator(byte) {
                        starts.append(fieldStart)
                        lengths.append(bytes.count - fieldStart)
                        bytes.append(0)
                        index += 1
                        if isNewline {
                            currentLine += 1
                            skipLF = byte == carriageReturn
                            finished = true
                            break scan
                        }
                        state = .fieldStart
                    } else if byte == space || byte == tabByte {
                        index += 1
                    } else {
                        failure = DataError(file: file, location: .text(line: currentLine, column: starts.count + 1), kind: .malformedQuote,
                                            message: "unexpected \(quoted(String(decoding: [byte], as: UTF8.self))) after a closing quote")
                        break scan
                    }
                }
            }
            source.start = index
            line = currentLine
            skipLineFeed = skipLF
            if let failure { throw failure }
            if finished {
                record.line = recordLine
                return true
            }
        }
        // End of input.
        record.line = recordLine
        switch state {
        case .lineStart, .comment:
            return false
        case .fieldStart:
            if !whitespaceSeparated {
                starts.append(bytes.count)
                lengths.append(0)
                bytes.append(0)
            }
            return true
        case .quoted:
            throw DataError(file: file, location: .text(line: quoteLine, column: starts.count + 1), kind: .malformedQuote,
                            message: "quoted field starting here is never closed")
        case .unquoted, .quoteSeen, .afterQuote:
            var length = bytes.count - fieldStart
            if state == .unquoted {
                while length > 0, isPadding(bytes[fieldStart + length - 1]) { length -= 1 }
                bytes.removeLast(bytes.count - fieldStart - length)
            }
            starts.append(fieldStart)
            lengths.append(length)
            bytes.append(0)
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
        var inQuotes = false
        var atLineStart = true
        var inComment = false
        var tabs = 0, commas = 0, semicolons = 0, spaceGaps = 0
        var previousWasSpace = false
        var complete = false
        while index < source.end {
            let byte = source[index]
            index += 1
            if inComment {
                if byte == lineFeed || byte == carriageReturn { inComment = false; atLineStart = true }
                continue
            }
            if atLineStart {
                if byte == hashMark { inComment = true; continue }
                if byte == space || byte == tabByte || byte == lineFeed || byte == carriageReturn { continue }
                atLineStart = false
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
            if tabs > 0 { return .tab }
            if semicolons > 0 { return .semicolon }
            if commas > 0 { return .comma }
            if spaceGaps > 0 { return .whitespace }
            return .comma
        }
        if try !source.fill() { continue }
    }
}
