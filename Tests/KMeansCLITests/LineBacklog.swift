import Foundation

/// What the workbench wrote against what the far end of a `ThrottledPty` read: the workbench records its own writes
/// (`--record`, each event stamped when the relay wrote it), the pty logs its reads, so the bytes written but not yet
/// read — the queue a key's frame waits behind — are known at every moment, and so is the rate the workbench sent at
/// (reads alone never exceed the line's rate, however much is queued).
struct LineBacklog {
    /// (seconds on the pty's clock, total bytes written by then), one entry per recorded write.
    let writes: [(time: Double, total: Int)]
    /// (seconds, total bytes read by then).
    let reads: [(time: Double, total: Int)]

    /// Reads the recording at `castPath` and aligns its clock with the pty's: the opening's first write is taken to
    /// be read in the first read (the far end reads every 20 ms, so writes seem up to 20 ms late).
    init(castPath: String, reads: [(time: Double, total: Int)]) throws {
        let lines = try String(contentsOfFile: castPath, encoding: .utf8).split(separator: "\n").dropFirst()
        var total = 0
        var events: [(time: Double, total: Int)] = []
        for line in lines {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], event.count == 3,
                  let time = event[0] as? Double, let text = event[2] as? String else { continue }
            total += text.utf8.count
            events.append((time, total))
        }
        let offset = (reads.first?.time ?? 0) - (events.first?.time ?? 0)
        writes = events.map { ($0.time + offset, $0.total) }
        self.reads = reads
    }

    private static func total(_ log: [(time: Double, total: Int)], at time: Double) -> Int { log.last { $0.time <= time }?.total ?? 0 }

    /// Bytes written between `from` and `to` seconds.
    func written(from: Double, to: Double) -> Int { Self.total(writes, at: to) - Self.total(writes, at: from) }

    /// The most bytes written and not yet read at any moment between `from` and `to` (sampled at every write).
    func largestBacklog(from: Double, to: Double) -> Int {
        writes.filter { $0.time >= from && $0.time <= to }.map { $0.total - Self.total(reads, at: $0.time) }.max() ?? 0
    }
}
