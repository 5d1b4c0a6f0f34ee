import Foundation

/// A key press or mouse event, independent of the terminal library.
public enum Key: Sendable, Hashable {
    /// A printable character (including space).
    case character(Character)
    /// A control combination, e.g. `.control("c")`.
    case control(Character)
    case up, down, left, right, home, end, pageUp, pageDown, enter, escape, backspace, tab
    /// The terminal changed size.
    case resize
    /// A left click at a screen cell.
    case click(x: Int, y: Int)

    /// How the key is written in `--keys` scripts and in the help overlay.
    public var name: String {
        switch self {
        case .character(" "): "Space"
        case let .character(c): String(c)
        case let .control(c): "Ctrl-\(c.uppercased())"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Bksp"
        case .tab: "Tab"
        case .resize: "resize"
        case let .click(x, y): "click(\(x),\(y))"
        }
    }

    /// Parses a key script: plain characters stand for themselves; `<name>` names a special key (`<esc>`, `<enter>`,
    /// `<space>`, `<left>`, `<right>`, `<up>`, `<down>`, `<home>`, `<end>`, `<pgup>`, `<pgdn>`, `<tab>`, `<bs>`,
    /// `<c-x>` for Ctrl-X, `<click:X,Y>`, and `<tick>` for one auto-play frame). Throws on an unknown name.
    public static func parseScript(_ script: String) throws -> [ScriptItem] {
        var out: [ScriptItem] = []
        var index = script.startIndex
        while index < script.endIndex {
            let c = script[index]
            if c == "<", let close = script[index...].firstIndex(of: ">") {
                let name = script[script.index(after: index)..<close].lowercased()
                out.append(try named(String(name)))
                index = script.index(after: close)
            } else {
                out.append(.key(.character(c)))
                index = script.index(after: index)
            }
        }
        return out
    }

    /// One item of a key script.
    public enum ScriptItem: Sendable, Equatable {
        case key(Key)
        /// One auto-play frame passes.
        case tick
    }

    /// An error in a `--keys` script.
    public struct ScriptError: Error, CustomStringConvertible {
        /// What was wrong.
        public let description: String
    }

    private static func named(_ name: String) throws -> ScriptItem {
        let table: [String: Key] = [
            "esc": .escape, "escape": .escape, "enter": .enter, "return": .enter, "space": .character(" "),
            "left": .left, "right": .right, "up": .up, "down": .down, "home": .home, "end": .end,
            "pgup": .pageUp, "pgdn": .pageDown, "tab": .tab, "bs": .backspace, "lt": .character("<"),
        ]
        if name == "tick" { return .tick }
        if let key = table[name] { return .key(key) }
        if name.hasPrefix("c-"), name.count == 3, let last = name.last { return .key(.control(last)) }
        if name.hasPrefix("click:") {
            let parts = name.dropFirst(6).split(separator: ",").compactMap { Int($0) }
            if parts.count == 2 { return .key(.click(x: parts[0], y: parts[1])) }
        }
        throw ScriptError(description: "unknown key <\(name)> in --keys (try <esc>, <enter>, <space>, <left>, <c-c>, <click:X,Y>, <tick>)")
    }
}

/// Everything a key can do in the workbench.
public enum WorkbenchAction: String, Sendable, CaseIterable {
    case stepIteration, halfStep, runPause, faster, slower, back, forward, first, last
    case restart, restartNewSeed, settings, checkpoints, projection, markerMode, voronoi, trails, explain, screenshot, exportRun
    case help, closeOverlay, quit
    /// Open the k sweep overlay (choose k).
    case sweep
    /// Colour by the truth column on/off; z-scores (standardised columns) on/off.
    case truthColors, standardize
    /// Open or close the side-by-side comparison (C).
    case compare
    // Inside overlays and placement mode.
    case moveUp, moveDown, moveLeft, moveRight, confirm, pageUp, pageDown
    /// Eight cells at a time (placement cursor).
    case moveUpFar, moveDownFar, moveLeftFar, moveRightFar
    /// A digit typed into a number field; backspace removes the last one.
    case typeDigit, deleteDigit
    /// Ctrl-C: quits from anywhere, also where `q` is text.
    case interrupt
    /// Inside the checkpoint view: auto-jump to latest, full-precision numbers, chart or variables.
    case autoJump, fullPrecision, switchPanel
}

