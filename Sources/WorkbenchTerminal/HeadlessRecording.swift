import Foundation
import WorkbenchCore

/// Records a headless run (`--record F.cast --snapshot -`) as the bytes an `xterm-256color` terminal of the given
/// size would receive, drawn by the same ncurses code as the live workbench, on a virtual clock: the opening at 0 s,
/// each full step and key half a second after the previous frame, each `<tick>` a fifteenth of a second. The same
/// arguments give the same file, byte for byte (the header's timestamp is 0).
public enum HeadlessRecording {
    /// The terminal type the recording is drawn for.
    public static let termType = "xterm-256color"
    /// Virtual seconds between frames after a step or key.
    public static let stepSeconds = 0.5

    /// Drives `session` like `Headless.drive`, drawing every frame into the recording at `path`; returns the final
    /// session. Throws a one-line error when the file cannot be written or ncurses cannot draw for the type.
    /// `secondsPerKey` is the virtual time after a step or key (a lesson's stops are read longer).
    public static func record<Screen: DrivenScreen>(_ session: Screen, width: Int, height: Int, steps: Int, script: [Key.ScriptItem],
                                                    tier: ColorTier, path: String, secondsPerKey: Double = stepSeconds) throws -> Screen {
        let writer = try AsciicastWriter(path: path, width: width, height: height, timestamp: 0,
                                         environment: ["TERM": termType])
        var template = Array("/tmp/kmeans-record-XXXXXX".utf8CString)
        let scratch = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard scratch >= 0 else { throw AsciicastWriter.WriteError(description: "cannot create a scratch file in /tmp for the recording") }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        defer { close(scratch) }
        let cursesDescriptor = dup(scratch)
        guard let terminal = TerminalScreen.openHeadless(descriptor: cursesDescriptor, termType: termType, width: width,
                                                         height: height, tier: tier) else {
            throw AsciicastWriter.WriteError(description: "cannot draw a recording: terminfo has no \(termType)")
        }
        defer { terminal.close() }
        let renderer = Renderer(tier: tier)
        var offset: off_t = 0
        var time = 0.0
        var failure: (any Error)?
        func drawFrame(_ session: Screen) {
            terminal.draw(session.render(with: renderer))
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { pread(scratch, $0.baseAddress, $0.count, offset) }
                if count <= 0 { break }
                bytes += buffer[0..<count]
                offset += off_t(count)
            }
            do { try writer.append(bytes, at: time) } catch { failure = failure ?? error }
        }
        drawFrame(session)
        let final = Headless.drive(session, steps: steps, script: script) { session, item in
            time += item == .tick ? 1 / WorkbenchLoop.maximumFramesPerSecond : secondsPerKey
            drawFrame(session)
        }
        try writer.finish()
        if let failure { throw failure }
        return final
    }
}

extension HeadlessRecording {
    /// Records a single run at its own screen size.
    public static func record(_ session: Session, steps: Int, script: [Key.ScriptItem], tier: ColorTier, path: String) throws -> Session {
        try record(session, width: session.screenWidth, height: session.screenHeight, steps: steps, script: script, tier: tier, path: path)
    }
}
