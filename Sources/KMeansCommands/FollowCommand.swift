import ArgumentParser
import Foundation
import KMeansCore
import TFFormats

/// `kmeans inspect DIR --follow`'s options.
struct FollowOptions: ParsableArguments {
    @Flag(help: "Follow the directory as a trainer writes it: print each new checkpoint, retention removal and event scalar as it appears (until Ctrl-C, --until-step or --follow-timeout).")
    var follow = false

    @Flag(help: "With --follow: poll instead of using inotify (as on NFS, where inotify misses other machines' writes; also KMEANS_FOLLOW_POLL=1).")
    var poll = false

    @Option(parsing: .unconditional, help: "With --follow: seconds between polls (default 0.25).")
    var pollInterval: Double = 0.25

    @Option(parsing: .unconditional, help: "With --follow: stop once a checkpoint at this global step or later has been seen.")
    var untilStep: Int64?

    @Option(parsing: .unconditional, help: "With --follow: stop after this many seconds.")
    var followTimeout: Double?

    @Flag(help: "With --follow: print checkpoints only, not event scalars.")
    var noScalars = false

    func validate(for format: OutputFormat) throws {
        guard follow else {
            if poll || untilStep != nil || followTimeout != nil || noScalars {
                throw ValidationError("--poll, --until-step, --follow-timeout and --no-scalars need --follow")
            }
            return
        }
        guard format == .text || format == .jsonl else {
            throw ValidationError("--follow prints a stream of events: use --format text or --format jsonl")
        }
        guard pollInterval.isFinite, pollInterval >= 0.01, pollInterval <= 60 else {
            throw ValidationError("--poll-interval must be between 0.01 and 60 seconds (got \(pollInterval))")
        }
        if let followTimeout, !(followTimeout.isFinite && followTimeout >= 0) {
            throw ValidationError("--follow-timeout must be a number of seconds, 0 or more (got \(followTimeout))")
        }
    }
}

/// Follows a model directory and prints what happens in it, one line per event.
struct ModelDirFollow {
    let displayName: String
    let url: URL
    let options: FollowOptions
    let format: OutputFormat

    /// The longest wait between looks even when inotify reports nothing (a safety net, not the latency).
    static let longestWait = 1.0

