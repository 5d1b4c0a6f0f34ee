/// LevelDB's table format as TensorFlow's tensor bundle index uses it: prefix-compressed blocks with restart
/// points, an empty metaindex block, an index block and a 48-byte footer; every block CRC-checked.
enum SSTable {
    static let footerSize = 48
    static let blockTrailerSize = 5
    static let magicLow: UInt32 = 0x8B80_FB57
    static let magicHigh: UInt32 = 0xDB47_7524
    /// TF's `TableOptions::block_size`.
    static let defaultBlockSize = 262_144
    static let dataRestartInterval = 16

    struct BlockHandle: Equatable {
        var offset: Int
        var size: Int

        func encode(into writer: inout ByteWriter) {
            writer.appendVarint(offset)
            writer.appendVarint(size)
        }

        static func decode(_ reader: inout ByteReader) throws(DecodeFailure) -> BlockHandle {
            let offset = try reader.readLength()
            let size = try reader.readLength()
            return BlockHandle(offset: offset, size: size)
        }
    }

    // MARK: Writing

    /// LevelDB's `BlockBuilder`.
    struct BlockBuilder {
        let restartInterval: Int
        private(set) var buffer = ByteWriter()
        private var restarts: [UInt32] = [0]
        private var counter = 0
        private var lastKey: [UInt8] = []
        private(set) var entryCount = 0

        init(restartInterval: Int) { self.restartInterval = restartInterval }

        var isEmpty: Bool { entryCount == 0 }

        /// `CurrentSizeEstimate()`: contents plus the restart array.
        var sizeEstimate: Int { buffer.bytes.count + restarts.count * 4 + 4 }

        mutating func add(key: [UInt8], value: [UInt8]) {
            var shared = 0
            if counter < restartInterval {
                let limit = min(lastKey.count, key.count)
                while shared < limit && lastKey[shared] == key[shared] { shared += 1 }
            } else {
                restarts.append(UInt32(buffer.bytes.count))
                counter = 0
            }
            buffer.appendVarint(shared)
            buffer.appendVarint(key.count - shared)
            buffer.appendVarint(value.count)
            buffer.append(contentsOf: key[shared...])
            buffer.append(contentsOf: value)
            lastKey = key
            counter += 1
            entryCount += 1
        }

        func finish() -> [UInt8] {
            var out = buffer
            for restart in restarts { out.appendFixed32(restart) }
            out.appendFixed32(UInt32(restarts.count))
            return out.bytes
        }
    }

    /// Appends `block` with its uncompressed trailer and returns its handle.
    static func appendBlock(_ block: [UInt8], to writer: inout ByteWriter) -> BlockHandle {
        let handle = BlockHandle(offset: writer.bytes.count, size: block.count)
        writer.append(contentsOf: block)
        writer.append(0)
        writer.appendFixed32(CRC32C.mask(CRC32C.extend(CRC32C.checksum(block), [0])))
        return handle
    }

    /// Bytewise comparator's `FindShortestSeparator`.
    static func shortestSeparator(_ start: [UInt8], _ limit: [UInt8]) -> [UInt8] {
        let minLength = min(start.count, limit.count)
        var index = 0
        while index < minLength && start[index] == limit[index] { index += 1 }
        guard index < minLength else { return start }
        let byte = start[index]
        if byte < 0xFF && byte + 1 < limit[index] {
            var result = Array(start[...index])
            result[index] = byte + 1
            return result
        }
        return start
    }

    /// Bytewise comparator's `FindShortSuccessor`.
    static func shortSuccessor(_ key: [UInt8]) -> [UInt8] {
        for index in key.indices where key[index] != 0xFF {
            var result = Array(key[...index])
            result[index] += 1
            return result
        }
        return key
    }

