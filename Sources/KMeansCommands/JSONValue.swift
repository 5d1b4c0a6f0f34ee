/// A JSON value with ordered keys and float32-exact number printing (Swift's shortest round-trip form).
enum JSONValue {
    case float(Float)
    case double(Double)
    case int(Int64)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func floats(_ values: some Sequence<Float>) -> JSONValue { .array(values.map { .float($0) }) }

    static func matrix(_ rows: [[Float]]) -> JSONValue { .array(rows.map { floats($0) }) }

    /// One line, no spaces.
    var compact: String {
        var out = ""
        write(to: &out, indent: nil, level: 0)
        return out
    }

    /// Indented; arrays of scalars stay on one line.
    var pretty: String {
        var out = ""
        write(to: &out, indent: "  ", level: 0)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func write(to out: inout String, indent: String?, level: Int) {
        switch self {
        case .float(let value):
            out += value.isFinite ? "\(value)" : "null"
        case .double(let value):
            out += value.isFinite ? "\(value)" : "null"
        case .int(let value):
            out += "\(value)"
        case .bool(let value):
            out += value ? "true" : "false"
        case .null:
            out += "null"
        case .string(let text):
            JSONValue.writeString(text, to: &out)
        case .array(let items):
            let inline = indent == nil || items.allSatisfy(\.isScalar)
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += inline && indent != nil ? ", " : "," }
                if !inline, let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if !inline, let indent, !items.isEmpty { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case .object(let fields):
            out += "{"
            for (position, (key, value)) in fields.enumerated() {
                if position > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent, !fields.isEmpty { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
