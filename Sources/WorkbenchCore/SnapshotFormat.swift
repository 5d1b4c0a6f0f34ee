/// Text forms of a `CellGrid`: plain glyphs, glyphs plus a style map (for golden files), and ANSI escape sequences.
public enum SnapshotFormat: String, Sendable, CaseIterable {
    /// Glyphs only, one line per row, trailing spaces trimmed.
    case text
    /// Glyphs, then a per-cell style-id map and a legend (neovim-style): readable, diffable, and it checks colours.
    case styled
    /// Glyphs with SGR escape sequences, for `cat` in a terminal.
    case ansi

    /// Renders `grid` in this format.
    public func render(_ grid: CellGrid) -> String {
        switch self {
        case .text: return SnapshotFormat.text(grid)
        case .styled: return SnapshotFormat.styled(grid)
        case .ansi: return SnapshotFormat.ansi(grid)
        }
    }

    /// Glyph rows with trailing spaces removed.
    public static func text(_ grid: CellGrid) -> String {
        (0..<grid.height).map { trimTrailing(grid.rowText($0)) }.joined(separator: "\n") + "\n"
    }

    /// Glyphs, then `-- styles --` with one id character per cell (`.` = default style) and a legend of the ids.
    public static func styled(_ grid: CellGrid) -> String {
        var ids: [CellStyle: Character] = [.plain: "."]
        var order: [CellStyle] = []
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+/=?@^~")
        var out = text(grid)
        out += "-- styles --\n"
        for y in 0..<grid.height {
            var line = ""
            for x in 0..<grid.width {
                let style = grid[x, y].style
                if ids[style] == nil {
                    ids[style] = order.count < alphabet.count ? alphabet[order.count] : "§"
                    order.append(style)
                }
                line.append(ids[style] ?? "?")
            }
            out += trimTrailing(line, character: ".") + "\n"
        }
        out += "-- legend --\n"
        for style in order { out += "\(ids[style] ?? "?") = \(describe(style))\n" }
        return out
    }

    /// A readable name for a style, e.g. `fg=256:39 bg=default bold reverse`.
    public static func describe(_ style: CellStyle) -> String {
        func colour(_ c: TerminalColor) -> String {
            switch c {
            case .standard: "default"
            case let .indexed(i): i < 8 ? "ansi:\(i)" : "256:\(i)"
            case let .rgb(r, g, b): "#" + [r, g, b].map { hex($0) }.joined()
            }
        }
        var parts = ["fg=\(colour(style.foreground))", "bg=\(colour(style.background))"]
        if style.attributes.contains(.bold) { parts.append("bold") }
        if style.attributes.contains(.dim) { parts.append("dim") }
        if style.attributes.contains(.reverse) { parts.append("reverse") }
        if style.attributes.contains(.underline) { parts.append("underline") }
        return parts.joined(separator: " ")
    }

    /// The grid as SGR-coloured text (each row ends with a reset).
    public static func ansi(_ grid: CellGrid) -> String {
        var out = ""
        for y in 0..<grid.height {
            var current: CellStyle? = nil
            var row = ""
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if cell.style != current {
                    row += sgr(cell.style)
                    current = cell.style
                }
                row.unicodeScalars.append(cell.glyph)
            }
            out += row + "\u{1B}[0m\n"
        }
        return out
    }

    /// The SGR sequence that selects `style` from a reset state.
    public static func sgr(_ style: CellStyle) -> String {
        var codes = ["0"]
        if style.attributes.contains(.bold) { codes.append("1") }
        if style.attributes.contains(.dim) { codes.append("2") }
        if style.attributes.contains(.underline) { codes.append("4") }
        if style.attributes.contains(.reverse) { codes.append("7") }
        switch style.foreground {
        case .standard: break
        case let .indexed(i): codes.append(i < 8 ? "\(30 + Int(i))" : "38;5;\(i)")
        case let .rgb(r, g, b): codes.append("38;2;\(r);\(g);\(b)")
        }
        switch style.background {
        case .standard: break
        case let .indexed(i): codes.append(i < 8 ? "\(40 + Int(i))" : "48;5;\(i)")
        case let .rgb(r, g, b): codes.append("48;2;\(r);\(g);\(b)")
        }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    private static func hex(_ v: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 4)], digits[Int(v & 0xF)]])
    }

    private static func trimTrailing(_ s: String, character: Character = " ") -> String {
        var scalars = Array(s.unicodeScalars)
        while let last = scalars.last, Character(last) == character { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
