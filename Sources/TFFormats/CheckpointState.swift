/// The `checkpoint` state file of a model directory (TensorFlow's `CheckpointState` in protobuf text format).
public struct CheckpointState: Sendable, Equatable {
    /// The latest checkpoint prefix, usually relative to the directory (`model.ckpt-42`).
    public var modelCheckpointPath: String
    /// All retained checkpoint prefixes, oldest first; the last equals `modelCheckpointPath`.
    public var allModelCheckpointPaths: [String]

    /// Creates a state.
    public init(modelCheckpointPath: String, allModelCheckpointPaths: [String]) {
        self.modelCheckpointPath = modelCheckpointPath
        self.allModelCheckpointPaths = allModelCheckpointPaths
    }

    /// Parses the text format. Unknown fields (e.g. `all_model_checkpoint_timestamps`) are ignored; `path` is
    /// used in error messages.
    public init(parsing text: String, path: String) throws(TFFormatError) {
        var parser = TextProtoParser(Array(text.utf8), path: path)
        var latest: String?
        var all: [String] = []
        while let name = try parser.nextFieldName() {
            switch name {
            case "model_checkpoint_path": latest = try parser.stringValue(field: name)
            case "all_model_checkpoint_paths": all.append(contentsOf: try parser.stringValues(field: name))
            default: try parser.skipValue()
            }
        }
        guard let latest, !latest.isEmpty else {
            throw .checkpointStateSyntax(path: path, line: parser.line, detail: "missing or empty model_checkpoint_path")
        }
        self.modelCheckpointPath = latest
        self.allModelCheckpointPaths = all
    }

    /// The text TensorFlow's `text_format` would write: the two known fields, strings C-escaped.
    public var serialized: String {
        var text = "model_checkpoint_path: \"\(Self.escape(modelCheckpointPath))\"\n"
        for path in allModelCheckpointPaths {
            text += "all_model_checkpoint_paths: \"\(Self.escape(path))\"\n"
        }
        return text
    }

    /// C-style escaping as protobuf's text format emits it (non-ASCII bytes as octal).
    static func escape(_ string: String) -> String {
        var out = ""
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "'"): out += "\\'"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\r"): out += "\\r"
            case UInt8(ascii: "\t"): out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\" + String(byte, radix: 8).leftPadded(to: 3)
            }
        }
        return out
    }
}

/// A tolerant tokenizer for protobuf text format: enough to read known string fields and skip anything else,
/// including nested messages and lists.
struct TextProtoParser {
    private let bytes: [UInt8]
    private var position = 0
    private let path: String
    private(set) var line = 1

    init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    private func fail(_ detail: String) -> TFFormatError { .checkpointStateSyntax(path: path, line: line, detail: detail) }

