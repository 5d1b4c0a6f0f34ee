// Rows of a 2-D little-endian float32 `.npy` file read by range with pread: for passes over files larger than memory.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 2-D C-order little-endian float32 `.npy` file whose rows are read by range (`pread`, safe from several threads).
public final class NPYRangedReader: @unchecked Sendable {
    /// The file's path.
    public let path: String
    /// Number of rows.
    public let rows: Int
    /// Number of columns (features).
    public let columns: Int
    private let dataOffset: Int
    private let descriptor: Int32

    /// Opens `path` and reads its header; throws a ``DataError`` naming the file when it is not a 2-D C-order
    /// `<f4` array (convert other types with numpy: `np.save(p, a.astype('<f4'))`).
    public init(path: String) throws {
        let header = try NPYHeader.read(from: ByteSource(path: path))
        guard header.elementType == .float32, !header.fortranOrder, header.shape.count == 2 else {
            throw DataError(file: path, location: .file, kind: .unsupportedDType,
                            message: "streaming reads 2-D C-order little-endian float32 ('<f4') arrays; this one is \(header.elementType), shape \(header.shape)\(header.fortranOrder ? ", Fortran order" : ""): convert it with numpy (np.save(path, np.ascontiguousarray(a, dtype='<f4')))")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataError(file: path, location: .file, kind: .io, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.path = path
        rows = header.shape[0]
        columns = header.shape[1]
        dataOffset = header.dataOffset
        descriptor = fd
        var info = stat()
        let expected = dataOffset + rows * columns * 4
        if fstat(fd, &info) != 0 || Int(info.st_size) < expected {
            close(fd)
            throw DataError(file: path, location: .file, kind: .sizeMismatch,
                            message: "the header promises \(rows) × \(columns) float32 values (\(expected) bytes) but the file has \(info.st_size) bytes (truncated?)")
        }
    }

    deinit { close(descriptor) }

    /// Whether `path` starts with the `.npy` magic bytes (false when it cannot be read).
    public static func isNPY(path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: NPYHeader.magic.count)
        let count = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count == head.count && head == NPYHeader.magic
    }

    /// Reads rows `range` into `buffer` (exactly `range.count × columns` floats).
    public func read(rows range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows && buffer.count == range.count * columns,
                     "row range \(range) outside 0..<\(rows) or buffer of the wrong size")
        let raw = UnsafeMutableRawBufferPointer(buffer)
        var done = 0
        let start = dataOffset + range.lowerBound * columns * 4
        while done < raw.count {
            let count = pread(descriptor, raw.baseAddress! + done, raw.count - done, off_t(start + done))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw DataError(file: path, location: .file, kind: .io,
                                message: count == 0 ? "ended early while reading rows \(range) (was it truncated while training?)" : "read failed: \(String(cString: strerror(errno)))")
            }
            done += count
        }
        // The format is little-endian; byte-swap only on a big-endian host.
        if 1.littleEndian != 1 { for i in buffer.indices { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) } }
    }
}
