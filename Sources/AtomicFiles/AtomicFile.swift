#if canImport(Glibc)
import Glibc
#endif

/// Why an atomic write failed: the step, the path it was working on, and the system's reason.
public struct AtomicWriteError: Error, Sendable, CustomStringConvertible {
    /// `open`, `write`, `fsync` or `rename`.
    public var operation: String
    /// The file the step worked on (the temporary file, or the destination for `rename`).
    public var path: String
    /// `errno` of the failure.
    public var code: Int32

    /// The system's message for `code`.
    public var message: String { String(cString: strerror(code)) }
    /// `path: cannot OPERATION: message`.
    public var description: String { "\(path): cannot \(operation): \(message)" }
}

/// The project's one atomic file writer: the bytes go to a hidden temporary file beside the destination
/// (`.<name>.tmp-<pid>-<random>`), are fsynced, and the file is renamed over the destination, so a reader (or a
/// crash) sees the old file or the new one, never a partial one; a failure removes the temporary file.
public enum AtomicFile {
    /// What every temporary name contains (for cleaning up after a crash).
    public static let temporaryMarker = ".tmp-"

    /// A unique temporary path next to `path`.
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + temporaryMarker + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Writes `bytes` to `path` atomically. A destination that exists and is not a regular file (`/dev/null`, a
    /// FIFO, a terminal) is written in place: renaming over it would replace the device with a file.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(AtomicWriteError) {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw AtomicWriteError(operation: "open", path: path, code: errno) }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
            return
        }
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AtomicWriteError(operation: "open", path: temporary, code: errno) }
        do {
            try writeAll(bytes, to: fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw AtomicWriteError(operation: "fsync", path: temporary, code: code)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw AtomicWriteError(operation: "rename", path: path, code: code)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(AtomicWriteError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + done, bytes.count - done) }
            if result < 0 {
                if errno == EINTR { continue }
                throw AtomicWriteError(operation: "write", path: path, code: errno)
            }
            done += result
        }
    }
}