    private mutating func skipSpaceAndComments() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") {
                line += 1
                position += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == 0x0B || byte == 0x0C {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else {
                return
            }
        }
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    /// The next field name (skipping separators), or nil at the end of input.
    mutating func nextFieldName() throws(TFFormatError) -> String? {
        skipSpaceAndComments()
        while let byte = peek, byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") {
            position += 1
            skipSpaceAndComments()
        }
        guard let first = peek else { return nil }
        if first == UInt8(ascii: "[") {
            // Extension or Any field name: [type.googleapis.com/...]
            let start = position
            while let byte = peek, byte != UInt8(ascii: "]") { position += 1 }
            guard peek != nil else { throw fail("unterminated extension name") }
            position += 1
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        guard Self.isIdentifierByte(first) else {
            throw fail("expected a field name, found '\(Unicode.Scalar(first))'")
        }
        let start = position
        while let byte = peek, Self.isIdentifierByte(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipColon() -> Bool {
        skipSpaceAndComments()
        if peek == UInt8(ascii: ":") {
            position += 1
            skipSpaceAndComments()
            return true
        }
        return false
    }

    /// A string value (adjacent literals concatenated) after `field:`.
    mutating func stringValue(field: String) throws(TFFormatError) -> String {
        guard skipColon() else { throw fail("expected ':' after \(field)") }
        return try stringLiterals(field: field)
    }

    /// One string or a `[...]` list of strings after `field:`.
    mutating func stringValues(field: String) throws(TFFormatError) -> [String] {
        guard skipColon() else { throw fail("expected ':' after \(field)") }
        guard peek == UInt8(ascii: "[") else { return [try stringLiterals(field: field)] }
        position += 1
        var values: [String] = []
        while true {
            skipSpaceAndComments()
            if peek == UInt8(ascii: "]") {
                position += 1
                return values
            }
            if !values.isEmpty {
                guard peek == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in the list of \(field)") }
                position += 1
                skipSpaceAndComments()
            }
            values.append(try stringLiterals(field: field))
        }
    }

    private mutating func stringLiterals(field: String) throws(TFFormatError) -> String {
        var result: [UInt8] = []
        var sawLiteral = false
        while let quote = peek, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
            sawLiteral = true
            position += 1
            try readQuoted(quote: quote, into: &result)
            skipSpaceAndComments()
        }
        guard sawLiteral else { throw fail("expected a quoted string for \(field)") }
        return String(decoding: result, as: UTF8.self)
    }

    private mutating func readQuoted(quote: UInt8, into result: inout [UInt8]) throws(TFFormatError) {
        while true {
            guard let byte = peek else { throw fail("unterminated string") }
            position += 1
            if byte == quote { return }
            if byte == UInt8(ascii: "\n") { throw fail("newline inside a string") }
            guard byte == UInt8(ascii: "\\") else {
                result.append(byte)
                continue
            }
            guard let escaped = peek else { throw fail("unterminated escape") }
            position += 1
            switch escaped {
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "a"): result.append(0x07)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "v"): result.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escaped - UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard let digit = peek, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { break }
                    value = value * 8 + Int(digit - UInt8(ascii: "0"))
                    position += 1
                }
                guard value <= 0xFF else { throw fail("octal escape \\\(String(value, radix: 8)) out of range") }
                result.append(UInt8(value))
            case UInt8(ascii: "x"):
                var value = 0
                var digits = 0
                while digits < 2, let digit = peek, let nibble = Self.hexValue(digit) {
                    value = value * 16 + nibble
                    position += 1
                    digits += 1
                }
                guard digits > 0 else { throw fail("\\x escape without hex digits") }
                result.append(UInt8(value))
            default:
                result.append(escaped)  // \" \' \\ \? and anything else stand for themselves
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// Skips the value of an unknown field: a scalar, string(s), a list, or a nested message.
    mutating func skipValue() throws(TFFormatError) {
        let hadColon = skipColon()
        guard let byte = peek else { throw fail("missing value at end of file") }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "<"):
            position += 1
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: ">")
            while true {
                skipSpaceAndComments()
                guard let next = peek else { throw fail("unterminated nested message") }
                if next == close {
                    position += 1
                    return
                }
                if next == UInt8(ascii: ",") || next == UInt8(ascii: ";") {
                    position += 1
                    continue
                }
                guard try nextFieldName() != nil else { throw fail("unterminated nested message") }
                try skipValue()
            }
        case UInt8(ascii: "["):
            position += 1
            while true {
                skipSpaceAndComments()
                guard let next = peek else { throw fail("unterminated list") }
                if next == UInt8(ascii: "]") {
                    position += 1
                    return
                }
                if next == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try skipScalarOrMessage()
            }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            _ = try stringLiterals(field: "value")
        default:
            guard hadColon else { throw fail("expected ':' or '{' after a field name") }
            try skipScalarOrMessage()
        }
    }

    private mutating func skipScalarOrMessage() throws(TFFormatError) {
        guard let byte = peek else { throw fail("missing value") }
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            // Re-enter through skipValue without a colon requirement.
            try skipValue()
            return
        }
        let start = position
        while let next = peek, Self.isIdentifierByte(next) || next == UInt8(ascii: ".") || next == UInt8(ascii: "-") || next == UInt8(ascii: "+") {
            position += 1
        }
        guard position > start else { throw fail("unexpected character '\(Unicode.Scalar(byte))'") }
    }
}
