import Foundation

/// What a tensor bundle's index says about one stored tensor.
public struct BundleEntry: Sendable, Equatable {
    /// The tensor's name (the SSTable key, decoded as UTF-8).
    public var name: String
    /// The raw key bytes, in the index's bytewise order.
    public var keyBytes: [UInt8]
    /// TensorFlow's `DataType` code as stored.
    public var dataTypeCode: Int32
    /// The dimensions; `[]` for a scalar.
    public var shape: [Int]
    /// Which data shard holds the bytes.
    public var shardID: Int
    /// Byte offset in the data shard.
    public var offset: Int
    /// Byte length in the data shard.
    public var size: Int
    /// The masked CRC-32C of the bytes, as stored.
    public var maskedCRC: UInt32
    /// True for a partitioned variable's full-tensor entry, which has no bytes of its own.
    public var isSliced: Bool

    /// The data type, when it is one this package decodes.
    public var dataType: TensorDataType? { TensorDataType(rawValue: dataTypeCode) }

    /// The number of elements the shape describes, or nil when that overflows.
    public var elementCount: Int? { Self.elementCount(of: shape) }

    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

extension TensorDataType {
    /// Bytes per element in the data file; nil for variable-length strings.
    public var elementSize: Int? {
        switch self {
        case .float, .int32: 4
        case .double, .int64: 8
        case .bool: 1
        case .string: nil
        }
    }
}

/// TensorFlow's V2 tensor bundle file names.
public enum TensorBundleFiles {
    /// `<prefix>.index`.
    public static func indexURL(prefix: URL) -> URL {
        URL(fileURLWithPath: prefix.path + ".index")
    }

    /// `<prefix>.data-<shard>-of-<count>`, both five-digit zero-padded.
    public static func dataURL(prefix: URL, shard: Int = 0, shardCount: Int = 1) -> URL {
        let shardText = String(shard).leftPadded(to: 5)
        let countText = String(shardCount).leftPadded(to: 5)
        return URL(fileURLWithPath: prefix.path + ".data-\(shardText)-of-\(countText)")
    }
}

// MARK: - Encoding

/// Serializes tensors into the bytes of a V2 tensor bundle (`.index` and a single `.data-00000-of-00001` shard),
/// byte-identical to TensorFlow's `BundleWriter` for the same insertion order.
public enum TensorBundleEncoder {
    /// The encoded index and data file contents.
    public struct Encoded: Sendable, Equatable {
        /// Contents of `<prefix>.index`.
        public var index: [UInt8]
        /// Contents of `<prefix>.data-00000-of-00001`.
        public var data: [UInt8]
    }

    /// Encodes `tensors`, placing their bytes in the data file in the given order; names must be unique.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)]) throws(TFFormatError) -> Encoded {
        var data = ByteWriter()
        var entries: [(key: [UInt8], value: [UInt8])] = []
        var seen = Set<[UInt8]>()
        for (name, tensor) in tensors {
            let key = Array(name.utf8)
            guard !key.isEmpty else { throw .invalidArgument("a tensor name must not be empty (the empty key holds the bundle header)") }
            guard seen.insert(key).inserted else { throw .invalidArgument("duplicate tensor name '\(name)' in bundle") }
            let offset = data.bytes.count
            let crc = appendTensorBytes(tensor, to: &data)
            entries.append((key, entryProto(tensor: tensor, offset: offset, size: data.bytes.count - offset, maskedCRC: crc)))
        }
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var header = ProtoWriter()
        header.varint(1, 1)  // num_shards
        var version = ProtoWriter()
        version.varint(1, 1)  // producer = kTensorBundleVersion
        header.message(3, version.bytes)
        let index = SSTable.build([([], header.bytes)] + entries)
        return Encoded(index: index, data: data.bytes)
    }

