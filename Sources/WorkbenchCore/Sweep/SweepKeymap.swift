/// The k sweep overlay's keys (opened by `k` in the main map).
extension Keymap {
    /// Bindings inside the sweep overlay: set up K and restarts, start, move the chart's cursor, pick k, cancel.
    public static let sweep: [KeyBinding] = [
        KeyBinding(keys: [.left], action: .moveLeft, barLabel: nil, help: "set-up: smaller value; chart: cursor to the previous k", section: "Sweep"),
        KeyBinding(keys: [.right], action: .moveRight, barLabel: nil, help: "set-up: larger value; chart: cursor to the next k", section: "Sweep"),
        KeyBinding(keys: [.up], action: .moveUp, barLabel: nil, help: "set-up: other field; after a sweep: set up a new one", section: "Sweep"),
        KeyBinding(keys: [.down], action: .moveDown, barLabel: nil, help: "set-up: other field; after a sweep: set up a new one", section: "Sweep"),
        KeyBinding(keys: (0...9).map { .character(Character(String($0))) }, action: .typeDigit, barLabel: nil,
                   help: "set-up: type K or the restarts", section: "Sweep"),
        KeyBinding(keys: [.backspace], action: .deleteDigit, barLabel: nil, help: "set-up: delete the last digit", section: "Sweep"),
        KeyBinding(keys: [.enter], action: .confirm, barLabel: nil, help: "start the sweep; then: restart the run with the k under the cursor", section: "Sweep"),
        KeyBinding(keys: [.escape], action: .closeOverlay, barLabel: nil, help: "cancel a running sweep; close", section: "Sweep"),
        KeyBinding(keys: [.character("q")], action: .quit, barLabel: nil, help: "quit", section: "Sweep"),
        KeyBinding(keys: [.control("c")], action: .interrupt, barLabel: nil, help: "quit from anywhere", section: "Sweep"),
    ]
}
