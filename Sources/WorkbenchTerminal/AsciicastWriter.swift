import Foundation

/// Writes an asciicast v2 recording (the format `asciinema play` reads): a JSON header line with the terminal size,
/// then one `[time, "o", data]` line per chunk of output the terminal received.
public final class AsciicastWriter {
    /// Why a recording could not be started or written.
    public struct WriteError: Error, CustomStringConvertible {
        /// What went wrong, for the user.
        public let description: String
    }

    private let handle: FileHandle
    private let path: String
    /// Bytes of a UTF-8 sequence cut at the end of the last chunk, carried into the next event.
    private var pendingBytes: [UInt8] = []
    private var lastTime = 0.0
    /// Events written so far.
    public private(set) var eventCount = 0

    /// Creates (or truncates) `path` and writes the header. Throws a one-line error naming the path when it cannot.
    public init(path: String, width: Int, height: Int, timestamp: Int, environment: [String: String]) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            let reason = String(cString: strerror(errno))
            throw WriteError(description: "cannot write the recording \(path): \(reason) (choose a writable path for --record)")
        }
        self.handle = handle
        try write(Self.headerLine(width: width, height: height, timestamp: timestamp, environment: environment))
    }

    /// The header line: version 2, size, timestamp and the environment's `TERM` and `SHELL`.
    public static func headerLine(width: Int, height: Int, timestamp: Int, environment: [String: String]) -> String {
        var env: [String] = []
        for name in ["SHELL", "TERM"] {
            if let value = environment[name] { env.append("\(jsonString(name)): \(jsonString(value))") }
        }
        return "{\"version\": 2, \"width\": \(width), \"height\": \(height), \"timestamp\": \(timestamp), \"env\": {\(env.joined(separator: ", "))}}\n"
    }

    /// One output event line for `text` at `time` seconds.
    public static func eventLine(time: Double, text: String) -> String {
        "[\(String(format: "%.6f", time)), \"o\", \(jsonString(text))]\n"
    }

    /// Appends `bytes` as an output event at `time` seconds after the start (times never go backwards). A UTF-8
    /// character split between two calls is written whole with the later one.
    public func append(_ bytes: [UInt8], at time: Double) throws {
        var chunk = pendingBytes + bytes
        pendingBytes = []
        let cut = Self.incompleteSuffixLength(chunk)
        if cut > 0 {
            pendingBytes = Array(chunk.suffix(cut))
            chunk.removeLast(cut)
        }
        guard !chunk.isEmpty else { return }
        lastTime = max(lastTime, time)
        try write(Self.eventLine(time: lastTime, text: String(decoding: chunk, as: UTF8.self)))
        eventCount += 1
    }

    /// Writes what is left and closes the file.
    public func finish() throws {
        if !pendingBytes.isEmpty {
            try write(Self.eventLine(time: lastTime, text: String(decoding: pendingBytes, as: UTF8.self)))
            pendingBytes = []
        }
        try? handle.close()
    }

    private func write(_ line: String) throws {
        do { try handle.write(contentsOf: Data(line.utf8)) } catch {
            throw WriteError(description: "cannot write the recording \(path): \(error.localizedDescription)")
        }
    }

    /// How many bytes at the end of `bytes` begin a UTF-8 sequence that is not complete yet.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count - 1
        var continuation = 0
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            continuation += 1
            index -= 1
        }
        guard index >= 0 else { return 0 }
        let lead = bytes[index]
        let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
        return needed > continuation ? continuation + 1 : 0
    }

    /// `text` as a JSON string literal (Foundation's encoder; slashes left as they are).
    public static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(text) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }
}