    /// Encodes a dictionary of tensors, laying out the data file in bytewise name order (as TF's `Saver` does).
    public static func encode(_ tensors: [String: Tensor]) throws(TFFormatError) -> Encoded {
        let ordered = tensors.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return try encode(ordered.map { (name: $0.key, tensor: $0.value) })
    }

    static func entryProto(tensor: Tensor, offset: Int, size: Int, maskedCRC: UInt32) -> [UInt8] {
        var entry = ProtoWriter()
        entry.varint(1, UInt64(tensor.dataType.rawValue))
        entry.message(2, GraphShape(tensor.shape.map { Int64($0) }).encoded())
        entry.int64(4, Int64(offset))
        entry.int64(5, Int64(size))
        entry.fixed32(6, maskedCRC)
        return entry.bytes
    }

    /// Appends the tensor's data-file bytes and returns their masked CRC (TF's string-tensor CRC for strings).
    static func appendTensorBytes(_ tensor: Tensor, to out: inout ByteWriter) -> UInt32 {
        let start = out.bytes.count
        switch tensor.values {
        case .float(let values): for value in values { out.appendFixed32(value.bitPattern) }
        case .double(let values): for value in values { out.appendFixed64(value.bitPattern) }
        case .int32(let values): for value in values { out.appendFixed32(UInt32(bitPattern: value)) }
        case .int64(let values): for value in values { out.appendFixed64(UInt64(bitPattern: value)) }
        case .bool(let values): for value in values { out.append(value ? 1 : 0) }
        case .string(let strings):
            var crc: UInt32 = 0
            for string in strings {
                crc = CRC32C.extend(crc, lengthBytesForCRC(UInt64(string.count)))
                out.appendVarint(UInt64(string.count))
            }
            let lengthChecksum = CRC32C.mask(crc)
            var checksumBytes = ByteWriter()
            checksumBytes.appendFixed32(lengthChecksum)
            out.append(contentsOf: checksumBytes.bytes)
            crc = CRC32C.extend(crc, checksumBytes.bytes)
            for string in strings {
                out.append(contentsOf: string)
                crc = CRC32C.extend(crc, string)
            }
            return CRC32C.mask(crc)
        }
        return CRC32C.maskedChecksum(out.bytes[start...])
    }

    /// TF checksums each string length as a little-endian u32, or u64 when it does not fit.
    static func lengthBytesForCRC(_ length: UInt64) -> [UInt8] {
        var writer = ByteWriter()
        if length > UInt64(UInt32.max) { writer.appendFixed64(length) } else { writer.appendFixed32(UInt32(length)) }
        return writer.bytes
    }
}

// MARK: - Reading

/// Reads a V2 tensor bundle: parses and verifies the index once, then reads tensors on demand from the data shards,
/// checking every size, offset and CRC against the files before allocating anything.
public struct TensorBundleReader: Sendable {
    /// The bundle prefix (`…/model.ckpt-42`).
    public let prefix: URL
    /// Number of data shards the header declares.
    public let shardCount: Int
    /// Every tensor entry, in bytewise key order.
    public let entries: [BundleEntry]

    /// Opens `<prefix>.index` and validates it.
    public init(prefix: URL) throws(TFFormatError) {
        let indexURL = TensorBundleFiles.indexURL(prefix: prefix)
        let bytes = try FileIO.readAll(indexURL)
        try self.init(prefix: prefix, indexBytes: bytes)
    }

    /// Parses index bytes already in memory (the data shards are read from next to `prefix`).
    public init(prefix: URL, indexBytes: [UInt8]) throws(TFFormatError) {
        let path = TensorBundleFiles.indexURL(prefix: prefix).path
        let table = try SSTable.read(indexBytes, path: path)
        guard let first = table.first, first.key.isEmpty else {
            throw .malformed(path: path, detail: "the bundle header entry (empty key) is missing")
        }
        self.prefix = prefix
        self.shardCount = try Self.parseHeader(indexBytes, first.value, path: path)
        var entries: [BundleEntry] = []
        entries.reserveCapacity(table.count - 1)
        for item in table.dropFirst() {
            entries.append(try Self.parseEntry(indexBytes, item.key, item.value, path: path, shardCount: shardCount))
        }
        self.entries = entries
    }

