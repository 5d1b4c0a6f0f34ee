import AtomicFiles
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// POSIX file operations with errors that name the file: whole-file and range reads that check the size first,
/// and durable atomic writes (temp file, fsync, rename, fsync of the directory).
enum FileIO {
    static func errnoMessage(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    private static func open(_ url: URL, flags: Int32, mode: mode_t = 0o644) throws(TFFormatError) -> Int32 {
        let fd = url.path.withCString { Glibc.open($0, flags | O_CLOEXEC, mode) }
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw .fileNotFound(path: url.path) }
            throw .io(path: url.path, operation: "open", message: errnoMessage(code))
        }
        return fd
    }

    /// The size of an open file.
    private static func size(of fd: Int32, path: String) throws(TFFormatError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", message: errnoMessage()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, operation: "open", message: "not a regular file") }
        return Int(info.st_size)
    }

    private static func readFully(_ fd: Int32, offset: Int, count: Int, path: String) throws(TFFormatError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", message: errnoMessage())
            }
            if result == 0 {
                throw .truncated(path: path, detail: "file ended after \(offset + done) bytes while reading \(count) bytes at offset \(offset)")
            }
            done += result
        }
        return buffer
    }

    /// The whole file; with a `limit`, a larger file throws `tooLarge(size)` before anything is read.
    static func readAll(_ url: URL, limit: (bytes: Int, tooLarge: (Int) -> TFFormatError)? = nil) throws(TFFormatError) -> [UInt8] {
        let fd = try open(url, flags: O_RDONLY)
        defer { close(fd) }
        let count = try size(of: fd, path: url.path)
        if let limit, count > limit.bytes { throw limit.tooLarge(count) }
        return try readFully(fd, offset: 0, count: count, path: url.path)
    }

    /// The file from `offset` to its end (empty when `offset` is at or past the end).
    static func readTail(_ url: URL, from offset: Int) throws(TFFormatError) -> [UInt8] {
        let fd = try open(url, flags: O_RDONLY)
        defer { close(fd) }
        let count = try size(of: fd, path: url.path)
        guard offset < count else { return [] }
        return try readFully(fd, offset: offset, count: count - offset, path: url.path)
    }

    /// Exactly `count` bytes at `offset`; checks the file is that long before allocating.
    static func readRange(_ url: URL, offset: Int, count: Int, what: String) throws(TFFormatError) -> [UInt8] {
        let fd = try open(url, flags: O_RDONLY)
        defer { close(fd) }
        let fileSize = try size(of: fd, path: url.path)
        guard offset >= 0, count >= 0, offset <= fileSize, count <= fileSize - offset else {
            throw .truncated(path: url.path, detail: "\(what) claims bytes \(offset)..<\(offset &+ count) but the file has \(fileSize) bytes")
        }
        return try readFully(fd, offset: offset, count: count, path: url.path)
    }

    /// Writes all of `bytes` to an open descriptor.
    static func writeFully(_ fd: Int32, _ bytes: [UInt8], path: String) throws(TFFormatError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + done, bytes.count - done) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", message: errnoMessage())
            }
            done += result
        }
    }

    static let temporaryMarker = AtomicFile.temporaryMarker

    /// A unique temporary name next to `url`, hidden and recognisable (`.<name>.tmp-<pid>-<random>`).
    static func temporaryURL(for url: URL) -> URL { URL(fileURLWithPath: AtomicFile.temporaryPath(for: url.path)) }

    /// Writes `bytes` to `url` through `AtomicFile`; `url` is never half-written.
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(TFFormatError) {
        do { try AtomicFile.write(bytes, to: url.path) } catch {
            if error.operation == "open", error.code == ENOENT { throw .fileNotFound(path: error.path) }
            throw .io(path: error.path, operation: error.operation, message: error.message)
        }
    }


    /// Flushes a directory's entries (renames, creations) to disk.
    static func syncDirectory(_ url: URL) throws(TFFormatError) {
        let fd = try open(url, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: url.path, operation: "fsync", message: errnoMessage()) }
    }

    /// `gethostname()`, as TF names event files (no DNS lookup, unlike `ProcessInfo.hostName`).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    static func fileExists(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func directoryExists(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates the directory and its parents if needed.
    static func createDirectory(_ url: URL) throws(TFFormatError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(path: url.path, operation: "mkdir", message: "\(error.localizedDescription)")
        }
    }

    /// Removes a file; a missing file is not an error.
    static func removeFile(_ url: URL) throws(TFFormatError) {
        if unlink(url.path) != 0 && errno != ENOENT {
            throw .io(path: url.path, operation: "unlink", message: errnoMessage())
        }
    }

    /// The names in a directory.
    static func listDirectory(_ url: URL) throws(TFFormatError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            if !directoryExists(url) { throw .fileNotFound(path: url.path) }
            throw .io(path: url.path, operation: "list", message: "\(error.localizedDescription)")
        }
    }
}

/// Writes `bytes` to `url` through a temporary file beside it, fsynced and renamed over `url`: readers see the old
/// file or the new one, never a partial one.
public func writeFileAtomically(_ bytes: [UInt8], to url: URL) throws(TFFormatError) {
    try FileIO.writeAtomically(bytes, to: url)
}
