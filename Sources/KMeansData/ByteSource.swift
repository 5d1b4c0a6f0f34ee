#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Musl)
private let systemRead = Musl.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// A file (or standard input) read through one reusable buffer, so large files never sit in memory whole.
final class ByteSource {
    /// The name used in error messages (`-` for standard input).
    let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Whether the source is a regular file that can be re-read from any offset.
    let isSeekable: Bool
    /// The size of a regular file in bytes (nil for pipes and terminals).
    let fileSize: Int?

    /// Buffered bytes (owned storage of `capacity` bytes); the unread ones are `base[start..<end]`.
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var start = 0
    var end = 0
    /// True once `read` has returned 0.
    private(set) var reachedEOF = false
    /// The file offset of `buffer[start]`.
    var offset: Int { consumedBeforeBuffer + start }
    private var consumedBeforeBuffer = 0

    /// Skips a UTF-8 byte-order mark at the read position (the buffer must hold the first bytes); returns its length.
    func skipByteOrderMark() -> Int {
        guard available >= 3, self[start] == 0xEF, self[start + 1] == 0xBB, self[start + 2] == 0xBF else { return 0 }
        start += 3
        return 3
    }

    /// Opens `path` for reading; `-` means standard input.
    init(path: String, bufferSize: Int = 1 << 20) throws {
        name = path
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                throw DataError(file: path, location: .file, kind: .io, message: "cannot open: \(ByteSource.errorText())")
            }
            descriptor = fd
            ownsDescriptor = true
        }
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            isSeekable = true
            fileSize = Int(info.st_size)
        } else if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            if ownsDescriptor { close(descriptor) }
            throw DataError(file: path, location: .file, kind: .io, message: "is a directory, not a data file")
        } else {
            isSeekable = false
            fileSize = nil
        }
        capacity = max(bufferSize, 16)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
        base.deallocate()
    }

    /// The unread byte at `index` (`start ≤ index < end`).
    subscript(index: Int) -> UInt8 { base[index] }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }

    /// Number of buffered, unread bytes.
    var available: Int { end - start }

    /// Reads more bytes into the buffer, keeping the unread ones. Returns false at end of file.
    @discardableResult
    func fill() throws -> Bool {
        if reachedEOF { return false }
        if start > 0 {
            let unread = end - start
            if unread > 0 { _ = memmove(base, base + start, unread) }
            consumedBeforeBuffer += start
            start = 0
            end = unread
        }
        if end == capacity {
            // Grows only when a single unit (a line being sniffed, a header) fills the buffer: memory follows
            // bytes actually read, never sizes claimed by the file.
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: base, count: end)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        while true {
            let count = systemRead(descriptor, base + end, capacity - end)
            if count < 0 {
                if errno == EINTR { continue }
                throw DataError(file: name, location: .byte(offset + available), kind: .io, message: "read failed: \(ByteSource.errorText())")
            }
            if count == 0 { reachedEOF = true; return false }
            end += count
            return true
        }
    }

    /// Makes at least `count` unread bytes available if the file has them; returns how many are.
    func ensure(_ count: Int) throws -> Int {
        while available < count {
            if !(try fill()) { break }
        }
        return available
    }

    /// Reads up to `count` bytes (fewer only at end of file).
    func read(count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(count, 1 << 24))
        while out.count < count {
            if available == 0, !(try fill()) { break }
            let take = min(available, count - out.count)
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: take))
            start += take
        }
        return out
    }

    /// Moves to byte `offset` of a seekable file, discarding the buffer.
    func seek(to target: Int) throws {
        guard isSeekable else {
            throw DataError(file: name, location: .file, kind: .io, message: "cannot rewind a pipe")
        }
        if lseek(descriptor, off_t(target), SEEK_SET) < 0 {
            throw DataError(file: name, location: .byte(target), kind: .io, message: "seek failed: \(ByteSource.errorText())")
        }
        start = 0
        end = 0
        consumedBeforeBuffer = target
        reachedEOF = false
    }
}
