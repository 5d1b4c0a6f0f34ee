/// Everything that can go wrong reading or writing TensorFlow's files; every case names the file involved.
public enum TFFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file that should exist does not.
    case fileNotFound(path: String)
    /// The operating system refused an operation (open, read, write, fsync, rename…).
    case io(path: String, operation: String, message: String)
    /// The file ends before the structure it holds does.
    case truncated(path: String, detail: String)
    /// The SSTable footer does not end with LevelDB's magic number.
    case badMagic(path: String, found: String)
    /// A block's stored CRC does not match its contents.
    case blockChecksumMismatch(path: String, blockOffset: Int)
    /// A tensor's bytes in the data file do not match the CRC its index entry records.
    case tensorChecksumMismatch(path: String, key: String, offset: Int)
    /// A TFRecord's length or payload CRC does not match.
    case recordChecksumMismatch(path: String, recordOffset: Int, part: String)
    /// Structurally invalid content (bad varint, impossible length, bad protobuf…).
    case malformed(path: String, detail: String)
    /// SSTable keys are not strictly increasing in bytewise order.
    case keyOutOfOrder(path: String, key: String, previousKey: String)
    /// A valid but unsupported feature (snappy blocks, big-endian bundles, an unknown dtype…).
    case unsupported(path: String, detail: String)
    /// A bundle entry whose dtype, shape, size or location is inconsistent.
    case invalidEntry(path: String, key: String, detail: String)
    /// The bundle has no tensor with this name.
    case tensorNotFound(path: String, key: String)
    /// The `checkpoint` state file does not parse.
    case checkpointStateSyntax(path: String, line: Int, detail: String)
    /// The `checkpoint` state file names a path outside the model directory.
    case pathEscapesDirectory(path: String, checkpointPath: String)
    /// The directory holds no readable checkpoint.
    case noCheckpoint(directory: String, detail: String)
    /// Another trainer holds the model directory's lock.
    case directoryLocked(path: String, detail: String)
    /// A caller passed a value the formats cannot represent.
    case invalidArgument(String)

    /// A one-line message naming the file, what is wrong and what to do about it.
    public var description: String {
        let damaged = "the file is damaged or was not written by TensorFlow: restore it from a copy"
        return switch self {
        case .fileNotFound(let path): "\(path): file not found (check the path)"
        case .io(let path, let operation, let message):
            "\(path): \(operation) failed: \(message) (check the path, its permissions and the free disk space)"
        case .truncated(let path, let detail): "\(path): truncated: \(detail); \(damaged)"
        case .badMagic(let path, let found):
            "\(path): not an SSTable (bad magic number \(found)); expected a TensorFlow checkpoint `.index` file"
        case .blockChecksumMismatch(let path, let offset): "\(path): block checksum mismatch in block at offset \(offset); \(damaged)"
        case .tensorChecksumMismatch(let path, let key, let offset):
            "\(path): checksum does not match for tensor '\(key)' at offset \(offset); \(damaged)"
        case .recordChecksumMismatch(let path, let offset, let part):
            "\(path): corrupted record at offset \(offset): \(part) checksum mismatch; \(damaged)"
        case .malformed(let path, let detail): "\(path): malformed: \(detail); \(damaged)"
        case .keyOutOfOrder(let path, let key, let previousKey):
            "\(path): key '\(key)' is not after the previous key '\(previousKey)' (keys must be strictly increasing); \(damaged)"
        case .unsupported(let path, let detail):
            "\(path): unsupported: \(detail) (this reader takes little-endian V2 bundles of unpartitioned float, double, int32, int64, bool and string tensors)"
        case .invalidEntry(let path, let key, let detail): "\(path): invalid entry for '\(key)': \(detail); \(damaged)"
        case .tensorNotFound(let path, let key):
            "\(path): no tensor named '\(key)' (is this checkpoint from another model? point at a KMeans model_dir)"
        case .checkpointStateSyntax(let path, let line, let detail):
            "\(path):\(line): \(detail) (each line must read `model_checkpoint_path: \"…\"` or `all_model_checkpoint_paths: \"…\"`)"
        case .pathEscapesDirectory(let path, let checkpointPath):
            "\(path): checkpoint path '\(checkpointPath)' points outside the model directory (edit the file to name a checkpoint inside it)"
        case .noCheckpoint(let directory, let detail): "\(directory): no checkpoint: \(detail)"
        case .directoryLocked(let path, let detail):
            "\(path): model directory is locked by another trainer: \(detail) (wait for it to finish or stop it; the lock goes with its process)"
        case .invalidArgument(let message): message
        }
    }
}

extension DecodeFailure {
    /// The failure as a `TFFormatError` about `path`, with `context` saying what was being read.
    func error(path: String, context: String) -> TFFormatError {
        switch self {
        case .truncated: .truncated(path: path, detail: "\(context): \(message)")
        case .malformedVarint, .invalid: .malformed(path: path, detail: "\(context): \(message)")
        }
    }
}

/// Readable rendering of key bytes for error messages.
func describeKey<Bytes: Collection>(_ key: Bytes) -> String where Bytes.Element == UInt8 {
    let text = String(decoding: key, as: UTF8.self)
    let limit = 80
    return text.count > limit ? String(text.prefix(limit)) + "…" : text
}