    private static func parseHeader(_ bytes: [UInt8], _ value: ArraySlice<UInt8>, path: String) throws(TFFormatError) -> Int {
        var shards: UInt64 = 0
        do {
            var fields = ProtoReader(ByteReader(bytes, range: value.startIndex..<value.endIndex))
            while let field = try fields.next() {
                switch field.number {
                case 1: shards = try field.requireVarint("num_shards")
                case 2:
                    let endianness = try field.requireVarint("endianness")
                    if endianness != 0 {
                        throw TFFormatError.unsupported(path: path, detail: "big-endian tensor bundle")
                    }
                case 3:
                    var version = ProtoReader(try field.requireBytes("version"))
                    var minConsumer: UInt64 = 0
                    while let versionField = try version.next() {
                        if versionField.number == 2 { minConsumer = try versionField.requireVarint("min_consumer") }
                        if versionField.number == 3, versionField.varintValue == 1 {
                            throw TFFormatError.unsupported(path: path, detail: "bundle version lists this reader (1) as a bad consumer")
                        }
                    }
                    if minConsumer > 1 {
                        throw TFFormatError.unsupported(path: path, detail: "bundle needs a reader of version \(minConsumer), this one is 1")
                    }
                default: continue
                }
            }
        } catch let failure as DecodeFailure {
            throw failure.error(path: path, context: "bundle header")
        } catch let error as TFFormatError {
            throw error
        } catch {
            throw .malformed(path: path, detail: "bundle header: \(error)")
        }
        guard shards >= 1, shards <= 1_000_000 else {
            throw .malformed(path: path, detail: "bundle header declares \(shards) data shards")
        }
        return Int(shards)
    }

    private static func parseEntry(_ bytes: [UInt8], _ key: [UInt8], _ value: ArraySlice<UInt8>, path: String, shardCount: Int) throws(TFFormatError) -> BundleEntry {
        let name = String(decoding: key, as: UTF8.self)
        var entry = BundleEntry(name: name, keyBytes: key, dataTypeCode: 0, shape: [], shardID: 0, offset: 0, size: 0, maskedCRC: 0, isSliced: false)
        do {
            var fields = ProtoReader(ByteReader(bytes, range: value.startIndex..<value.endIndex))
            while let field = try fields.next() {
                switch field.number {
                case 1:
                    let code = try field.requireVarint("dtype")
                    guard code <= UInt64(Int32.max) else { throw DecodeFailure.invalid(offset: field.offset, reason: "dtype \(code) out of range") }
                    entry.dataTypeCode = Int32(code)
                case 2: entry.shape = try parseShape(try field.requireBytes("shape"))
                case 3: entry.shardID = try nonNegative(try field.requireVarint("shard_id"), "shard_id", field.offset)
                case 4: entry.offset = try nonNegative(try field.requireVarint("offset"), "offset", field.offset)
                case 5: entry.size = try nonNegative(try field.requireVarint("size"), "size", field.offset)
                case 6:
                    guard let crc = field.fixed32Value else { throw DecodeFailure.invalid(offset: field.offset, reason: "crc32c has the wrong wire type") }
                    entry.maskedCRC = crc
                case 7: entry.isSliced = true
                default: continue
                }
            }
        } catch let failure as DecodeFailure {
            throw .invalidEntry(path: path, key: describeKey(key), detail: failure.message)
        } catch {
            throw .invalidEntry(path: path, key: describeKey(key), detail: "\(error)")
        }
        guard entry.shardID < shardCount else {
            throw .invalidEntry(path: path, key: describeKey(key), detail: "shard \(entry.shardID) but the bundle has \(shardCount) shards")
        }
        guard entry.elementCount != nil else {
            throw .invalidEntry(path: path, key: describeKey(key), detail: "shape \(entry.shape) has more elements than can be addressed")
        }
        return entry
    }