    /// A whole table file for `entries`, which must be strictly increasing bytewise.
    static func build(_ entries: [(key: [UInt8], value: [UInt8])], blockSize: Int = defaultBlockSize) -> [UInt8] {
        var out = ByteWriter()
        var index = BlockBuilder(restartInterval: 1)
        var block = BlockBuilder(restartInterval: dataRestartInterval)
        var pendingHandle: BlockHandle?
        var lastKey: [UInt8] = []
        for entry in entries {
            if let handle = pendingHandle {
                var value = ByteWriter()
                handle.encode(into: &value)
                index.add(key: shortestSeparator(lastKey, entry.key), value: value.bytes)
                pendingHandle = nil
            }
            lastKey = entry.key
            block.add(key: entry.key, value: entry.value)
            if block.sizeEstimate >= blockSize {
                pendingHandle = appendBlock(block.finish(), to: &out)
                block = BlockBuilder(restartInterval: dataRestartInterval)
            }
        }
        if !block.isEmpty {
            pendingHandle = appendBlock(block.finish(), to: &out)
        }
        let metaHandle = appendBlock(BlockBuilder(restartInterval: dataRestartInterval).finish(), to: &out)
        if let handle = pendingHandle {
            var value = ByteWriter()
            handle.encode(into: &value)
            index.add(key: shortSuccessor(lastKey), value: value.bytes)
        }
        let indexHandle = appendBlock(index.finish(), to: &out)
        var footer = ByteWriter()
        metaHandle.encode(into: &footer)
        indexHandle.encode(into: &footer)
        footer.append(contentsOf: [UInt8](repeating: 0, count: 40 - footer.bytes.count))
        footer.appendFixed32(magicLow)
        footer.appendFixed32(magicHigh)
        out.append(contentsOf: footer.bytes)
        return out.bytes
    }

    // MARK: Reading

    /// Reads every entry of a table, verifying the footer, every block CRC and the key order.
    /// Memory use is bounded by a small multiple of the file size, whatever the file claims.
    static func read(_ file: [UInt8], path: String) throws(TFFormatError) -> [(key: [UInt8], value: ArraySlice<UInt8>)] {
        guard file.count >= footerSize else {
            throw .truncated(path: path, detail: "file is \(file.count) bytes, an SSTable needs at least a \(footerSize)-byte footer")
        }
        let footerOffset = file.count - footerSize
        var magic = ByteReader(file, range: (file.count - 8)..<file.count)
        let low = (try? magic.readFixed32()) ?? 0
        let high = (try? magic.readFixed32()) ?? 0
        guard low == magicLow, high == magicHigh else {
            throw .badMagic(path: path, found: Array(file[(file.count - 8)...]).hexString)
        }
        var footer = ByteReader(file, range: footerOffset..<(footerOffset + 40))
        let indexHandle: BlockHandle
        let metaHandle: BlockHandle
        do {
            metaHandle = try BlockHandle.decode(&footer)
            indexHandle = try BlockHandle.decode(&footer)
        } catch {
            throw error.error(path: path, context: "footer at offset \(footerOffset)")
        }
        // The metaindex block is always empty in TF's bundles; TF skips it, we still verify it is intact.
        let metaBlock = try readBlock(file, handle: metaHandle, limit: footerOffset, path: path, what: "metaindex block")
        _ = try parseBlock(file, range: metaBlock, path: path, what: "metaindex block", keyBudget: file.count * 32 + (1 << 20))
        let indexBlock = try readBlock(file, handle: indexHandle, limit: footerOffset, path: path, what: "index block")
        let indexEntries = try parseBlock(file, range: indexBlock, path: path, what: "index block", keyBudget: file.count * 32 + (1 << 20))

        var entries: [(key: [UInt8], value: ArraySlice<UInt8>)] = []
        var keyBudget = file.count * 32 + (1 << 20)
        for indexEntry in indexEntries {
            var valueReader = ByteReader(file, range: indexEntry.value.startIndex..<indexEntry.value.endIndex)
            let handle: BlockHandle
            do {
                handle = try BlockHandle.decode(&valueReader)
            } catch {
                throw error.error(path: path, context: "index entry '\(describeKey(indexEntry.key))'")
            }
            let dataBlock = try readBlock(file, handle: handle, limit: footerOffset, path: path, what: "data block")
            let blockEntries = try parseBlock(file, range: dataBlock, path: path, what: "data block at offset \(handle.offset)", keyBudget: keyBudget)
            for entry in blockEntries {
                keyBudget -= entry.key.count
                if let previous = entries.last, !previous.key.lexicographicallyPrecedes(entry.key) {
                    throw .keyOutOfOrder(path: path, key: describeKey(entry.key), previousKey: describeKey(previous.key))
                }
                entries.append(entry)
            }
            if let last = blockEntries.last, indexEntry.key.lexicographicallyPrecedes(last.key) {
                throw .malformed(path: path, detail: "index key '\(describeKey(indexEntry.key))' is before the last key '\(describeKey(last.key))' of its data block at offset \(handle.offset)")
            }
        }
        return entries
    }

