import CNcursesw
import Foundation
import Synchronization
import WorkbenchCore

/// Why the terminal could not be opened.
public struct TerminalError: Error, CustomStringConvertible {
    /// What went wrong, for the user.
    public let description: String
}

/// The ncurses screen: opened with `newterm` (so a bad `TERM` is an error, not an exit), drawn by diffing cell grids,
/// read with `get_wch`, and always restored by `close()` (also from `atexit`).
public final class TerminalScreen {
    /// The colour tier in use.
    public let tier: ColorTier
    /// Current size.
    public private(set) var width: Int
    /// Current height.
    public private(set) var height: Int
    private var screen: OpaquePointer?
    private var previous: CellGrid?
    private var pairs: [PairKey: Int32] = [:]
    private let directColor: Bool
    private var closed = false
    private var terminalDescriptor = STDOUT_FILENO
    private var cursesDescriptor = STDOUT_FILENO
    private var synchronizedOutput = false
    /// Whether frames end with an arrival probe (an interactive terminal whose input is relayed).
    private var probing = false
    private var headless = false
    /// Cells written to the terminal by the last `draw` (for the frame statistics).
    public private(set) var lastDrawnCells = 0

    private struct PairKey: Hashable { var foreground: TerminalColor; var background: TerminalColor }

    private init(screen: OpaquePointer, tier: ColorTier, directColor: Bool) {
        self.screen = screen
        self.tier = tier
        self.directColor = directColor
        var rows: Int32 = 0, cols: Int32 = 0
        kmeans_getmaxyx(&rows, &cols)
        width = Int(cols)
        height = Int(rows)
    }

