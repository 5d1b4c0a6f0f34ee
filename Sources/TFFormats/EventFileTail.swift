import Foundation

/// Reads one event file as its writer appends to it: each call returns the events completed since the last.
///
/// A partial last record is waited for, never reported. A record whose checksum fails is also waited for (on some
/// file systems a reader briefly sees an append's bytes out of order); only when the same record still fails after
/// `patience` reads is it reported, once, and reading keeps retrying it. A file that shrinks was replaced and is
/// read again from its start; a file that disappears yields nothing.
public struct EventFileTail: Sendable {
    /// The event file.
    public let url: URL
    /// The offset after the last complete record read.
    public private(set) var offset = 0
    /// Reads a failing record must survive before it is reported as damaged.
    public var patience: Int

    private var damagedOffset: Int?
    private var damagedReads = 0
    private var reported = Set<Int>()

    /// A tail of `url` from its start.
    public init(url: URL, patience: Int = 5) {
        self.url = url
        self.patience = max(1, patience)
    }

    /// The events completed since the last call, and a one-line problem when a record is damaged (reported once
    /// per record) or the file cannot be read for a reason other than its absence.
    public mutating func readNew() -> (events: [Event], problem: String?) {
        var bytes: [UInt8]
        do {
            bytes = try FileIO.readTail(url, from: 0 < offset ? offset - 1 : 0)
        } catch .fileNotFound {
            return ([], nil)
        } catch {
            return ([], "\(error)")
        }
        // One byte before the offset is read back so that a file shrunk below it (replaced) is noticed.
        if offset > 0 {
            guard !bytes.isEmpty else {
                offset = 0
                return readNew()
            }
            bytes.removeFirst()
        }
        let scan = TFRecord.scan(bytes, path: url.path, baseOffset: offset)
        var events: [Event] = []
        var problem: String?
        for record in scan.records {
            do {
                events.append(try Event(decoding: record.data, path: url.path, offset: record.offset))
            } catch {
                // The checksum held, so the writer wrote this: it will never change. Report and go on.
                if reported.insert(record.offset).inserted { problem = "\(error) (record skipped)" }
            }
        }
        offset += scan.consumed
        if let damage = scan.damage {
            damagedReads = damagedOffset == offset ? damagedReads + 1 : 1
            damagedOffset = offset
            if damagedReads >= patience, reported.insert(offset).inserted {
                problem = "\(damage) (still damaged after \(damagedReads) reads; events after it are not shown)"
            }
        } else {
            damagedOffset = nil
            damagedReads = 0
        }
        return (events, problem)
    }
}

/// The event files of a model directory's runs (`.` for training, `eval`, `eval_<name>`, …), each followed with
/// an `EventFileTail`; new files are picked up as they appear, in TensorBoard's order (by name).
public struct ModelDirEventTail: Sendable {
    /// The model directory.
    public let directory: ModelDirectory
    private var tails: [String: EventFileTail] = [:]

    /// Follows the event files under `directory`.
    public init(directory: ModelDirectory) {
        self.directory = directory
    }

    /// The scalars completed since the last call, run by run, and one-line problems (damaged records).
    public mutating func readNewScalars() -> (scalars: [(run: String, tag: String, point: ScalarPoint)], problems: [String]) {
        var scalars: [(run: String, tag: String, point: ScalarPoint)] = []
        var problems: [String] = []
        guard let runs = try? directory.summaryRuns() else { return ([], []) }
        for (run, files) in runs {
            for file in files {
                var tail = tails[file.path] ?? EventFileTail(url: file)
                let (events, problem) = tail.readNew()
                tails[file.path] = tail
                if let problem { problems.append(problem) }
                for event in events {
                    guard case .summary(let values) = event.payload else { continue }
                    for value in values {
                        guard let scalar = value.scalar else { continue }
                        scalars.append((run, value.tag, ScalarPoint(step: event.step, value: scalar, wallTime: event.wallTime)))
                    }
                }
            }
        }
        return (scalars, problems)
    }
}
