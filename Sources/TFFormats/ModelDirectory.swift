import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A checkpoint in a model directory: its prefix and the global step its name carries.
public struct CheckpointReference: Sendable, Equatable, Hashable {
    /// The full prefix (`…/model.ckpt-42`); the bundle is `<prefix>.index` + `<prefix>.data-*`.
    public var prefix: URL
    /// The step parsed from a `…-<step>` suffix, if the name has one.
    public var step: Int64?

    /// Creates a reference to `prefix`, parsing the step from its name.
    public init(prefix: URL) {
        self.prefix = prefix
        self.step = Self.step(fromName: prefix.lastPathComponent)
    }

    /// The prefix's file name (`model.ckpt-42`).
    public var name: String { prefix.lastPathComponent }

    static func step(fromName name: String) -> Int64? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }
}

/// One scalar summary point.
public struct ScalarPoint: Sendable, Equatable {
    /// The global step.
    public var step: Int64
    /// The value (float32 scalars widened exactly).
    public var value: Double
    /// Seconds since the epoch when it was written.
    public var wallTime: Double

    /// Creates a point.
    public init(step: Int64, value: Double, wallTime: Double) {
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// The checkpoints a model directory's state file lists, read leniently (see `ModelDirectory.checkpointListing()`).
public struct CheckpointListing: Sendable, Equatable {
    /// The listed checkpoints whose index exists, oldest first.
    public var checkpoints: [CheckpointReference] = []
    /// The one the state file names as latest, if it is among them.
    public var latest: CheckpointReference?
    /// Listed paths left out because they leave the directory, each once.
    public var problems: [TFFormatError] = []

    /// An empty listing.
    public init() {}
}

/// The on-disk layout of a TensorFlow `model_dir`: checkpoints (`model.ckpt-N.*`), the `checkpoint` state file,
/// and the trainer lock. Saves are atomic and durable; reads trust nothing in the files.
public struct ModelDirectory: Sendable, Equatable {
    /// The directory.
    public let url: URL
    /// The checkpoint file-name stem (TF's Estimator uses `model.ckpt`).
    public var checkpointBaseName: String

    /// The name of the state file.
    public static let stateFileName = "checkpoint"
    /// The name of the trainer lock file.
    public static let lockFileName = ".kmeans-trainer.lock"

    /// A model directory at `url`; nothing is created until something is saved.
    public init(url: URL, checkpointBaseName: String = "model.ckpt") {
        self.url = url.standardizedFileURL
        self.checkpointBaseName = checkpointBaseName
    }

    /// The `checkpoint` state file's location.
    public var stateFileURL: URL { url.appendingPathComponent(Self.stateFileName) }

    /// The prefix used for a checkpoint at `step`.
    public func prefix(forStep step: Int64) -> URL {
        url.appendingPathComponent("\(checkpointBaseName)-\(step)")
    }

    // MARK: Reading

    /// The parsed state file, or nil if the directory has none.
    public func checkpointState() throws(TFFormatError) -> CheckpointState? {
        guard FileIO.fileExists(stateFileURL) else { return nil }
        let path = stateFileURL.path
        let bytes = try FileIO.readAll(stateFileURL, limit: (16 << 20, { size in
            .checkpointStateSyntax(path: path, line: 1, detail: "state file is \(size) bytes, far larger than any real one")
        }))
        return try CheckpointState(parsing: String(decoding: bytes, as: UTF8.self), path: stateFileURL.path)
    }

    /// Resolves a path from the state file against this directory, rejecting paths that leave it.
    public func resolve(checkpointPath path: String) throws(TFFormatError) -> URL {
        guard !path.isEmpty, !path.contains("\0") else {
            throw .pathEscapesDirectory(path: stateFileURL.path, checkpointPath: path)
        }
        let resolved: URL
        if path.hasPrefix("/") {
            resolved = URL(fileURLWithPath: path).standardizedFileURL
        } else {
            let components = path.split(separator: "/", omittingEmptySubsequences: true)
            guard !components.contains("..") else {
                throw .pathEscapesDirectory(path: stateFileURL.path, checkpointPath: path)
            }
            resolved = url.appendingPathComponent(path).standardizedFileURL
        }
        let base = url.path.hasSuffix("/") ? url.path : url.path + "/"
        guard resolved.path.hasPrefix(base), resolved.path.count > base.count else {
            throw .pathEscapesDirectory(path: stateFileURL.path, checkpointPath: path)
        }
        return resolved
    }

    /// The retained checkpoints the state file lists whose index file exists, oldest first; throws on the first
    /// listed path that leaves the directory (`checkpointListing()` sets such entries aside instead).
    public func checkpoints() throws(TFFormatError) -> [CheckpointReference] {
        let listing = try checkpointListing()
        if let problem = listing.problems.first { throw problem }
        return listing.checkpoints
    }

    /// The state file's checkpoints whose index file exists, oldest first, with the latest among them; a listed
    /// path that leaves the directory is one of `problems`, not a failure (only an unreadable state file throws).
    /// Beside a trainer, the listing is what one version of the state file lists.
    public func checkpointListing() throws(TFFormatError) -> CheckpointListing {
        try checkpointListing(beforeIndexCheck: nil)
    }

    /// How many looks at the listed indexes a listing takes while the state file keeps changing; the last is kept.
    static let listingAttempts = 4

    /// `checkpointListing()`, with a hook called before each listed checkpoint's index is looked for (for tests:
    /// a trainer saving meanwhile).
    func checkpointListing(beforeIndexCheck hook: ((CheckpointReference) -> Void)?) throws(TFFormatError) -> CheckpointListing {
        guard var state = try checkpointState() else { return CheckpointListing() }
        var attempt = 1
        while true {
            let listing = listing(of: state, beforeIndexCheck: hook)
            // Retention deletes a checkpoint only once a new state file no longer lists it: if the state file is
            // unchanged after the look, retention took nothing it lists during the look. If it changed, a deletion
            // may have landed out of order (a trainer killed between its state file and its deletions leaves the
            // older checkpoint behind): look again.
            guard let again = try checkpointState() else { return CheckpointListing() }
            if again == state || attempt == Self.listingAttempts { return listing }
            state = again
            attempt += 1
        }
    }

    /// `state`'s checkpoints whose index exists. Indexes are looked for from the end of the list: retention
    /// deletes from its front, so a save landing mid-look takes a run off the front, never one from the middle.
    private func listing(of state: CheckpointState, beforeIndexCheck hook: ((CheckpointReference) -> Void)?) -> CheckpointListing {
        var paths = state.allModelCheckpointPaths
        if paths.last != state.modelCheckpointPath { paths.append(state.modelCheckpointPath) }
        var listing = CheckpointListing()
        var prefixes: [URL] = []
        var seen = Set<URL>()
        for path in paths {
            do {
                let prefix = try resolve(checkpointPath: path)
                if seen.insert(prefix).inserted { prefixes.append(prefix) }
            } catch {
                if !listing.problems.contains(error) { listing.problems.append(error) }
            }
        }
        var present: [CheckpointReference] = []
        for prefix in prefixes.reversed() {
            let checkpoint = CheckpointReference(prefix: prefix)
            hook?(checkpoint)
            if FileIO.fileExists(TensorBundleFiles.indexURL(prefix: prefix)) { present.append(checkpoint) }
        }
        listing.checkpoints = present.reversed()
        let latest = try? resolve(checkpointPath: state.modelCheckpointPath)
        listing.latest = listing.checkpoints.first { $0.prefix == latest }
        return listing
    }

    /// The checkpoint `tf.train.latest_checkpoint` would return, or nil when there is none (no state file, or
    /// the named checkpoint's index is missing).
    public func latestCheckpoint() throws(TFFormatError) -> CheckpointReference? {
        guard let state = try checkpointState() else { return nil }
        let prefix = try resolve(checkpointPath: state.modelCheckpointPath)
        guard FileIO.fileExists(TensorBundleFiles.indexURL(prefix: prefix)) else { return nil }
        return CheckpointReference(prefix: prefix)
    }

    /// Opens a checkpoint's bundle.
    public func open(_ checkpoint: CheckpointReference) throws(TFFormatError) -> TensorBundleReader {
        try TensorBundleReader(prefix: checkpoint.prefix)
    }

    /// Every tensor of a checkpoint (string tensors included, sliced entries skipped).
    public func load(_ checkpoint: CheckpointReference) throws(TFFormatError) -> [String: Tensor] {
        try open(checkpoint).readAll()
    }

    /// Every tensor of the latest checkpoint, or nil when there is none.
    public func loadLatest() throws(TFFormatError) -> (checkpoint: CheckpointReference, tensors: [String: Tensor])? {
        guard let latest = try latestCheckpoint() else { return nil }
        return (latest, try load(latest))
    }

    /// The TensorBoard runs under this directory: `.` (training), `eval`, `eval_<name>` (and any other direct
    /// subdirectory holding event files), each with its event files in the order TensorBoard reads them (by name).
    public func summaryRuns() throws(TFFormatError) -> [(run: String, eventFiles: [URL])] {
        guard FileIO.directoryExists(url) else { return [] }
        func eventFiles(in directory: URL, names: [String]) -> [URL] {
            names.filter(EventFileReader.isEventFileName).sorted().map { directory.appendingPathComponent($0) }.filter(FileIO.fileExists)
        }
        var runs: [(run: String, eventFiles: [URL])] = []
        let names = try FileIO.listDirectory(url).sorted()
        let top = eventFiles(in: url, names: names)
        if !top.isEmpty { runs.append((".", top)) }
        for name in names where !name.hasPrefix(".") {
            let subdirectory = url.appendingPathComponent(name)
            guard FileIO.directoryExists(subdirectory) else { continue }
            let files = eventFiles(in: subdirectory, names: try FileIO.listDirectory(subdirectory))
            if !files.isEmpty { runs.append((name, files)) }
        }
        return runs
    }

    /// Every scalar of every run, as TensorBoard shows them: run (`.`, `eval`, …) → tag → points in step order of
    /// arrival. Files are read in name order; a `SessionLog START` at step S drops the run's earlier points with
    /// step ≥ S (what a crashed run wrote past the checkpoint the next run resumed from). Incomplete final records
    /// are ignored; corrupt ones throw.
    public func scalarSummaries() throws(TFFormatError) -> [String: [String: [ScalarPoint]]] {
        var result: [String: [String: [ScalarPoint]]] = [:]
        for (run, files) in try summaryRuns() {
            var tags: [String: [ScalarPoint]] = [:]
            for file in files {
                for event in try EventFileReader.read(file) {
                    switch event.payload {
                    case .sessionLog(.start, _):
                        for tag in tags.keys { tags[tag]!.removeAll { $0.step >= event.step } }
                    case .summary(let values):
                        for value in values {
                            if let scalar = value.scalar {
                                tags[value.tag, default: []].append(ScalarPoint(step: event.step, value: scalar, wallTime: event.wallTime))
                            }
                        }
                    default:
                        continue
                    }
                }
            }
            result[run] = tags.filter { !$0.value.isEmpty }
        }
        return result
    }

    // MARK: Writing

    /// Saves `tensors` as the checkpoint for `step` and makes it the latest.
    ///
    /// Order (so a crash at any point leaves the previous checkpoint readable): the data file and then the index
    /// are each written to a temporary file, fsynced and renamed into place; the directory is fsynced; the state
    /// file is rewritten the same way; only then are checkpoints beyond `keepCheckpointMax` deleted
    /// (`nil` or `0` keeps all, as in TensorFlow).
    @discardableResult
    public func saveCheckpoint(_ tensors: [String: Tensor], step: Int64, keepCheckpointMax: Int? = 5) throws(TFFormatError) -> CheckpointReference {
        guard step >= 0 else { throw .invalidArgument("checkpoint step must not be negative (got \(step))") }
        let encoded = try TensorBundleEncoder.encode(tensors)
        try FileIO.createDirectory(url)
        let reference = CheckpointReference(prefix: prefix(forStep: step))
        let dataURL = TensorBundleFiles.dataURL(prefix: reference.prefix)
        let indexURL = TensorBundleFiles.indexURL(prefix: reference.prefix)
        // Re-saving a step with identical contents (every train() starts by saving the restored state) must not
        // open a window where a new data file sits next to an old index.
        let unchanged = (try? FileIO.readAll(indexURL)) == encoded.index && (try? FileIO.readAll(dataURL)) == encoded.data
        if !unchanged {
            try FileIO.writeAtomically(encoded.data, to: dataURL)
            try FileIO.writeAtomically(encoded.index, to: indexURL)
            try FileIO.syncDirectory(url)
        }

        // A damaged state file must not block saving: the new state then starts from this checkpoint.
        let previous = (try? checkpointState()) ?? nil
        var retained = (previous?.allModelCheckpointPaths ?? []).filter { path in
            guard let prefix = try? resolve(checkpointPath: path) else { return false }
            return prefix != reference.prefix
        }
        retained.append(reference.name)
        var removed: [String] = []
        if let keep = keepCheckpointMax, keep > 0, retained.count > keep {
            removed = Array(retained.prefix(retained.count - keep))
            retained.removeFirst(retained.count - keep)
        }
        let state = CheckpointState(modelCheckpointPath: reference.name, allModelCheckpointPaths: retained)
        try FileIO.writeAtomically(Array(state.serialized.utf8), to: stateFileURL)
        try FileIO.syncDirectory(url)

        for path in removed {
            guard let prefix = try? resolve(checkpointPath: path) else { continue }
            try deleteCheckpointFiles(prefix: prefix)
        }
        return reference
    }

    /// Deletes `<prefix>.index`, `<prefix>.meta` and every `<prefix>.data-*` file.
    func deleteCheckpointFiles(prefix: URL) throws(TFFormatError) {
        let directory = prefix.deletingLastPathComponent()
        let name = prefix.lastPathComponent
        try FileIO.removeFile(TensorBundleFiles.indexURL(prefix: prefix))
        try FileIO.removeFile(URL(fileURLWithPath: prefix.path + ".meta"))
        for file in (try? FileIO.listDirectory(directory)) ?? [] where file.hasPrefix(name + ".data-") {
            try FileIO.removeFile(directory.appendingPathComponent(file))
        }
    }

    /// Removes temporary files a crashed save left behind (only call while holding the trainer lock).
    public func removeStaleTemporaryFiles() throws(TFFormatError) {
        guard FileIO.directoryExists(url) else { return }
        for name in try FileIO.listDirectory(url) where name.hasPrefix(".") && name.contains(FileIO.temporaryMarker) {
            try FileIO.removeFile(url.appendingPathComponent(name))
        }
    }

    // MARK: Locking

    /// Takes the directory's exclusive trainer lock (creating the directory if needed); throws
    /// `directoryLocked` at once if another trainer, in this or another process, holds it.
    public func acquireTrainerLock() throws(TFFormatError) -> TrainerLock {
        try acquireTrainerLock(afterOpening: nil)
    }

    /// `acquireTrainerLock()`, with a hook between opening the lock file and locking it (for tests).
    func acquireTrainerLock(afterOpening hook: (() -> Void)?) throws(TFFormatError) -> TrainerLock {
        // A trainer that fails on a directory it created removes the directory, lock file and all, while it holds the
        // lock. A lock then taken on the removed file (opened just before) would guard nothing: take it again on the
        // file now in place.
        for _ in 0..<8 {
            try FileIO.createDirectory(url)
            let lock = try TrainerLock(url: url.appendingPathComponent(Self.lockFileName), afterOpening: hook)
            if lock.isOnFileInPlace { return lock }
            lock.release()
        }
        throw .directoryLocked(path: url.path, detail: "its lock file \(Self.lockFileName) keeps being removed")
    }
}

/// An exclusive `flock` on a model directory's lock file, held until `release()` or deinit.
public final class TrainerLock: @unchecked Sendable {
    // @unchecked: the descriptor is only mutated under `mutex`.
    private var descriptor: Int32
    private let mutex = NSLock()
    /// The lock file.
    public let url: URL

    init(url: URL, afterOpening hook: (() -> Void)? = nil) throws(TFFormatError) {
        self.url = url
        let fd = url.path.withCString { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw .io(path: url.path, operation: "open", message: FileIO.errnoMessage()) }
        hook?()
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = (try? FileIO.readAll(url)).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            Glibc.close(fd)
            if code == EWOULDBLOCK {
                throw .directoryLocked(path: url.deletingLastPathComponent().path, detail: holder.isEmpty ? "lock file \(url.lastPathComponent) is held" : "held by \(holder)")
            }
            throw .io(path: url.path, operation: "flock", message: FileIO.errnoMessage(code))
        }
        descriptor = fd
        let owner = Array("pid \(getpid()) on \(FileIO.hostName())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = owner.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Whether the locked file is still the one at `url` (not removed or replaced since it was opened).
    public var isOnFileInPlace: Bool {
        mutex.lock()
        defer { mutex.unlock() }
        var held = stat()
        var named = stat()
        guard descriptor >= 0, fstat(descriptor, &held) == 0, stat(url.path, &named) == 0 else { return false }
        return held.st_dev == named.st_dev && held.st_ino == named.st_ino
    }

    /// Releases the lock (idempotent).
    public func release() {
        mutex.lock()
        defer { mutex.unlock() }
        if descriptor >= 0 {
            _ = ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