    private static func nonNegative(_ value: UInt64, _ name: String, _ offset: Int) throws(DecodeFailure) -> Int {
        guard value <= UInt64(Int.max) else { throw .invalid(offset: offset, reason: "\(name) \(Int64(bitPattern: value)) is negative or too large") }
        return Int(value)
    }

    static func parseShape(_ reader: ByteReader) throws(DecodeFailure) -> [Int] {
        var shape: [Int] = []
        var fields = ProtoReader(reader)
        while let field = try fields.next() {
            switch field.number {
            case 2:
                var size: UInt64 = 0
                var dim = ProtoReader(try field.requireBytes("dim"))
                while let dimField = try dim.next() {
                    if dimField.number == 1 { size = try dimField.requireVarint("dim.size") }
                }
                guard size <= UInt64(Int.max) else {
                    throw .invalid(offset: field.offset, reason: "dimension \(Int64(bitPattern: size)) is unknown or negative")
                }
                guard shape.count < 254 else { throw .invalid(offset: field.offset, reason: "more than 254 dimensions") }
                shape.append(Int(size))
            case 3:
                if try field.requireVarint("unknown_rank") != 0 {
                    throw .invalid(offset: field.offset, reason: "shape has unknown rank")
                }
            default: continue
            }
        }
        return shape
    }

