/// The question each frame ends with, so that the terminal's answer says the frame has arrived: a primary Device
/// Attributes request (`ESC [ c`), which every xterm-compatible terminal, tmux, screen and the Linux console answer
/// with `ESC [ ? … c` once they have parsed everything sent before it. ncurses never sends `ESC [ c` itself, so the
/// output relay finds the probes in the byte stream (`ProbeScanner`), and the input relay takes the answers out of
/// the keys (`ProbeAnswerFilter`) before ncurses sees them.
enum ArrivalProbe {
    /// The request.
    static let request: [UInt8] = [0x1B, 0x5B, 0x63]
    /// The request as text.
    static let text = "\u{1B}[c"
}

/// Finds the probe requests in the bytes written to the terminal, across chunk boundaries, in one pass that gives
/// both where each probe ends (for the pacer) and the bytes without them (for a recording, so that replaying it
/// never queries the viewer's terminal, whose answers would be typed into their shell).
struct ProbeScanner {
    /// Bytes that may be the start of a probe, held until it is known.
    private var held: [UInt8] = []

    /// The offsets in `bytes` just past each probe that ends in them, and `bytes` without the probes (a possible
    /// start of one at the end is held back, and given with the next chunk or by ``flush()``).
    mutating func scan(_ bytes: some Collection<UInt8>) -> (ends: [Int], withoutProbes: [UInt8]) {
        var ends: [Int] = []
        var out: [UInt8] = []
        for (offset, byte) in bytes.enumerated() {
            held.append(byte)
            if held == ArrivalProbe.request {
                ends.append(offset + 1)
                held = []
                continue
            }
            while !held.isEmpty, !ArrivalProbe.request.starts(with: held) { out.append(held.removeFirst()) }
        }
        return (ends, out)
    }

    /// The held bytes, given up on (the output ended): they were not a probe.
    mutating func flush() -> [UInt8] {
        defer { held = [] }
        return held
    }
}

/// Takes the terminal's answers to probes (`ESC [ ? digits and ; c`) out of its input, across chunk boundaries, and
/// passes every other byte on unchanged and in order.
struct ProbeAnswerFilter {
    /// Bytes that may be the start of an answer, held until it is known.
    private(set) var held: [UInt8] = []

    /// Whether the held bytes already began an answer (`ESC [ ?`), so more of it is surely coming.
    var holdsAnswer: Bool { held.count >= 3 }

    /// The bytes of `input` to pass on, and how many answers it completed.
    mutating func filter(_ input: some Sequence<UInt8>) -> (passed: [UInt8], answers: Int) {
        var passed: [UInt8] = []
        var answers = 0
        for byte in input { take(byte, into: &passed, answers: &answers) }
        return (passed, answers)
    }

    /// The held bytes, given up on (no more input came): they were keys after all.
    mutating func release() -> [UInt8] {
        defer { held = [] }
        return held
    }

    private mutating func take(_ byte: UInt8, into passed: inout [UInt8], answers: inout Int) {
        switch (held.count, byte) {
        case (0, 0x1B), (1, 0x5B), (2, 0x3F): held.append(byte)
        case (3..<64, 0x30...0x39), (3..<64, 0x3B): held.append(byte)
        case (3..<64, 0x63):
            held = []
            answers += 1
        case (0, _): passed.append(byte)
        default:
            // Not an answer: the held bytes were keys; this byte may begin one.
            passed += held
            held = []
            take(byte, into: &passed, answers: &answers)
        }
    }
}
