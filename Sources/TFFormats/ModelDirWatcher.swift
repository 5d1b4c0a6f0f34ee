import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a `ModelDirWatcher` learns that a model directory changed.
public enum WatchMechanism: Sendable, Equatable, CustomStringConvertible {
    /// Kernel notifications (inotify) on the directory and its direct subdirectories.
    case inotify
    /// Re-reading the directory every `interval` seconds; `reason` says why inotify is not used.
    case polling(interval: Double, reason: String)

    /// `inotify`, or `polling every 0.25 s (reason)`.
    public var description: String {
        switch self {
        case .inotify: "inotify"
        case .polling(let interval, let reason): "polling every \(interval) s (\(reason))"
        }
    }
}

/// Waits for changes in a model directory (new or replaced files there or one level below, the directory
/// appearing or disappearing): inotify where the file system delivers it, polling where it cannot (network file
/// systems such as NFS, where other machines' writes raise no local notification), or when polling is forced.
///
/// A wake-up only means "look again": callers re-read the directory (see `ModelDirFollower`). Use from one thread.
public final class ModelDirWatcher {
    /// The watched directory.
    public let url: URL
    /// The active mechanism.
    public private(set) var mechanism: WatchMechanism
    /// The environment variable that forces polling when set to anything but `0` or empty.
    public static let forcePollingVariable = "KMEANS_FOLLOW_POLL"

    private let pollInterval: Double
    private var descriptor: Int32 = -1
    private var watches: [Int32: String] = [:]

    /// Watches `url` (which need not exist yet). `forcePolling` (or `KMEANS_FOLLOW_POLL=1`) polls even where
    /// inotify works; `pollInterval` is the polling period in seconds.
    public init(url: URL, forcePolling: Bool = false, pollInterval: Double = 0.25) {
        self.url = url.standardizedFileURL
        self.pollInterval = max(0.01, pollInterval)
        let environment = ProcessInfo.processInfo.environment[Self.forcePollingVariable] ?? ""
        if forcePolling || !(environment.isEmpty || environment == "0") {
            let why = forcePolling ? "forced" : "forced by \(Self.forcePollingVariable)"
            mechanism = .polling(interval: self.pollInterval, reason: why)
            return
        }
        if let remote = Self.networkFileSystem(containing: self.url) {
            mechanism = .polling(interval: self.pollInterval, reason: "\(remote) file system: inotify misses other machines' writes")
            return
        }
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            mechanism = .polling(interval: self.pollInterval, reason: "inotify unavailable: \(FileIO.errnoMessage())")
            return
        }
        descriptor = fd
        mechanism = .inotify
        addWatches()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Blocks until something may have changed or `timeout` seconds passed; returns whether a change was
    /// signalled (always true when polling, since polling cannot tell).
    @discardableResult
    public func waitForChange(timeout: Double) -> Bool {
        guard descriptor >= 0 else {
            Self.sleep(seconds: min(timeout, pollInterval))
            return true
        }
        addWatches()
        // Until the directory exists there is nothing to watch: look again at the polling period.
        let limit = watches.isEmpty ? min(timeout, pollInterval) : timeout
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, Int32(max(0, (limit * 1000).rounded(.up))))
        guard ready > 0 else { return watches.isEmpty }
        drainEvents()
        return true
    }

    private static let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE
                                     | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// Watches the directory and its direct subdirectories (eval/, …) that are not watched yet.
    private func addWatches() {
        guard descriptor >= 0 else { return }
        if !watches.values.contains(url.path) { add(url.path) }
        guard !watches.isEmpty, let names = try? FileIO.listDirectory(url) else { return }
        for name in names where !name.hasPrefix(".") {
            let path = url.appendingPathComponent(name).path
            if !watches.values.contains(path), FileIO.directoryExists(URL(fileURLWithPath: path)) { add(path) }
        }
    }

    private func add(_ path: String) {
        let wd = path.withCString { inotify_add_watch(descriptor, $0, Self.mask) }
        if wd >= 0 {
            watches[wd] = path
        } else if errno != ENOENT && errno != ENOTDIR && path == url.path {
            // Out of watches (fs.inotify.max_user_watches) or refused by the file system: poll instead, and say so.
            mechanism = .polling(interval: pollInterval, reason: "inotify refused the directory: \(FileIO.errnoMessage())")
            Glibc.close(descriptor)
            descriptor = -1
            watches = [:]
        }
    }

    /// Reads every queued notification, forgetting watches the kernel dropped (deleted directories).
    private func drainEvents() {
        let size = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, size) }
            guard count > 0 else { return }
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (wd, flags, nameLength) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                if flags & UInt32(IN_IGNORED) != 0 || flags & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                    if let path = watches.removeValue(forKey: wd) {
                        for (other, otherPath) in watches where otherPath.hasPrefix(path + "/") { watches[other] = nil }
                    }
                }
                offset += headerSize + nameLength
            }
        }
    }

    /// The type of the network file system holding `url` (or its nearest existing ancestor), if it is one.
    static func networkFileSystem(containing url: URL) -> String? {
        guard let mounts = try? FileIO.readAll(URL(fileURLWithPath: "/proc/self/mounts")) else { return nil }
        return networkFileSystem(containing: url.path, mounts: String(decoding: mounts, as: UTF8.self))
    }

    /// `networkFileSystem(containing:)` against a mount table in `/proc/self/mounts` form.
    static func networkFileSystem(containing path: String, mounts: String) -> String? {
        var best: (mountPoint: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            let inside = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if inside, mountPoint.count >= (best?.mountPoint.count ?? -1) { best = (mountPoint, String(fields[2])) }
        }
        guard let type = best?.type else { return nil }
        let network = ["nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs", "lustre", "gpfs", "glusterfs", "fuse.sshfs",
                       "fuse.gcsfuse", "fuse.s3fs", "fuse.rclone", "fuse.juicefs", "beegfs", "orangefs"]
        return network.contains(type) ? type : nil
    }

    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        usleep(useconds_t(min(seconds, 3600) * 1_000_000))
    }
}
