/// The element type of a `.npy` array (its `descr`).
public struct NPYElementType: Sendable, Equatable, CustomStringConvertible {
    /// The family of values.
    public enum Kind: Sendable, Equatable {
        /// IEEE floating point (2, 4 or 8 bytes).
        case float
        /// Two's-complement signed integer (1, 2, 4 or 8 bytes).
        case signed
        /// Unsigned integer (1, 2, 4 or 8 bytes).
        case unsigned
        /// NumPy's bool (`|b1`), read as 0 or 1.
        case bool
    }

    /// The family of values.
    public var kind: Kind
    /// Bytes per element.
    public var size: Int
    /// True for `>` (big-endian) element types.
    public var bigEndian: Bool

    /// `float32`, little-endian: what the writer produces.
    public static let float32 = NPYElementType(kind: .float, size: 4, bigEndian: false)

    /// Parses a NumPy type string such as `<f4`, `>i8`, `|u1` or `|b1`; nil for anything else.
    public init?(descr: String) {
        let characters = Array(descr)
        guard characters.count >= 3, let size = Int(String(characters[2...])) else { return nil }
        switch characters[0] {
        case "<", "|", "=": bigEndian = false
        case ">": bigEndian = true
        default: return nil
        }
        switch (characters[1], size) {
        case ("f", 2), ("f", 4), ("f", 8): kind = .float
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("b", 1): kind = .bool
        default: return nil
        }
        self.size = size
    }

    /// Creates an element type.
    public init(kind: Kind, size: Int, bigEndian: Bool) {
        self.kind = kind
        self.size = size
        self.bigEndian = bigEndian
    }

    /// The NumPy type string, e.g. `<f4`.
    public var description: String {
        let order = size == 1 ? "|" : (bigEndian ? ">" : "<")
        let code: String
        switch kind {
        case .float: code = "f"
        case .signed: code = "i"
        case .unsigned: code = "u"
        case .bool: code = "b"
        }
        return "\(order)\(code)\(size)"
    }
}

/// The parsed header of a `.npy` file.
public struct NPYHeader: Sendable, Equatable {
    /// The format version (1, 2 or 3).
    public var majorVersion: Int
    /// The element type.
    public var elementType: NPYElementType
    /// True when the data is stored column-major.
    public var fortranOrder: Bool
    /// The array's shape as declared.
    public var shape: [Int]
    /// The byte offset where the data starts.
    public var dataOffset: Int

    /// The largest header accepted (NumPy itself refuses headers over 10 000 bytes by default).
    static let maximumHeaderLength = 1 << 16

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads and validates the header at the start of `source`.
    static func read(from source: ByteSource) throws -> NPYHeader {
        let file = source.name
        func fail(_ message: String, _ kind: DataError.Kind = .badHeader, at offset: Int? = nil) -> DataError {
            DataError(file: file, location: offset.map { .byte($0) } ?? .file, kind: kind, message: message)
        }
        let prefix = try source.read(count: 8)
        guard prefix.count == 8, Array(prefix[0..<6]) == magic else {
            throw fail("not a .npy file (bad magic bytes)", at: 0)
        }
        let major = Int(prefix[6])
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw fail("unsupported .npy format version \(major).\(prefix[7])", at: 6)
        }
        let lengthField = try source.read(count: lengthBytes)
        guard lengthField.count == lengthBytes else { throw fail("truncated header", .sizeMismatch, at: 8) }
        let headerLength = lengthField.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= maximumHeaderLength else {
            throw fail("header claims \(headerLength) bytes; at most \(maximumHeaderLength) are accepted", at: 8)
        }
        let headerBytes = try source.read(count: headerLength)
        guard headerBytes.count == headerLength else {
            throw fail("truncated header: \(headerLength) bytes claimed, \(headerBytes.count) present", .sizeMismatch, at: 8 + lengthBytes)
        }
        if major < 3, headerBytes.contains(where: { $0 >= 0x80 }) {
            throw fail("header of a version \(major) file must be ASCII", at: 8 + lengthBytes)
        }
        guard let text = String(validating: headerBytes, as: UTF8.self) else {
            throw fail("header is not valid UTF-8", at: 8 + lengthBytes)
        }
        var parser = HeaderDictionaryParser(text: text)
        let dictionary: [String: HeaderDictionaryParser.Value]
        do {
            dictionary = try parser.parseDictionary()
        } catch let problem as HeaderDictionaryParser.Problem {
            throw fail("malformed header \(quoted(text.trimmingTrailingWhitespace(), limit: 80)): \(problem.message)", at: 8 + lengthBytes)
        }
        for key in dictionary.keys where !["descr", "fortran_order", "shape"].contains(key) {
            throw fail("unexpected header key \(quoted(key))")
        }
        guard case .string(let descr)? = dictionary["descr"] else {
            if case .list? = dictionary["descr"] { throw fail("structured dtypes are not supported", .unsupportedDType) }
            throw fail("header has no 'descr' string")
        }
        guard let elementType = NPYElementType(descr: descr) else {
            throw fail("unsupported dtype \(quoted(descr)); expected float16/32/64, (u)int8…64 or bool", .unsupportedDType)
        }
        guard case .bool(let fortranOrder)? = dictionary["fortran_order"] else {
            throw fail("header has no 'fortran_order' True/False")
        }
        guard case .tuple(let shape)? = dictionary["shape"] else {
            throw fail("header has no 'shape' tuple")
        }
        return NPYHeader(majorVersion: major, elementType: elementType, fortranOrder: fortranOrder, shape: shape,
                         dataOffset: 8 + lengthBytes + headerLength)
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var copy = Substring(self)
        while let last = copy.last, last.isWhitespace { copy.removeLast() }
        return String(copy)
    }
}