/// One row of the keymap: keys, action, short label for the key bar and a sentence for the help overlay.
public struct KeyBinding: Sendable {
    /// Keys that trigger the action (the first is the one shown).
    public let keys: [Key]
    /// The action.
    public let action: WorkbenchAction
    /// Label in the bottom key bar; `nil` keeps it out of the bar.
    public let barLabel: String?
    /// One line for the help overlay.
    public let help: String
    /// Help section.
    public let section: String
}

/// The one keymap table: it drives key handling, the bottom key bar and the `?` help overlay.
public enum Keymap {
    /// The main screen's bindings, in help order.
    public static let main: [KeyBinding] = [
        KeyBinding(keys: [.character("n")], action: .stepIteration, barLabel: "step", help: "one full iteration (assign, then update)", section: "Stepping"),
        KeyBinding(keys: [.character("h")], action: .halfStep, barLabel: "half", help: "one half-step: assign or update, whichever is next", section: "Stepping"),
        KeyBinding(keys: [.character(" ")], action: .runPause, barLabel: "run/pause", help: "run or pause auto-play", section: "Stepping"),
        KeyBinding(keys: [.character("+"), .character("=")], action: .faster, barLabel: nil, help: "faster auto-play", section: "Stepping"),
        KeyBinding(keys: [.character("-"), .character("_")], action: .slower, barLabel: nil, help: "slower auto-play", section: "Stepping"),
        KeyBinding(keys: [.left, .character("b")], action: .back, barLabel: "back", help: "back one half-step in the history", section: "History"),
        KeyBinding(keys: [.right, .character("f")], action: .forward, barLabel: "fwd", help: "forward one half-step (computes when at the end)", section: "History"),
        KeyBinding(keys: [.home], action: .first, barLabel: nil, help: "jump to the initial centres", section: "History"),
        KeyBinding(keys: [.end], action: .last, barLabel: nil, help: "jump to the latest state", section: "History"),
        KeyBinding(keys: [.character("r")], action: .restart, barLabel: "restart", help: "restart with the current settings and seed", section: "Runs"),
        KeyBinding(keys: [.character("R")], action: .restartNewSeed, barLabel: nil, help: "restart with the next seed", section: "Runs"),
        KeyBinding(keys: [.character("s")], action: .settings, barLabel: "settings", help: "settings: data, k, init, metric, batch, seed…", section: "Runs"),
        KeyBinding(keys: [.character("c")], action: .checkpoints, barLabel: "ckpts", help: "checkpoints of the model_dir: list, scrub, continue", section: "Runs"),
        KeyBinding(keys: [.character("k")], action: .sweep, barLabel: nil, help: "choose k: sweep k = 1…K, elbow and silhouette", section: "Runs"),
        KeyBinding(keys: [.character("z")], action: .standardize, barLabel: nil, help: "z-scores on/off (restarts; centres in raw units)", section: "Runs"),
        KeyBinding(keys: [.character("C")], action: .compare, barLabel: nil, help: "compare k-means++ and random side by side (C closes)", section: "Runs"),
        KeyBinding(keys: [.character("p")], action: .projection, barLabel: nil, help: "next projection for D > 2 (axis pairs, PCA)", section: "View"),
        KeyBinding(keys: [.character("m")], action: .markerMode, barLabel: nil, help: "marker: braille, half-block, glyphs", section: "View"),
        KeyBinding(keys: [.character("v")], action: .voronoi, barLabel: nil, help: "Voronoi shading (nearest centre per cell)", section: "View"),
        KeyBinding(keys: [.character("t")], action: .trails, barLabel: nil, help: "centre trails on/off", section: "View"),
        KeyBinding(keys: [.character("e")], action: .explain, barLabel: nil, help: "explanation line on/off", section: "View"),
        KeyBinding(keys: [.character("w")], action: .screenshot, barLabel: nil, help: "write the screen to kmeans-screen-N.txt, .ans and .svg", section: "View"),
        KeyBinding(keys: [.character("o")], action: .exportRun, barLabel: nil, help: "write the run to kmeans-run-N/: assignments.csv, centers.csv, model/", section: "View"),
        KeyBinding(keys: [.character("g")], action: .truthColors, barLabel: nil, help: "colour by the truth column on/off (agreement in the panel)", section: "View"),
        KeyBinding(keys: [.character("?")], action: .help, barLabel: "help", help: "this help (↑/↓ scroll, Esc closes)", section: "General"),
        KeyBinding(keys: [.escape], action: .closeOverlay, barLabel: nil, help: "close an overlay; stop a run or computation", section: "General"),
        KeyBinding(keys: [.character("q"), .control("c")], action: .quit, barLabel: "quit", help: "quit (terminal restored)", section: "General"),
    ]

