import Foundation

/// What the workbench wrote against what the far end of a `ThrottledPty` read: the workbench records its own writes
/// (`--record`, each event stamped when the relay wrote it), the pty logs its reads, so the bytes written but not yet
/// read — the queue a key's frame waits behind — are known at every moment, and so is the rate the workbench sent at
/// (reads alone never exceed the line's rate, however much is queued). Every frame ends with an arrival probe
/// (`ESC [ c`), so the recording also tells where frames end and how much was still queued when the next one began.
struct LineBacklog {
    /// (seconds on the pty's clock, total bytes written by then), one entry per recorded write.
    let writes: [(time: Double, total: Int)]
    /// The total bytes written at the end of each frame (just past its probe).
    let frameEnds: [Int]
    /// (seconds, total bytes read by then).
    let reads: [(time: Double, total: Int)]

    /// Reads the recording at `castPath` and aligns its clock with the pty's: the opening's first write is taken to
    /// be read in the first read (the far end reads every 20 ms, so writes seem up to 20 ms late).
    init(castPath: String, reads: [(time: Double, total: Int)]) throws {
        let lines = try String(contentsOfFile: castPath, encoding: .utf8).split(separator: "\n").dropFirst()
        var total = 0
        var events: [(time: Double, total: Int)] = []
        var frameEnds: [Int] = []
        var matched = 0
        let probe = Array("\u{1B}[c".utf8)
        for line in lines {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], event.count == 3,
                  let time = event[0] as? Double, let text = event[2] as? String else { continue }
            for byte in text.utf8 {
                total += 1
                matched = byte == probe[matched] ? matched + 1 : byte == probe[0] ? 1 : 0
                if matched == probe.count { frameEnds.append(total); matched = 0 }
            }
            events.append((time, total))
        }
        self.frameEnds = frameEnds
        let offset = (reads.first?.time ?? 0) - (events.first?.time ?? 0)
        writes = events.map { ($0.time + offset, $0.total) }
        self.reads = reads
    }

    private static func total(_ log: [(time: Double, total: Int)], at time: Double) -> Int { log.last { $0.time <= time }?.total ?? 0 }

    /// Bytes written between `from` and `to` seconds.
    func written(from: Double, to: Double) -> Int { Self.total(writes, at: to) - Self.total(writes, at: from) }

    /// The frames that began between `from` and `to` seconds: when, their size, and the bytes still queued (written
    /// and not read) when they began — what a frame waited behind.
    func frames(from: Double, to: Double) -> [(time: Double, bytes: Int, queuedBefore: Int)] {
        zip(frameEnds, frameEnds.dropFirst()).compactMap { end, next in
            guard let start = writes.first(where: { $0.total > end }), start.time >= from, start.time <= to else { return nil }
            return (start.time, next - end, end - Self.total(reads, at: start.time))
        }
    }

    /// The most bytes written and not yet read at any moment between `from` and `to` (sampled at every write).
    func largestBacklog(from: Double, to: Double) -> Int {
        writes.filter { $0.time >= from && $0.time <= to }.map { $0.total - Self.total(reads, at: $0.time) }.max() ?? 0
    }
}
