import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What changed in a followed model directory since the last look.
public enum ModelDirChange: Sendable, Equatable {
    /// The directory does not exist (yet): the follower waits for it.
    case waitingForDirectory
    /// The directory appeared (or came back).
    case directoryAppeared
    /// The directory was deleted while followed: the follower waits for it to come back.
    case directoryRemoved
    /// The state file named a new checkpoint (whose index exists); `isLatest` when it is `model_checkpoint_path`.
    case checkpointAdded(CheckpointReference, isLatest: Bool)
    /// A checkpoint left the state file's list (retention deleted it).
    case checkpointRemoved(CheckpointReference)
    /// A scalar was appended to an event file of `run` (`.`, `eval`, …).
    case scalar(run: String, tag: String, point: ScalarPoint)
    /// Something the writer cannot fix by writing more (a state file path outside the directory, a damaged
    /// record): one line, reported once; following goes on.
    case problem(String)
}

/// The outcome of reading a followed checkpoint.
public enum FollowedCheckpointRead: Sendable {
    /// Its tensors.
    case tensors([String: Tensor])
    /// It is no longer in the state file, or its files are gone (retention deleted it mid-read): skip it.
    case gone
    /// It stayed unreadable over every retry although the state file still names it.
    case unreadable(TFFormatError)
}

/// Follows a model directory that a trainer (ours or TensorFlow's, here or on another machine) is writing.
///
/// Only checkpoints the `checkpoint` state file names are trusted, and only once their index exists; a state file
/// caught mid-replacement or unparsable is read again next time, not reported (unless it stays so). Pair it with a
/// `ModelDirWatcher` to know when to call `refresh()`.
public struct ModelDirFollower: Sendable {
    /// The directory followed.
    public let directory: ModelDirectory
    /// The checkpoints the state file currently lists, oldest first.
    public private(set) var checkpoints: [CheckpointReference] = []
    /// The checkpoint the state file names as latest.
    public private(set) var latest: CheckpointReference?
    /// Whether to follow event-file scalars as well.
    public var followsScalars: Bool

    private var existed: Bool?
    private var events: ModelDirEventTail
    private var reportedProblems = Set<String>()
    private var stateFailures = 0
    /// Called before each listed checkpoint's index is looked for (for tests: a trainer saving meanwhile).
    var beforeIndexCheck: (@Sendable (CheckpointReference) -> Void)?

    /// Reads of an unparsable state file before it is reported.
    static let statePatience = 5

    /// Follows `directory`; nothing is read until `refresh()`.
    public init(directory: ModelDirectory, followsScalars: Bool = true) {
        self.directory = directory
        self.followsScalars = followsScalars
        self.events = ModelDirEventTail(directory: directory)
    }

    /// Looks at the directory again and returns what changed, in order: directory appearing or vanishing,
    /// checkpoints dropped by retention, new checkpoints (oldest first), then new scalars.
    public mutating func refresh() -> [ModelDirChange] {
        var changes: [ModelDirChange] = []
        let exists = FileIO.directoryExists(directory.url)
        switch (existed, exists) {
        case (nil, false): changes.append(.waitingForDirectory)
        case (false, true): changes.append(.directoryAppeared)
        case (true, false): changes.append(.directoryRemoved)
        default: break
        }
        existed = exists
        guard exists else {
            changes += checkpoints.map { .checkpointRemoved($0) }
            checkpoints = []
            latest = nil
            return changes
        }
        if let listing = readListing(&changes) {
            let current = Set(listing.checkpoints)
            changes += checkpoints.filter { !current.contains($0) }.map { .checkpointRemoved($0) }
            let known = Set(checkpoints)
            for checkpoint in listing.checkpoints where !known.contains(checkpoint) {
                changes.append(.checkpointAdded(checkpoint, isLatest: checkpoint == listing.latest))
            }
            checkpoints = listing.checkpoints
            latest = listing.latest
        }
        if followsScalars {
            let (scalars, problems) = events.readNewScalars()
            for problem in problems { report(problem, into: &changes) }
            changes += scalars.map { .scalar(run: $0.run, tag: $0.tag, point: $0.point) }
        }
        return changes
    }

    /// The state file's checkpoints whose index exists (latest last), or nil to keep the previous listing.
    private mutating func readListing(_ changes: inout [ModelDirChange]) -> (checkpoints: [CheckpointReference], latest: CheckpointReference?)? {
        let listing: CheckpointListing
        do {
            listing = try directory.checkpointListing(beforeIndexCheck: beforeIndexCheck)
            stateFailures = 0
        } catch {
            stateFailures += 1
            if stateFailures >= Self.statePatience { report("\(error) (still so after \(stateFailures) reads)", into: &changes) }
            return nil
        }
        for problem in listing.problems { report("\(problem); that checkpoint is not followed", into: &changes) }
        return (listing.checkpoints, listing.latest)
    }

    private mutating func report(_ problem: String, into changes: inout [ModelDirChange]) {
        if reportedProblems.insert(problem).inserted { changes.append(.problem(problem)) }
    }

    /// Reads a checkpoint beside a writer: a failed read (files being replaced, deleted by retention, half
    /// written by a killed trainer) is retried while the state file still names the checkpoint, up to `attempts`
    /// times, `retryDelay` seconds apart.
    public func read(_ checkpoint: CheckpointReference, attempts: Int = 4, retryDelay: Double = 0.02) -> FollowedCheckpointRead {
        var lastError = TFFormatError.noCheckpoint(directory: directory.url.path, detail: "\(checkpoint.name) was not read")
        for attempt in 0..<max(1, attempts) {
            if attempt > 0 { ModelDirWatcher.sleep(seconds: retryDelay) }
            do {
                return .tensors(try directory.load(checkpoint))
            } catch {
                lastError = error
            }
            guard stillListed(checkpoint) else { return .gone }
        }
        return .unreadable(lastError)
    }

    /// Whether the state file (read afresh) still names `checkpoint` and its index exists.
    private func stillListed(_ checkpoint: CheckpointReference) -> Bool {
        guard FileIO.fileExists(TensorBundleFiles.indexURL(prefix: checkpoint.prefix)) else { return false }
        guard let state = try? directory.checkpointState() else { return true }
        let paths = state.allModelCheckpointPaths + [state.modelCheckpointPath]
        return paths.contains { (try? directory.resolve(checkpointPath: $0)) == checkpoint.prefix }
    }
}