/// Parses the Python dictionary literal of a `.npy` header: string keys; string, bool and int-tuple values.
struct HeaderDictionaryParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        case list
    }

    struct Problem: Error {
        var message: String
    }

    private let characters: [Character]
    private var index = 0

    init(text: String) {
        characters = Array(text)
    }

    mutating func parseDictionary() throws -> [String: Value] {
        skipSpace()
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" { index += 1; break }
            let key = try parseString()
            skipSpace()
            try expect(":")
            skipSpace()
            let value = try parseValue()
            if result[key] != nil { throw Problem(message: "duplicate key \(quoted(key))") }
            result[key] = value
            skipSpace()
            if peek() == "," { index += 1; continue }
            skipSpace()
            try expect("}")
            break
        }
        skipSpace()
        if index != characters.count { throw Problem(message: "text after the closing brace") }
        return result
    }

    private func peek() -> Character? {
        index < characters.count ? characters[index] : nil
    }

    private mutating func skipSpace() {
        while let character = peek(), character == " " || character == "\n" || character == "\t" || character == "\r" { index += 1 }
    }

    private mutating func expect(_ character: Character) throws {
        guard peek() == character else {
            throw Problem(message: "expected '\(character)' at character \(index + 1)")
        }
        index += 1
    }

    private mutating func parseString() throws -> String {
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw Problem(message: "expected a quoted string at character \(index + 1)")
        }
        index += 1
        var text = ""
        while let character = peek(), character != quote {
            text.append(character)
            index += 1
            if text.count > 256 { throw Problem(message: "string too long") }
        }
        try expect(quote)
        return text
    }

    private mutating func parseValue() throws -> Value {
        switch peek() {
        case "'", "\"":
            return .string(try parseString())
        case "(":
            index += 1
            var dimensions: [Int] = []
            while true {
                skipSpace()
                if peek() == ")" { index += 1; break }
                var digits = ""
                while let character = peek(), character.isASCII, character.isNumber {
                    digits.append(character)
                    index += 1
                    if digits.count > 19 { throw Problem(message: "dimension too large") }
                }
                if peek() == "L" { index += 1 }
                guard let dimension = Int(digits) else {
                    throw Problem(message: "expected a non-negative integer dimension at character \(index + 1)")
                }
                dimensions.append(dimension)
                if dimensions.count > 32 { throw Problem(message: "too many dimensions") }
                skipSpace()
                if peek() == "," { index += 1; continue }
                skipSpace()
                try expect(")")
                break
            }
            return .tuple(dimensions)
        case "[":
            var depth = 0
            while let character = peek() {
                index += 1
                if character == "[" { depth += 1 }
                if character == "]" { depth -= 1; if depth == 0 { return .list } }
            }
            throw Problem(message: "unclosed '['")
        default:
            for (word, value) in [("True", true), ("False", false)] {
                let end = index + word.count
                if end <= characters.count, String(characters[index..<end]) == word {
                    index = end
                    return .bool(value)
                }
            }
            throw Problem(message: "unexpected value at character \(index + 1)")
        }
    }
}
