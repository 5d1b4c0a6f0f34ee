/// A terminal colour as the renderer asks for it, already reduced to the active colour tier.
public enum TerminalColor: Sendable, Hashable {
    /// The terminal's own foreground or background (what `NO_COLOR` and mono use).
    case standard
    /// One of the 256 xterm colours (0–7 are the eight ANSI colours).
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)
}

/// Text attributes of a cell.
public struct CellAttributes: OptionSet, Sendable, Hashable {
    /// The attribute bits.
    public let rawValue: UInt8
    /// Creates attributes from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Bold (or bright) text.
    public static let bold = CellAttributes(rawValue: 1 << 0)
    /// Dim text.
    public static let dim = CellAttributes(rawValue: 1 << 1)
    /// Reverse video: foreground and background swapped.
    public static let reverse = CellAttributes(rawValue: 1 << 2)
    /// Underlined text.
    public static let underline = CellAttributes(rawValue: 1 << 3)
}

/// The look of a cell apart from its glyph.
public struct CellStyle: Sendable, Hashable {
    /// Foreground colour.
    public var foreground: TerminalColor
    /// Background colour.
    public var background: TerminalColor
    /// Attributes.
    public var attributes: CellAttributes

    /// Creates a style.
    public init(foreground: TerminalColor = .standard, background: TerminalColor = .standard, attributes: CellAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    /// The terminal's default look.
    public static let plain = CellStyle()

    /// Whether a blank in this style shows nothing but the terminal's own background (no background colour, no
    /// reverse or underline): such a blank looks the same whatever its foreground and weight.
    public var blankLooksPlain: Bool { background == .standard && !attributes.contains(.reverse) && !attributes.contains(.underline) }
}

/// One character cell of the screen: a single-column glyph and its style.
public struct Cell: Sendable, Hashable {
    /// The glyph; always one terminal column wide.
    public var glyph: Unicode.Scalar
    /// Colours and attributes.
    public var style: CellStyle

    /// Creates a cell.
    public init(_ glyph: Unicode.Scalar = " ", style: CellStyle = .plain) {
        self.glyph = glyph
        self.style = style
    }

    /// A blank cell in the default style.
    public static let blank = Cell()

    /// Whether the two cells look the same on a terminal: the same glyph in the same style, or two blanks that show
    /// only the terminal's background.
    public func looksSame(as other: Cell) -> Bool {
        glyph == other.glyph && (style == other.style || (glyph == " " && style.blankLooksPlain && other.style.blankLooksPlain))
    }
}

/// A rectangular grid of cells: what the renderer produces and every backend consumes.
public struct CellGrid: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Row-major cells: `(x, y)` is `cells[y * width + x]`.
    public private(set) var cells: [Cell]

    /// Creates a grid filled with `fill`.
    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = [Cell](repeating: fill, count: self.width * self.height)
    }

    /// Whether `(x, y)` lies inside the grid.
    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    /// The cell at `(x, y)`; writes outside the grid are ignored, reads outside return a blank cell.
    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x: x, y: y) ? cells[y * width + x] : .blank }
        set { if contains(x: x, y: y) { cells[y * width + x] = newValue } }
    }

    /// Writes `text` from `(x, y)` rightwards, clipped to the grid and to `maxWidth` columns; returns the column after
    /// the last glyph written. Text is sanitised first, so control characters never reach the terminal.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, maxWidth: Int? = nil) -> Int {
        var column = x
        let limit = maxWidth.map { x + $0 } ?? width
        for scalar in TerminalText.sanitized(text).unicodeScalars {
            if column >= limit || column >= width { break }
            self[column, y] = Cell(scalar, style: style)
            column += 1
        }
        return column
    }

    /// Fills the rectangle with `cell`.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, with cell: Cell) {
        guard w > 0, h > 0 else { return }
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) { cells[row * width + column] = cell }
        }
    }

    /// Sets the style of every cell in the rectangle, keeping glyphs.
    public mutating func restyle(x: Int, y: Int, width w: Int, height h: Int, style: CellStyle) {
        guard w > 0, h > 0 else { return }
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) { cells[row * width + column].style = style }
        }
    }

    /// Draws a box outline with an optional title in the top edge.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String? = nil, style: CellStyle = .plain, glyphs: BoxGlyphs) {
        guard w >= 2, h >= 2 else { return }
        for column in (x + 1)..<(x + w - 1) {
            self[column, y] = Cell(glyphs.horizontal, style: style)
            self[column, y + h - 1] = Cell(glyphs.horizontal, style: style)
        }
        for row in (y + 1)..<(y + h - 1) {
            self[x, row] = Cell(glyphs.vertical, style: style)
            self[x + w - 1, row] = Cell(glyphs.vertical, style: style)
        }
        self[x, y] = Cell(glyphs.topLeft, style: style)
        self[x + w - 1, y] = Cell(glyphs.topRight, style: style)
        self[x, y + h - 1] = Cell(glyphs.bottomLeft, style: style)
        self[x + w - 1, y + h - 1] = Cell(glyphs.bottomRight, style: style)
        if let title, w > 4 {
            put(" \(title) ", x: x + 2, y: y, style: CellStyle(foreground: style.foreground, attributes: .bold), maxWidth: w - 4)
        }
    }

    /// The glyphs of row `y` as a string (trailing spaces kept).
    public func rowText(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width { s.append(cells[y * width + x].glyph) }
        return String(s)
    }

    /// The cells that look different from `previous` (see ``Cell/looksSame(as:)``), as positions; every cell when
    /// the sizes differ.
    public func changedPositions(since previous: CellGrid?) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        guard let previous, previous.width == width, previous.height == height else {
            for y in 0..<height { for x in 0..<width { out.append((x, y)) } }
            return out
        }
        for i in cells.indices where !cells[i].looksSame(as: previous.cells[i]) { out.append((i % width, i / width)) }
        return out
    }
}

/// Line-drawing glyphs for boxes: Unicode when the locale is UTF-8, ASCII otherwise.
public struct BoxGlyphs: Sendable {
    /// Edge glyphs.
    public var horizontal: Unicode.Scalar, vertical: Unicode.Scalar
    /// Corner glyphs.
    public var topLeft: Unicode.Scalar, topRight: Unicode.Scalar, bottomLeft: Unicode.Scalar, bottomRight: Unicode.Scalar
    /// Unicode light box drawing.
    public static let unicode = BoxGlyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")
    /// Plain ASCII.
    public static let ascii = BoxGlyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+")
}

/// Making untrusted text (file names, column names, labels) safe to put on a terminal.
public enum TerminalText {
    /// `text` with every control character (C0, DEL, C1, including ESC) replaced by `?`, and every character that is
    /// not exactly one column wide (combining marks, wide CJK, emoji, format characters) replaced by `?`, so a label
    /// can neither inject escape sequences nor shift the layout.
    public static func sanitized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { out.append(isSingleColumn(scalar) ? scalar : "?") }
        return String(out)
    }

    /// Whether a scalar prints as exactly one column and carries no control meaning.
    public static func isSingleColumn(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return false }
        if v < 0x7F { return true }
        let props = scalar.properties
        switch props.generalCategory {
        case .nonspacingMark, .enclosingMark, .spacingMark, .format, .control, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator:
            return false
        default: break
        }
        if props.isEmojiPresentation { return false }
        // East Asian wide and fullwidth ranges.
        let wideRanges: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1FAFF,
            0x20000...0x3FFFD,
        ]
        return !wideRanges.contains { $0.contains(v) }
    }
}
