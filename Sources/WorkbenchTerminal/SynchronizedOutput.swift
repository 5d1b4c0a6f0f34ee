/// Synchronized output (DEC private mode 2026): between `begin` and `end` the terminal holds the screen and then
/// shows the whole frame at once, so a frame arriving slowly over a line is never seen half-drawn.
enum SynchronizedOutput {
    /// Begin synchronized update.
    static let begin = "\u{1B}[?2026h"
    /// End synchronized update.
    static let end = "\u{1B}[?2026l"

    /// Whether to send the markers: terminals known to implement mode 2026 (or to ignore it harmlessly, as every
    /// xterm-compatible terminal ignores an unknown private mode), by `TERM` and `TERM_PROGRAM`; never for the
    /// Linux console or dumb terminals. `KMEANS_SYNC_OUTPUT=0` turns it off.
    static func isSupported(environment: [String: String]) -> Bool {
        if environment["KMEANS_SYNC_OUTPUT"] == "0" { return false }
        let term = environment["TERM"] ?? ""
        let known = ["xterm", "tmux", "screen", "kitty", "alacritty", "foot", "wezterm", "contour", "ghostty", "rio"]
        return known.contains { term.hasPrefix($0) } || environment["TERM_PROGRAM"] != nil
    }
}