    /// Opens the terminal on standard input/output. Throws when stdin/stdout is not a terminal or `TERM` is unknown.
    /// With `recorder`, everything the terminal receives is also written to that asciicast recording.
    public static func open(colorOverride: ColorTier?, environment: [String: String], unicode: Bool, mouse: Bool = true,
                            recorder: sending AsciicastWriter? = nil) throws -> TerminalScreen {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "standard input and output must be a terminal")
        }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty else { throw TerminalError(description: "TERM is not set, so the terminal type is unknown") }
        setlocale(LC_ALL, "")
        // Ignore SIGINT/SIGTERM/SIGHUP before newterm so ncurses does not install its own handlers; the loop watches
        // them through dispatch sources and restores the terminal itself.
        SignalWatch.install()
        let terminalDescriptor = dup(STDOUT_FILENO)
        let cursesDescriptor = dup(STDOUT_FILENO)
        guard terminalDescriptor >= 0, cursesDescriptor >= 0, let screen = kmeans_newterm_fd(nil, cursesDescriptor, 0) else {
            throw TerminalError(description: "cannot open a terminal of type \"\(TerminalText.sanitized(term))\" (unknown to terminfo?)")
        }
        set_term(screen)
        cursesActive.store(true, ordering: .sequentiallyConsistent)
        guard kmeans_can_address_cursor() != 0 else {
            restoreTerminal()
            delscreen(screen)
            throw TerminalError(description: "the terminal type \"\(TerminalText.sanitized(term))\" cannot move the cursor")
        }
        atexit { restoreTerminalAtExit() }
        raw()
        noecho()
        nonl()
        keypad(kmeans_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        leaveok(kmeans_stdscr(), true)
        // The terminal modes are set; from here on ncurses' output goes through the relay.
        // KMEANS_RECORD_PROBES=1 keeps the probes in a recording, where the slow-link tests find the frames by them.
        let relay = OutputRelay(terminalDescriptor: terminalDescriptor, cursesDescriptor: cursesDescriptor, recorder: recorder,
                                recordsProbes: environment["KMEANS_RECORD_PROBES"] == "1")
        activeRelay.withLock { $0 = relay }
        // The probes' answers come back as input: taken out before ncurses reads it (KMEANS_LINE_PROBE=0: no probes).
        if let relay, environment["KMEANS_LINE_PROBE"] != "0" {
            let input = InputRelay { relay.probeAnswered() }
            activeInputRelay.withLock { $0 = input }
        }
        if mouse {
            mousemask(kmeans_BUTTON1_CLICKED() | kmeans_BUTTON1_PRESSED(), nil)
            mouseinterval(0)
        }
        var colors = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(kmeans_colors())
        }
        var tier = ColorTier.detect(override: colorOverride, environment: environment, terminalColors: colors)
        if colors < 8, tier != .mono { tier = .mono }
        if colors < 256, tier == .palette256 || tier == .truecolor { tier = .ansi8 }
        let terminal = TerminalScreen(screen: screen, tier: tier, directColor: colors >= 0x100_0000)
        terminal.terminalDescriptor = terminalDescriptor
        terminal.cursesDescriptor = cursesDescriptor
        terminal.synchronizedOutput = SynchronizedOutput.isSupported(environment: environment)
        terminal.probing = activeInputRelay.withLock { $0 != nil }
        erase()
        refresh()
        return terminal
    }

    /// A screen of `width` × `height` cells of terminal type `termType` whose output goes to `descriptor` (a file),
    /// with no input and no terminal modes: what a headless recording draws on. Nil when terminfo lacks the type.
    static func openHeadless(descriptor: Int32, termType: String, width: Int, height: Int, tier: ColorTier) -> TerminalScreen? {
        // UTF-8 whatever the caller's locale, and the size from LINES/COLUMNS (the output is not a terminal), so
        // the bytes depend on the arguments only.
        setlocale(LC_CTYPE, "C.UTF-8")
        setenv("LINES", String(height), 1)
        setenv("COLUMNS", String(width), 1)
        let opened = kmeans_newterm_fd(termType, descriptor, 1)
        unsetenv("LINES")
        unsetenv("COLUMNS")
        guard let screen = opened else { return nil }
        set_term(screen)
        curs_set(0)
        leaveok(kmeans_stdscr(), true)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        let terminal = TerminalScreen(screen: screen, tier: tier, directColor: kmeans_colors() >= 0x100_0000)
        terminal.cursesDescriptor = descriptor
        terminal.synchronizedOutput = SynchronizedOutput.isSupported(environment: ["TERM": termType])
        terminal.headless = true
        erase()
        refresh()
        return terminal
    }

    /// The size of the terminal on standard output, if it is one.
    public static func standardOutputSize() -> (width: Int, height: Int)? {
        var rows: Int32 = 0, cols: Int32 = 0
        guard kmeans_window_size(STDOUT_FILENO, &rows, &cols) == 0 else { return nil }
        return (Int(cols), Int(rows))
    }

    /// Whether what was drawn last is still on its way to the screen (a slow line), beyond `slackSeconds` of the
    /// line's time: a new frame now would queue behind it.
    public func isLineBusy(slackSeconds: Double = 0.03) -> Bool { activeRelay.withLock { $0 }?.isBusy(slackSeconds: slackSeconds) ?? false }

    /// Bytes sent to the terminal so far.
    public var bytesSent: Int { activeRelay.withLock { $0 }?.bytesWritten ?? 0 }

    /// Why the recording stopped early, if it did.
    public var recordingError: String? { activeRelay.withLock { $0 }?.recordingError }

    /// Refreshes the size after `KEY_RESIZE`, forcing a full redraw. ncurses' own output descriptor is the relay's
    /// pipe, so the size is read from the terminal and given to ncurses.
    public func updateSize() {
        var rows: Int32 = 0, cols: Int32 = 0
        if kmeans_window_size(terminalDescriptor, &rows, &cols) == 0 { resize_term(rows, cols) }
        kmeans_getmaxyx(&rows, &cols)
        width = Int(cols)
        height = Int(rows)
        previous = nil
        erase()
    }

    /// Draws `grid`, sending only the cells that changed since the last draw, in the passes `DrawPlan` chooses.
    public func draw(_ grid: CellGrid) {
        guard !closed else { return }
        let plan = DrawPlan(grid: grid, previous: previous)
        lastDrawnCells = plan.changedCells
        guard plan.changedCells > 0 else { return }
        if plan.fullRedraw { erase() }
        previous = grid
        // Begin/end synchronized update around the frame: the terminal shows it whole, never half-drawn.
        // (doupdate flushes its own buffer, so the markers written around it arrive in order.)
        if synchronizedOutput { writeToCurses(SynchronizedOutput.begin) }
        for pass in plan.passes {
            for put in pass {
                let isLast = put.x == grid.width - 1 && put.y == grid.height - 1
                _ = kmeans_put_cell(Int32(put.y), Int32(put.x), wchar_t(bitPattern: put.glyph.value), attributes(put.style), pair(put.style), isLast ? 1 : 0)
            }
            refresh()
        }
        if synchronizedOutput { writeToCurses(SynchronizedOutput.end) }
        // Last: the terminal's answer says the whole frame has arrived.
        if probing, activeRelay.withLock({ $0 })?.isProbing == true { writeToCurses(ArrivalProbe.text) }
    }

    private func writeToCurses(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(cursesDescriptor, $0.baseAddress, $0.count) }
    }

    /// Whether the terminal has gone away (the SSH connection or terminal window closed): its input reports a hang-up
    /// or an error. A process whose shell ignored SIGHUP (`nohup`, `trap '' HUP`) gets no signal then, and every read
    /// fails at once, so the loop asks this whenever a read returns nothing.
    public var isHungUp: Bool {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) >= 0 else { return errno != EINTR }
        return descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Waits up to `timeoutMilliseconds` for a key or mouse event.
    public func readKey(timeoutMilliseconds: Int) -> Key? {
        timeout(Int32(timeoutMilliseconds))
        var character: wint_t = 0
        let status = get_wch(&character)
        if status == ERR { return nil }
        if status == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_RESIZE:
                updateSize()
                return .resize
            case KEY_MOUSE:
                var y: Int32 = 0, x: Int32 = 0
                var state: mmask_t = 0
                guard kmeans_get_mouse(&y, &x, &state) == OK else { return nil }
                if state & (kmeans_BUTTON1_CLICKED() | kmeans_BUTTON1_PRESSED()) != 0 { return .click(x: Int(x), y: Int(y)) }
                return nil
            default: return nil
            }
        }
        switch character {
        case 27: return .escape
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(character) + 96)))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .character(Character(scalar))
        }
    }

    /// Restores the terminal (idempotent). What is still on its way to a slow line is given `drainSeconds`, then
    /// dropped (the screen is about to be left anyway).
    public func close(drainSeconds: Double = 0.3) {
        guard !closed else { return }
        closed = true
        if !headless { restoreTerminal(drainSeconds: drainSeconds) }
        if let screen { delscreen(screen) }
        screen = nil
    }

    deinit { close() }

    // MARK: colours

    private func attributes(_ style: CellStyle) -> attr_t {
        var a = kmeans_A_NORMAL()
        if style.attributes.contains(.bold) { a |= kmeans_A_BOLD() }
        if style.attributes.contains(.dim) { a |= kmeans_A_DIM() }
        if style.attributes.contains(.reverse) { a |= kmeans_A_REVERSE() }
        if style.attributes.contains(.underline) { a |= kmeans_A_UNDERLINE() }
        return a
    }

    private func pair(_ style: CellStyle) -> Int32 {
        guard tier != .mono else { return 0 }
        let key = PairKey(foreground: style.foreground, background: style.background)
        if key.foreground == .standard, key.background == .standard { return 0 }
        if let known = pairs[key] { return known }
        let number = alloc_pair(colorNumber(style.foreground), colorNumber(style.background))
        let result = number < 0 ? 0 : number
        pairs[key] = result
        return result
    }

    private func colorNumber(_ color: TerminalColor) -> Int32 {
        switch color {
        case .standard: return -1
        case let .indexed(i): return Int32(i)
        case let .rgb(r, g, b):
            if directColor { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            return Int32(Palette.nearest256(RGB(r, g, b)))
        }
    }
}

/// Whether curses mode is active (so `atexit` and signal paths know whether to restore).
let cursesActive = Atomic<Bool>(false)

/// The relay of the open terminal, if any.
let activeRelay = Mutex<OutputRelay?>(nil)

/// The input relay of the open terminal, if any.
let activeInputRelay = Mutex<InputRelay?>(nil)

/// Ends curses mode if it is active; safe to call more than once and from `atexit`.
func restoreTerminal(drainSeconds: Double = 0) {
    if cursesActive.exchange(false, ordering: .sequentiallyConsistent) {
        let input = activeInputRelay.withLock { relay in defer { relay = nil }; return relay }
        if let relay = activeRelay.withLock({ relay in defer { relay = nil }; return relay }) {
            // Answers still owed come back while the input is relayed and raw; a terminal that is gone owes none.
            relay.stop(drainSeconds: drainSeconds, answerSeconds: input?.isRelaying == true ? InputRelay.lastAnswerSeconds : 0)
        }
        input?.stop()
        curs_set(1)
        endwin()
    }
}

private func restoreTerminalAtExit() { restoreTerminal() }