    func run() throws {
        // Nothing to save or restore: Ctrl-C and kill end a follower at once, even when started by a shell or test
        // runner that ignores or blocks these signals (a non-interactive shell's `&` ignores SIGINT).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_DFL)
            sigaddset(&stopSignals, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let directory = ModelDirectory(url: url)
        let watcher = ModelDirWatcher(url: url, forcePolling: options.poll, pollInterval: options.pollInterval)
        var follower = ModelDirFollower(directory: directory, followsScalars: !options.noScalars)
        let started = Date()
        var announced: WatchMechanism?
        var highestStep: Int64?
        while true {
            if announced != watcher.mechanism {
                announced = watcher.mechanism
                emit("watching", [("model_dir", .string(displayName)), ("mechanism", .string(mechanismName(watcher.mechanism))),
                                  ("detail", .string(watcher.mechanism.description))],
                     text: "following \(sanitized(displayName)) (\(watcher.mechanism))")
            }
            for change in follower.refresh() {
                if case .checkpointAdded(let checkpoint, _) = change, let step = checkpoint.step {
                    highestStep = max(highestStep ?? step, step)
                }
                show(change, follower: follower)
            }
            if let until = options.untilStep, let highestStep, highestStep >= until { return }
            var wait = Self.longestWait
            if let timeout = options.followTimeout {
                let left = timeout - Date().timeIntervalSince(started)
                if left <= 0 { return }
                wait = min(wait, left)
            }
            watcher.waitForChange(timeout: wait)
        }
    }

    private func mechanismName(_ mechanism: WatchMechanism) -> String {
        if case .inotify = mechanism { return "inotify" }
        return "polling"
    }

    private func show(_ change: ModelDirChange, follower: ModelDirFollower) {
        switch change {
        case .waitingForDirectory:
            emit("waiting", [("model_dir", .string(displayName))],
                 text: "\(sanitized(displayName)) does not exist yet: waiting for it to appear (Ctrl-C to stop)")
        case .directoryAppeared:
            emit("directory_appeared", [("model_dir", .string(displayName))], text: "\(sanitized(displayName)) appeared")
        case .directoryRemoved:
            emit("directory_removed", [("model_dir", .string(displayName))],
                 text: "\(sanitized(displayName)) was deleted: waiting for it to come back (Ctrl-C to stop)")
        case .checkpointAdded(let checkpoint, let isLatest):
            printCheckpoint(checkpoint, isLatest: isLatest, follower: follower)
        case .checkpointRemoved(let checkpoint):
            emit("removed", [("name", .string(checkpoint.name)), ("step", checkpoint.step.map { .int($0) } ?? .null)],
                 text: "removed     \(sanitized(checkpoint.name)) (no longer in the state file: retention deleted it)")
        case .scalar(let run, let tag, let point):
            emit("scalar", [("run", .string(run)), ("tag", .string(tag)), ("step", .int(point.step)), ("value", .double(point.value)),
                            ("wall_time", .double(point.wallTime))],
                 text: "scalar      \(sanitized(run == "." ? tag : run + "/" + tag)) step \(point.step): \(point.value)")
        case .problem(let message):
            emit("problem", [("message", .string(message))], text: "problem: \(sanitized(message))")
        }
    }

    /// A new checkpoint, read as a follower must (retrying torn reads, skipping one retention deleted).
    private func printCheckpoint(_ checkpoint: CheckpointReference, isLatest: Bool, follower: ModelDirFollower) {
        let written = modificationTime(follower.directory.stateFileURL)
        var fields: [(String, JSONValue)] = [("name", .string(checkpoint.name)), ("step", checkpoint.step.map { .int($0) } ?? .null),
                                             ("latest", .bool(isLatest)), ("written_at", written.map { .double($0) } ?? .null)]
        var text = "checkpoint  \(sanitized(checkpoint.name))\(isLatest ? " (latest)" : "")"
        switch follower.read(checkpoint) {
        case .tensors(let tensors):
            let globalStep = tensors[KMeansState.VariableName.globalStep]?.int64Values?.first
            let clusters = tensors[KMeansState.VariableName.clusters]
            let initialized = tensors[KMeansState.VariableName.initialized]?.boolValues?.first
            fields += [("global_step", globalStep.map { .int($0) } ?? .null),
                       ("clusters_shape", clusters.map { .array($0.shape.map { .int(Int64($0)) }) } ?? .null),
                       ("initialized", initialized.map { .bool($0) } ?? .null), ("variables", .int(Int64(tensors.count)))]
            text += ": global_step \(globalStep.map(String.init) ?? "?"), clusters \(clusters.map { "\($0.shape)" } ?? "missing")"
            text += ", \(tensors.count) variables\(initialized == false ? " (not initialized yet)" : "")"
            emit("checkpoint", fields, text: text)
        case .gone:
            emit("skipped", fields, text: text + ": deleted by retention while being read (skipped)")
        case .unreadable(let error):
            emit("problem", [("message", .string("\(error)")), ("name", .string(checkpoint.name))],
                 text: "problem: \(sanitized(checkpoint.name)) stays unreadable: \(sanitized("\(error)"))")
        }
    }

    private func modificationTime(_ url: URL) -> Double? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    private func emit(_ event: String, _ fields: [(String, JSONValue)], text: String) {
        let now = Date()
        if format == .jsonl {
            StandardOutput.write(JSONValue.object([("event", .string(event))] + fields + [("seen_at", .double(now.timeIntervalSince1970))]).compact + "\n")
        } else {
            StandardOutput.write("\(Self.clock(now))  \(text)\n")
        }
    }

    /// `HH:MM:SS.mmm` in UTC.
    static func clock(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let day = milliseconds % 86_400_000
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = day % 1000
        return "\(two(day / 3_600_000)):\(two(day / 60_000 % 60)):\(two(day / 1000 % 60)).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
    }
}
