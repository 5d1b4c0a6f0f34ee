import Foundation
import TFFormats

/// Checkpoints in a TensorFlow `model_dir` on disk: `model.ckpt-N.index` + `.data-00000-of-00001` and the
/// `checkpoint` state file, readable by `tf.train.load_variable` and `tf.train.latest_checkpoint`.
///
/// The first save takes the directory's trainer lock (held until the store is released), so a second trainer
/// process on the same directory fails with `TFFormatError.directoryLocked` instead of interleaving saves.
/// Stores in one process share the lock.
public final class DiskCheckpointStore: CheckpointStore {
    /// The directory as the user gave it; returned paths are joined onto it, as TF's `os.path.join` does.
    public let modelDir: String
    /// The on-disk layout.
    public let directory: ModelDirectory
    /// How many checkpoints are retained (oldest deleted first); nil or 0 keeps all.
    public let keepCheckpointMax: Int?
    private var lease: TrainerLockRegistry.Lease?

    /// A store over `modelDir` (created on first save).
    public init(modelDir: String, keepCheckpointMax: Int? = 5) {
        self.modelDir = modelDir
        self.directory = ModelDirectory(url: URL(fileURLWithPath: modelDir))
        self.keepCheckpointMax = keepCheckpointMax
    }

    /// The checkpoint's prefix joined onto `modelDir` as the user spelled it (state files may name subdirectories).
    private func userPath(_ checkpoint: CheckpointReference) -> String {
        let base = directory.url.path.hasSuffix("/") ? directory.url.path : directory.url.path + "/"
        let relative = checkpoint.prefix.path.hasPrefix(base) ? String(checkpoint.prefix.path.dropFirst(base.count)) : checkpoint.name
        return modelDir.hasSuffix("/") ? modelDir + relative : modelDir + "/" + relative
    }

    /// `<modelDir>/model.ckpt-N` of the checkpoint the state file names, or nil (no state file, or its index is missing).
    public func latestCheckpointPath() throws -> String? {
        try directory.latestCheckpoint().map(userPath)
    }

    /// The retained checkpoints the state file lists whose index exists, oldest first, as `<modelDir>/<name>`.
    public func allCheckpointPaths() throws -> [String] {
        try directory.checkpoints().map(userPath)
    }

    /// Loads the checkpoint whose prefix is `path`: as given (absolute or relative to the working directory), or
    /// else relative to the model directory. Tensors of dtypes this package does not model are left out.
    public func load(_ path: String) throws -> [String: Tensor] {
        let asGiven = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: TensorBundleFiles.indexURL(prefix: asGiven).path) {
            return try TensorBundleReader(prefix: asGiven).readAll(skippingUnsupported: true)
        }
        if !path.hasPrefix("/"), let inside = try? directory.resolve(checkpointPath: path),
           FileManager.default.fileExists(atPath: TensorBundleFiles.indexURL(prefix: inside).path) {
            return try TensorBundleReader(prefix: inside).readAll(skippingUnsupported: true)
        }
        throw CheckpointStoreError.notFound(path)
    }

    /// Saves atomically as `model.ckpt-<globalStep>`, updates the state file, applies retention, and returns
    /// `<modelDir>/model.ckpt-<globalStep>`; the first save takes the trainer lock.
    @discardableResult
    public func save(_ variables: [String: Tensor], globalStep: Int64) throws -> String {
        if lease == nil {
            lease = try TrainerLockRegistry.shared.acquire(directory)
        }
        return userPath(try directory.saveCheckpoint(variables, step: globalStep, keepCheckpointMax: keepCheckpointMax))
    }
}

/// A hold on a model directory's trainer lock, taken before any checkpoint is saved: for work that must be done
/// by the lock holder only, such as deciding the parameters a new directory is trained with. Every checkpoint
/// store of this process that writes to the same directory shares the lock (so an estimator can train while it
/// is held); a trainer in another process fails with `TFFormatError.directoryLocked` until the hold and those
/// stores are released.
public final class TrainerLockHold {
    private let lease: TrainerLockRegistry.Lease

    /// Takes the trainer lock of `modelDir` (creating the directory) or throws `TFFormatError.directoryLocked`
    /// at once if another process holds it; leftovers of a crashed save are removed. Held until deinit.
    public init(modelDir: String) throws {
        lease = try TrainerLockRegistry.shared.acquire(ModelDirectory(url: URL(fileURLWithPath: modelDir)))
    }
}

/// Trainer locks held by this process, one per model directory, shared by every store that writes there.
final class TrainerLockRegistry: @unchecked Sendable {
    // @unchecked: `entries` is only touched under `mutex`.
    static let shared = TrainerLockRegistry()
    private let mutex = NSLock()
    private var entries: [String: (lock: TrainerLock, users: Int)] = [:]

    /// Keeps the lock while alive.
    final class Lease {
        private let key: String
        private let registry: TrainerLockRegistry
        init(key: String, registry: TrainerLockRegistry) {
            self.key = key
            self.registry = registry
        }
        deinit { registry.release(key) }
    }

    func acquire(_ directory: ModelDirectory) throws -> Lease {
        let key = directory.url.path
        mutex.lock()
        defer { mutex.unlock() }
        if let entry = entries[key] {
            entries[key] = (entry.lock, entry.users + 1)
        } else {
            let lock = try directory.acquireTrainerLock()
            // Nobody else writes here now: leftovers of a crashed save can go.
            try directory.removeStaleTemporaryFiles()
            entries[key] = (lock, 1)
        }
        return Lease(key: key, registry: self)
    }

    private func release(_ key: String) {
        mutex.lock()
        defer { mutex.unlock() }
        guard let entry = entries[key] else { return }
        if entry.users <= 1 {
            entry.lock.release()
            entries[key] = nil
        } else {
            entries[key] = (entry.lock, entry.users - 1)
        }
    }
}
