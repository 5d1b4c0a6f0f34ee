/// A small xterm-compatible screen for tests: enough of ECMA-48 and xterm's private modes to follow what ncurses
/// sends for `xterm-256color` (cursor moves, erase, insert/delete, scroll regions, repeat, insert mode); colours and
/// other attributes are parsed and dropped, so `rows` are the characters a user sees.
struct VirtualTerminal {
    let width: Int
    let height: Int
    private(set) var cells: [[Unicode.Scalar]]
    private var x = 0, y = 0
    private var savedX = 0, savedY = 0
    private var top = 0, bottom: Int
    private var pendingWrap = false
    private var insertMode = false
    private var lastPrinted: Unicode.Scalar = " "
    private var utf8 = UTF8Decoder()
    private var state = ParseState.ground
    private var parameters = ""
    /// What the terminal answers (to Device Attributes requests), for the harness to send back as input.
    private(set) var answers: [UInt8] = []

    private enum ParseState { case ground, escape, csi, osc, oscEscape, charset }

    private struct UTF8Decoder {
        var bytes: [UInt8] = []
        var needed = 0
        mutating func feed(_ byte: UInt8) -> Unicode.Scalar? {
            if needed == 0 {
                if byte < 0x80 { return Unicode.Scalar(byte) }
                needed = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : 1
                bytes = [byte]
                return nil
            }
            bytes.append(byte)
            needed -= 1
            guard needed == 0 else { return nil }
            return String(decoding: bytes, as: UTF8.self).unicodeScalars.first
        }
    }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        bottom = height - 1
        cells = Array(repeating: Array(repeating: " ", count: width), count: height)
    }

    /// The screen's text, one string per row, trailing spaces removed.
    var rows: [String] {
        cells.map { row in
            var text = String(String.UnicodeScalarView(row))
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
    }

    /// The whole screen as one string.
    var text: String { rows.joined(separator: "\n") }

    mutating func feed(_ bytes: some Sequence<UInt8>) { for byte in bytes { feed(byte) } }

    /// The answers not yet taken.
    mutating func takeAnswers() -> [UInt8] {
        defer { answers = [] }
        return answers
    }

    private mutating func feed(_ byte: UInt8) {
        switch state {
        case .escape: escape(byte)
        case .csi:
            if (0x40...0x7E).contains(byte) {
                csi(final: Unicode.Scalar(byte))
                state = .ground
            } else {
                parameters.unicodeScalars.append(Unicode.Scalar(byte))
            }
        case .osc:
            if byte == 0x07 { state = .ground } else if byte == 0x1B { state = .oscEscape }
        case .oscEscape: state = byte == 0x5C ? .ground : .osc
        case .charset: state = .ground
        case .ground:
            if byte == 0x1B { state = .escape; return }
            if byte < 0x20 { control(byte); return }
            if let scalar = utf8.feed(byte) { print(scalar) }
        }
    }

    private mutating func control(_ byte: UInt8) {
        switch byte {
        case 0x0D: x = 0; pendingWrap = false
        case 0x0A, 0x0B, 0x0C: lineFeed()
        case 0x08: x = max(0, x - 1); pendingWrap = false
        case 0x09: x = min(width - 1, (x / 8 + 1) * 8)
        case 0x18, 0x1A: state = .ground
        default: break
        }
    }

    private mutating func escape(_ byte: UInt8) {
        state = .ground
        switch byte {
        case UInt8(ascii: "["): state = .csi; parameters = ""
        case UInt8(ascii: "]"): state = .osc
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"): state = .charset
        case UInt8(ascii: "7"): savedX = x; savedY = y
        case UInt8(ascii: "8"): x = savedX; y = savedY
        case UInt8(ascii: "D"): lineFeed()
        case UInt8(ascii: "E"): x = 0; lineFeed()
        case UInt8(ascii: "M"): reverseLineFeed()
        case UInt8(ascii: "c"): self = VirtualTerminal(width: width, height: height)
        default: break
        }
    }

    private mutating func print(_ scalar: Unicode.Scalar) {
        if pendingWrap {
            x = 0
            lineFeed()
        }
        if insertMode {
            cells[y].insert(scalar, at: x)
            cells[y].removeLast()
        } else {
            cells[y][x] = scalar
        }
        lastPrinted = scalar
        if x == width - 1 { pendingWrap = true } else { x += 1 }
    }

    private mutating func lineFeed() {
        pendingWrap = false
        if y == bottom { scroll(up: 1) } else { y = min(height - 1, y + 1) }
    }

    private mutating func reverseLineFeed() {
        pendingWrap = false
        if y == top { scroll(up: -1) } else { y = max(0, y - 1) }
    }

    /// Scrolls the region by `n` lines (negative: down).
    private mutating func scroll(up n: Int, from start: Int? = nil) {
        let first = start ?? top
        let blank = [Unicode.Scalar](repeating: " ", count: width)
        for _ in 0..<abs(n) {
            if n > 0 {
                cells.remove(at: first)
                cells.insert(blank, at: bottom)
            } else {
                cells.remove(at: bottom)
                cells.insert(blank, at: first)
            }
        }
    }

    private mutating func csi(final: Unicode.Scalar) {
        let isPrivate = parameters.hasPrefix("?") || parameters.hasPrefix(">")
        let numbers = parameters.drop { $0 == "?" || $0 == ">" }.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        func p(_ i: Int, _ fallback: Int = 1) -> Int { i < numbers.count && numbers[i] != 0 ? numbers[i] : fallback }
        if final != "m" { pendingWrap = false }
        switch final {
        case "H", "f": y = min(height - 1, p(0) - 1); x = min(width - 1, p(1) - 1)
        case "A": y = max(0, y - p(0))
        case "B", "e": y = min(height - 1, y + p(0))
        case "C", "a": x = min(width - 1, x + p(0))
        case "D": x = max(0, x - p(0))
        case "G", "`": x = min(width - 1, p(0) - 1)
        case "d": y = min(height - 1, p(0) - 1)
        case "J":
            let mode = numbers.first ?? 0
            if mode == 0 { erase(row: y, from: x, to: width); for row in (y + 1)..<height { erase(row: row, from: 0, to: width) } }
            if mode == 1 { for row in 0..<y { erase(row: row, from: 0, to: width) }; erase(row: y, from: 0, to: x + 1) }
            if mode == 2 || mode == 3 { for row in 0..<height { erase(row: row, from: 0, to: width) } }
        case "K":
            let mode = numbers.first ?? 0
            if mode == 0 { erase(row: y, from: x, to: width) }
            if mode == 1 { erase(row: y, from: 0, to: x + 1) }
            if mode == 2 { erase(row: y, from: 0, to: width) }
        case "X": erase(row: y, from: x, to: min(width, x + p(0)))
        case "@":
            for _ in 0..<min(p(0), width - x) { cells[y].insert(" ", at: x); cells[y].removeLast() }
        case "P":
            for _ in 0..<min(p(0), width - x) { cells[y].remove(at: x); cells[y].append(" ") }
        case "L" where (top...bottom).contains(y):
            let saved = top
            top = y
            scroll(up: -p(0), from: y)
            top = saved
        case "M" where (top...bottom).contains(y):
            for _ in 0..<p(0) {
                cells.remove(at: y)
                cells.insert([Unicode.Scalar](repeating: " ", count: width), at: bottom)
            }
        case "S": scroll(up: p(0))
        case "T": scroll(up: -p(0))
        case "b": for _ in 0..<p(0) { print(lastPrinted) }
        case "r" where !isPrivate:
            top = max(0, p(0) - 1)
            bottom = min(height - 1, p(1, height) - 1)
            x = 0; y = 0
        case "h" where !isPrivate && numbers.contains(4): insertMode = true
        case "l" where !isPrivate && numbers.contains(4): insertMode = false
        case "h" where isPrivate && numbers.contains(1049):
            savedX = x; savedY = y
            for row in 0..<height { erase(row: row, from: 0, to: width) }
        case "s": savedX = x; savedY = y
        case "u": x = savedX; y = savedY
        // Primary Device Attributes: a VT100 with advanced video, as tmux answers.
        case "c" where !isPrivate && (numbers.first ?? 0) == 0: answers += Array("\u{1B}[?1;2c".utf8)
        default: break
        }
    }

    private mutating func erase(row: Int, from start: Int, to end: Int) {
        guard start < end else { return }
        for column in max(0, start)..<min(width, end) { cells[row][column] = " " }
    }
}