    /// Checks a block's bounds, trailer type and CRC; returns the range of its contents.
    private static func readBlock(_ file: [UInt8], handle: BlockHandle, limit: Int, path: String, what: String) throws(TFFormatError) -> Range<Int> {
        guard handle.offset <= limit, handle.size <= limit - handle.offset,
              blockTrailerSize <= limit - handle.offset - handle.size
        else {
            throw .truncated(path: path, detail: "\(what) at offset \(handle.offset) with size \(handle.size) (+\(blockTrailerSize)-byte trailer) extends past the end of the table (\(limit) bytes before the footer)")
        }
        let contents = handle.offset..<(handle.offset + handle.size)
        let type = file[contents.upperBound]
        var trailer = ByteReader(file, range: (contents.upperBound + 1)..<(contents.upperBound + 5))
        let stored = (try? trailer.readFixed32()) ?? 0
        let actual = CRC32C.extend(CRC32C.checksum(file[contents]), [type])
        guard CRC32C.unmask(stored) == actual else {
            throw .blockChecksumMismatch(path: path, blockOffset: handle.offset)
        }
        switch type {
        case 0: return contents
        case 1: throw .unsupported(path: path, detail: "\(what) at offset \(handle.offset) is snappy-compressed (written by TF 1.0/1.1)")
        default: throw .malformed(path: path, detail: "\(what) at offset \(handle.offset) has unknown compression type \(type)")
        }
    }

    /// Decodes a block's entries, rebuilding prefix-compressed keys and checking the restart array.
    private static func parseBlock(_ file: [UInt8], range: Range<Int>, path: String, what: String, keyBudget: Int) throws(TFFormatError) -> [(key: [UInt8], value: ArraySlice<UInt8>)] {
        let size = range.count
        guard size >= 4 else {
            throw .malformed(path: path, detail: "\(what) at offset \(range.lowerBound) is \(size) bytes, too small for its restart count")
        }
        var countReader = ByteReader(file, range: (range.upperBound - 4)..<range.upperBound)
        let restartCount = Int((try? countReader.readFixed32()) ?? 0)
        guard restartCount >= 1, restartCount <= (size - 4) / 4 else {
            throw .malformed(path: path, detail: "\(what) at offset \(range.lowerBound) claims \(restartCount) restart points, impossible in \(size) bytes")
        }
        let entriesEnd = range.upperBound - 4 * (restartCount + 1)
        var restartReader = ByteReader(file, range: entriesEnd..<(range.upperBound - 4))
        var restarts = Set<Int>()
        for _ in 0..<restartCount {
            let restart = Int((try? restartReader.readFixed32()) ?? 0)
            guard restart < max(entriesEnd - range.lowerBound, 1) else {
                throw .malformed(path: path, detail: "\(what) at offset \(range.lowerBound) has restart offset \(restart) past its entries")
            }
            restarts.insert(restart)
        }

        var reader = ByteReader(file, range: range.lowerBound..<entriesEnd)
        var entries: [(key: [UInt8], value: ArraySlice<UInt8>)] = []
        var key: [UInt8] = []
        var budget = keyBudget
        do {
            while !reader.isAtEnd {
                let entryOffset = reader.position - range.lowerBound
                let shared = try reader.readVarint32()
                let nonShared = try reader.readVarint32()
                let valueLength = try reader.readVarint32()
                guard shared <= key.count else {
                    throw DecodeFailure.invalid(offset: range.lowerBound + entryOffset, reason: "entry shares \(shared) bytes with a previous key of \(key.count) bytes")
                }
                if restarts.contains(entryOffset) && shared != 0 {
                    throw DecodeFailure.invalid(offset: range.lowerBound + entryOffset, reason: "restart entry has a shared prefix")
                }
                let delta = try reader.readBytes(nonShared)
                let value = try reader.readBytes(valueLength)
                budget -= shared + nonShared
                guard budget >= 0 else {
                    throw DecodeFailure.invalid(offset: range.lowerBound + entryOffset, reason: "prefix-compressed keys expand far beyond the file size")
                }
                key.removeSubrange(shared...)
                key.append(contentsOf: delta)
                if let previous = entries.last, !previous.key.lexicographicallyPrecedes(key) {
                    throw TFFormatError.keyOutOfOrder(path: path, key: describeKey(key), previousKey: describeKey(previous.key))
                }
                entries.append((key, value))
            }
        } catch let failure as DecodeFailure {
            throw failure.error(path: path, context: what)
        } catch let error as TFFormatError {
            throw error
        } catch {
            throw .malformed(path: path, detail: "\(what): \(error)")
        }
        return entries
    }
}