    /// Bindings inside overlays, the help list and centre placement.
    public static let navigation: [KeyBinding] = [
        KeyBinding(keys: [.up, .character("k")], action: .moveUp, barLabel: nil, help: "previous field / move up", section: "Overlays"),
        KeyBinding(keys: [.down, .character("j")], action: .moveDown, barLabel: nil, help: "next field / move down", section: "Overlays"),
        KeyBinding(keys: [.left], action: .moveLeft, barLabel: nil, help: "smaller value / move left", section: "Overlays"),
        KeyBinding(keys: [.right], action: .moveRight, barLabel: nil, help: "larger value / move right", section: "Overlays"),
        KeyBinding(keys: [.character("K")], action: .moveUpFar, barLabel: nil, help: "placement: move up 8 cells", section: "Overlays"),
        KeyBinding(keys: [.character("J")], action: .moveDownFar, barLabel: nil, help: "placement: move down 8 cells", section: "Overlays"),
        KeyBinding(keys: [.character("H")], action: .moveLeftFar, barLabel: nil, help: "placement: move left 8 cells", section: "Overlays"),
        KeyBinding(keys: [.character("L")], action: .moveRightFar, barLabel: nil, help: "placement: move right 8 cells", section: "Overlays"),
        KeyBinding(keys: (0...9).map { .character(Character(String($0))) }, action: .typeDigit, barLabel: nil,
                   help: "settings: type a number (k, batch size, M, seed, retries)", section: "Overlays"),
        KeyBinding(keys: [.backspace], action: .deleteDigit, barLabel: nil, help: "settings: delete the last digit", section: "Overlays"),
        KeyBinding(keys: [.enter, .character(" ")], action: .confirm, barLabel: nil, help: "apply / place a centre / open", section: "Overlays"),
        KeyBinding(keys: [.pageUp], action: .pageUp, barLabel: nil, help: "page up", section: "Overlays"),
        KeyBinding(keys: [.pageDown], action: .pageDown, barLabel: nil, help: "page down", section: "Overlays"),
        KeyBinding(keys: [.escape], action: .closeOverlay, barLabel: nil, help: "close", section: "Overlays"),
        KeyBinding(keys: [.character("q")], action: .quit, barLabel: nil, help: "quit (not in the settings)", section: "Overlays"),
        KeyBinding(keys: [.control("c")], action: .interrupt, barLabel: nil, help: "quit from anywhere", section: "Overlays"),
    ]

    /// The action bound to `key` in `table`.
    public static func action(for key: Key, in table: [KeyBinding]) -> WorkbenchAction? {
        table.first { $0.keys.contains(key) }?.action
    }

    /// Whether `key` is the main-screen key of `action` (an overlay's opening key also closes it).
    public static func isMainKey(_ key: Key, for action: WorkbenchAction) -> Bool {
        Keymap.action(for: key, in: main) == action
    }

    /// The digit a `typeDigit` key stands for.
    public static func digit(of key: Key) -> Int? {
        guard action(for: key, in: navigation) == .typeDigit, case let .character(c) = key else { return nil }
        return c.wholeNumberValue
    }

    /// The key-bar entries of `table`: (key name, label).
    public static func barEntries(_ table: [KeyBinding]) -> [(key: String, label: String)] {
        table.compactMap { binding in binding.barLabel.map { (binding.keys[0].name, $0) } }
    }

    /// The help lines (section headings and `keys  sentence` rows) of the main and overlay tables.
    public static func helpLines() -> [String] {
        var lines: [String] = []
        var section = ""
        for binding in main + navigation {
            if binding.section != section {
                if !lines.isEmpty { lines.append("") }
                lines.append(binding.section)
                section = binding.section
            }
            let keys = binding.action == .typeDigit ? "0–9" : binding.keys.map(\.name).joined(separator: " ")
            lines.append("  " + keys.padding(toLength: 12, withPad: " ", startingAt: 0) + binding.help)
        }
        return lines
    }
}