    /// The entry named `name`, if any.
    public func entry(named name: String) -> BundleEntry? {
        let key = Array(name.utf8)
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].keyBytes.lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].keyBytes == key ? entries[low] : nil
    }

    /// The names of all tensors, in bytewise order.
    public var names: [String] { entries.map(\.name) }

    /// Reads and verifies the tensor named `name`.
    public func tensor(named name: String) throws(TFFormatError) -> Tensor {
        guard let entry = entry(named: name) else {
            throw .tensorNotFound(path: TensorBundleFiles.indexURL(prefix: prefix).path, key: name)
        }
        return try tensor(for: entry)
    }

    /// Reads every tensor with data of its own, keyed by name. Partitioned (sliced) entries are skipped;
    /// string tensors are read; tensors of dtypes this package does not model throw `unsupported`.
    public func readAll(skippingUnsupported: Bool = false) throws(TFFormatError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for entry in entries where !entry.isSliced {
            if skippingUnsupported && entry.dataType == nil { continue }
            result[entry.name] = try tensor(for: entry)
        }
        return result
    }

    /// Reads and verifies the tensor an entry describes.
    public func tensor(for entry: BundleEntry) throws(TFFormatError) -> Tensor {
        let indexPath = TensorBundleFiles.indexURL(prefix: prefix).path
        let key = describeKey(entry.keyBytes)
        guard !entry.isSliced else {
            throw .unsupported(path: indexPath, detail: "'\(key)' is a partitioned variable; its data lives in slice entries")
        }
        guard let dataType = entry.dataType else {
            throw .unsupported(path: indexPath, detail: "'\(key)' has dtype \(entry.dataTypeCode), which this reader does not decode")
        }
        guard let count = entry.elementCount else {
            throw .invalidEntry(path: indexPath, key: key, detail: "shape \(entry.shape) is too large")
        }
        if let elementSize = dataType.elementSize {
            let (expected, overflow) = count.multipliedReportingOverflow(by: elementSize)
            guard !overflow, expected == entry.size else {
                throw .invalidEntry(path: indexPath, key: key, detail: "size \(entry.size) but shape \(entry.shape) of \(dataType.name) needs \(overflow ? "more than Int.max" : String(expected)) bytes")
            }
        } else {
            // Each string needs at least a one-byte length, plus the four-byte length checksum.
            guard count <= entry.size, count == 0 || entry.size - count >= 4 else {
                throw .invalidEntry(path: indexPath, key: key, detail: "size \(entry.size) cannot hold \(count) strings")
            }
        }
        let dataURL = TensorBundleFiles.dataURL(prefix: prefix, shard: entry.shardID, shardCount: shardCount)
        let bytes = try FileIO.readRange(dataURL, offset: entry.offset, count: entry.size, what: "tensor '\(key)'")
        let dataPath = dataURL.path
        switch dataType {
        case .string:
            return try Self.decodeStrings(bytes, count: count, shape: entry.shape, maskedCRC: entry.maskedCRC, path: dataPath, key: key, offset: entry.offset)
        default:
            guard CRC32C.unmask(entry.maskedCRC) == CRC32C.checksum(bytes) else {
                throw .tensorChecksumMismatch(path: dataPath, key: key, offset: entry.offset)
            }
            return Self.decodePOD(bytes, dataType: dataType, count: count, shape: entry.shape)
        }
    }

    static func decodePOD(_ bytes: [UInt8], dataType: TensorDataType, count: Int, shape: [Int]) -> Tensor {
        var reader = ByteReader(bytes)
        func next32() -> UInt32 { (try? reader.readFixed32()) ?? 0 }
        func next64() -> UInt64 { (try? reader.readFixed64()) ?? 0 }
        let values: Tensor.Values
        switch dataType {
        case .float: values = .float((0..<count).map { _ in Float(bitPattern: next32()) })
        case .double: values = .double((0..<count).map { _ in Double(bitPattern: next64()) })
        case .int32: values = .int32((0..<count).map { _ in Int32(bitPattern: next32()) })
        case .int64: values = .int64((0..<count).map { _ in Int64(bitPattern: next64()) })
        case .bool: values = .bool(bytes.map { $0 != 0 })
        case .string: values = .string([])
        }
        return Tensor(shape: shape, values: values)
    }

    static func decodeStrings(_ bytes: [UInt8], count: Int, shape: [Int], maskedCRC: UInt32, path: String, key: String, offset: Int) throws(TFFormatError) -> Tensor {
        var reader = ByteReader(bytes)
        var lengths: [Int] = []
        lengths.reserveCapacity(count)
        var crc: UInt32 = 0
        do {
            for _ in 0..<count {
                let length = try reader.readLength()
                guard length <= bytes.count else {
                    throw DecodeFailure.invalid(offset: offset + reader.position, reason: "string length \(length) exceeds the tensor's \(bytes.count) bytes")
                }
                lengths.append(length)
                crc = CRC32C.extend(crc, TensorBundleEncoder.lengthBytesForCRC(UInt64(length)))
            }
            let checksumStart = reader.position
            let storedLengthChecksum = try reader.readFixed32()
            guard storedLengthChecksum == CRC32C.mask(crc) else {
                throw TFFormatError.tensorChecksumMismatch(path: path, key: key + " (string lengths)", offset: offset)
            }
            crc = CRC32C.extend(crc, bytes[checksumStart..<(checksumStart + 4)])
            let total = lengths.reduce(0, +)
            guard total == reader.remaining else {
                throw DecodeFailure.invalid(offset: offset + reader.position, reason: "string lengths add up to \(total) bytes but \(reader.remaining) remain")
            }
            crc = CRC32C.extend(crc, bytes[reader.position...])
            guard CRC32C.mask(crc) == maskedCRC else {
                throw TFFormatError.tensorChecksumMismatch(path: path, key: key, offset: offset)
            }
            var strings: [[UInt8]] = []
            strings.reserveCapacity(count)
            for length in lengths { strings.append(Array(try reader.readBytes(length))) }
            return Tensor(shape: shape, values: .string(strings))
        } catch let failure as DecodeFailure {
            throw .invalidEntry(path: path, key: key, detail: "string tensor: \(failure.message)")
        } catch let error as TFFormatError {
            throw error
        } catch {
            throw .invalidEntry(path: path, key: key, detail: "\(error)")
        }
    }
}
