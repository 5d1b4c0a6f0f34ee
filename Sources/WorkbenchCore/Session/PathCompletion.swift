import Foundation

/// Tab completion of a typed file path (the settings' data field): `~` expanded, the directory listed, the typed
/// name extended to the longest prefix its matches share (a lone directory match gets its `/`).
public struct PathCompletion: Sendable, Equatable {
    /// The path after completion.
    public var text: String
    /// The names still matching when more than one does (directories end in `/`), sorted; empty otherwise.
    public var candidates: [String]

    /// Completes `typed`; `home` replaces a leading `~`. Hidden names are offered only when the typed name starts
    /// with a dot. An unreadable directory or no match leaves the (expanded) text as it is, with no candidates.
    public static func complete(_ typed: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> PathCompletion {
        let expanded = expandingTilde(typed, home: home)
        let slash = expanded.lastIndex(of: "/")
        let directory = slash.map { String(expanded[...$0]) } ?? ""
        let prefix = slash.map { String(expanded[expanded.index(after: $0)...]) } ?? expanded
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else {
            return PathCompletion(text: expanded, candidates: [])
        }
        let matches = names.filter { $0.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
        guard let first = matches.first else { return PathCompletion(text: expanded, candidates: []) }
        func isDirectory(_ name: String) -> Bool {
            var flag: ObjCBool = false
            return manager.fileExists(atPath: (directory.isEmpty ? "" : directory) + name, isDirectory: &flag) && flag.boolValue
        }
        if matches.count == 1 { return PathCompletion(text: directory + first + (isDirectory(first) ? "/" : ""), candidates: []) }
        var common = first
        for name in matches.dropFirst() { common = String(common.commonPrefix(with: name)) }
        return PathCompletion(text: directory + common, candidates: matches.map { $0 + (isDirectory($0) ? "/" : "") })
    }

    /// `path` with a leading `~` or `~/` replaced by `home`.
    public static func expandingTilde(_ path: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        let base = home.hasSuffix("/") ? String(home.dropLast()) : home
        return base + path.dropFirst()
    }
}
