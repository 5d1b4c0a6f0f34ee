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
