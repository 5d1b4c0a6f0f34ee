import Foundation
import KMeansCore
import Testing
@testable import TFFormats

@Suite("Tensor bundle: round trips, corruption, truncation and hostile indexes")
struct BundleRobustnessTests {
    static let header = hexBytes("08011a020801")

    /// Writes a bundle whose index holds exactly `entries` (after the header), bypassing the encoder's checks.
    static func writeRawBundle(_ entries: [(key: [UInt8], value: [UInt8])], data: [UInt8], in directory: URL, header: [UInt8] = header) throws -> URL {
        let prefix = directory.appendingPathComponent("model.ckpt-1")
        try TestFiles.write(SSTable.build([([], header)] + entries), to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(data, to: TensorBundleFiles.dataURL(prefix: prefix))
        return prefix
    }

    static func entry(dtype: Int32, shape: [Int], offset: Int, size: Int, crc: UInt32) -> [UInt8] {
        var shapeProto = ProtoWriter()
        for dimension in shape {
            var dim = ProtoWriter()
            dim.int64(1, Int64(dimension))
            shapeProto.message(2, dim.bytes)
        }
        var proto = ProtoWriter()
        proto.varint(1, UInt64(dtype))
        proto.message(2, shapeProto.bytes)
        proto.int64(4, Int64(offset))
        proto.int64(5, Int64(size))
        proto.fixed32(6, crc)
        return proto.bytes
    }

    static func allTypesTensors() -> [String: Tensor] {
        [
            "Variable": Tensor(shape: [3], values: .int64([Int64.min, -1, Int64.max])),
            "clusters": .float([1.5, -0.0, .infinity, .nan, 3.25, -7], shape: [3, 2]),
            "clusters_updated": .float([], shape: [0, 2]),
            "doubles": Tensor(shape: [2, 1], values: .double([.pi, -1e300])),
            "ints": Tensor(shape: [4], values: .int32([Int32.min, 0, 7, Int32.max])),
            "flags": Tensor(shape: [2, 2], values: .bool([true, false, false, true])),
            "global_step": .int64(123_456_789_012),
            "initialized": .bool(true),
            "names": Tensor(shape: [3], values: .string([Array("é".utf8), [], [UInt8](repeating: 0xAB, count: 300)])),
            "ünïcödé/κλειδί": .float([1], shape: [1, 1]),
        ]
    }

    @Test func roundTripIsBitExactForEveryDataType() throws {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("model.ckpt-9")
        let tensors = Self.allTypesTensors()
        let encoded = try TensorBundleEncoder.encode(tensors)
        try TestFiles.write(encoded.index, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(encoded.data, to: TensorBundleFiles.dataURL(prefix: prefix))
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(reader.names == tensors.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        let back = try reader.readAll()
        #expect(back.keys.sorted() == tensors.keys.sorted())
        for (name, tensor) in tensors {
            let read = try #require(back[name])
            // Compare bit patterns so NaN and -0.0 count.
            var a = ByteWriter()
            var b = ByteWriter()
            _ = TensorBundleEncoder.appendTensorBytes(tensor, to: &a)
            _ = TensorBundleEncoder.appendTensorBytes(read, to: &b)
            #expect(a.bytes == b.bytes, "\(name)")
            #expect(read.shape == tensor.shape && read.dataType == tensor.dataType, "\(name)")
        }
    }

    @Test func manyKeysUseRestartPointsAndSeveralDataBlocks() throws {
        var tensors: [String: Tensor] = [:]
        for index in 0..<500 { tensors["layer_\(index)/kernel/.ATTRIBUTES/VARIABLE_VALUE"] = .int64(Int64(index)) }
        let encoded = try TensorBundleEncoder.encode(tensors)
        // Re-build the same table with tiny blocks to force several data blocks and separators.
        let table = try SSTable.read(encoded.index, path: "x")
        let small = SSTable.build(table.map { ($0.key, Array($0.value)) }, blockSize: 512)
        let reread = try SSTable.read(small, path: "small")
        #expect(reread.map(\.key) == table.map(\.key))
        #expect(reread.map { Array($0.value) } == table.map { Array($0.value) })

        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("many")
        try TestFiles.write(small, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(encoded.data, to: TensorBundleFiles.dataURL(prefix: prefix))
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(reader.entries.count == 500)
        #expect(try reader.tensor(named: "layer_321/kernel/.ATTRIBUTES/VARIABLE_VALUE") == .int64(321))
    }

    @Test func separatorsFollowLevelDB() {
        #expect(SSTable.shortSuccessor(Array("initialized".utf8)) == Array("j".utf8))
        #expect(SSTable.shortSuccessor(Array("update_in_steps".utf8)) == Array("v".utf8))
        #expect(SSTable.shortSuccessor([0xFF, 0xFF]) == [0xFF, 0xFF])
        #expect(SSTable.shortestSeparator(Array("abcd".utf8), Array("abzz".utf8)) == Array("abd".utf8))
        #expect(SSTable.shortestSeparator(Array("abc".utf8), Array("abd".utf8)) == Array("abc".utf8))
        #expect(SSTable.shortestSeparator(Array("ab".utf8), Array("abc".utf8)) == Array("ab".utf8))
    }

    // MARK: One corrupted byte, one clear error each

    func goldenBundle() throws -> URL {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("model.ckpt-42")
        try TestFiles.write(BundleGoldenTests.goldenIndex, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(BundleGoldenTests.goldenData, to: TensorBundleFiles.dataURL(prefix: prefix))
        return prefix
    }

    @Test func corruptedIndexDataBlockGivesBlockChecksumMismatch() throws {
        let prefix = try goldenBundle()
        var index = BundleGoldenTests.goldenIndex
        index[0x20] ^= 0x01  // inside the data block (clusters' size byte)
        try TestFiles.write(index, to: TensorBundleFiles.indexURL(prefix: prefix))
        let path = TensorBundleFiles.indexURL(prefix: prefix).path
        #expect(throws: TFFormatError.blockChecksumMismatch(path: path, blockOffset: 0)) { try TensorBundleReader(prefix: prefix) }
    }

    @Test func corruptedIndexBlockGivesBlockChecksumMismatch() throws {
        let prefix = try goldenBundle()
        var index = BundleGoldenTests.goldenIndex
        index[0x7A] ^= 0x01  // the index block's key 'j'
        try TestFiles.write(index, to: TensorBundleFiles.indexURL(prefix: prefix))
        let path = TensorBundleFiles.indexURL(prefix: prefix).path
        #expect(throws: TFFormatError.blockChecksumMismatch(path: path, blockOffset: 119)) { try TensorBundleReader(prefix: prefix) }
    }

    @Test func corruptedFooterMagicGivesBadMagic() throws {
        let prefix = try goldenBundle()
        var index = BundleGoldenTests.goldenIndex
        index[index.count - 1] ^= 0x01
        try TestFiles.write(index, to: TensorBundleFiles.indexURL(prefix: prefix))
        let error = try #require(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix) }
        guard case .badMagic(let path, _) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("model.ckpt-42.index"))
        #expect(error.description.contains("bad magic"))
    }

    @Test func corruptedFooterHandleGivesClearError() throws {
        let prefix = try goldenBundle()
        var index = BundleGoldenTests.goldenIndex
        index[0x8A + 3] = 0x7F  // index block size 14 → 127: past the footer
        try TestFiles.write(index, to: TensorBundleFiles.indexURL(prefix: prefix))
        let error = try #require(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix) }
        guard case .truncated(let path, let detail) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix(".index") && detail.contains("index block"))
    }

    @Test func corruptedDataGivesTensorChecksumMismatch() throws {
        let prefix = try goldenBundle()
        var data = BundleGoldenTests.goldenData
        data[41] ^= 0x01  // global_step's second byte
        try TestFiles.write(data, to: TensorBundleFiles.dataURL(prefix: prefix))
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(try reader.tensor(named: "clusters") == BundleGoldenTests.goldenTensors[0].tensor)
        let path = TensorBundleFiles.dataURL(prefix: prefix).path
        #expect(throws: TFFormatError.tensorChecksumMismatch(path: path, key: "global_step", offset: 40)) {
            try reader.tensor(named: "global_step")
        }
    }

    @Test func everySingleByteFlipOfTheIndexIsDetectedOrHarmless() throws {
        // A flip anywhere in a block (metaindex included) or the footer handles/magic must be rejected; only the
        // footer's zero padding is unchecked, as in LevelDB.
        let prefix = try goldenBundle()
        let original = BundleGoldenTests.goldenIndex
        var rejected = 0
        for offset in original.indices {
            var index = original
            index[offset] ^= 0x40
            do {
                let reader = try TensorBundleReader(prefix: prefix, indexBytes: index)
                _ = try reader.readAll()
                #expect((0x8E..<0xB2).contains(offset), "flip at \(offset) went unnoticed")
            } catch {
                rejected += 1
            }
        }
        #expect(rejected == original.count - (0xB2 - 0x8E))
    }

    @Test func truncatedFilesAtEveryLengthThrowAndNeverCrash() throws {
        let prefix = try goldenBundle()
        let index = BundleGoldenTests.goldenIndex
        for length in 0..<index.count {
            #expect(throws: TFFormatError.self, "index cut at \(length)") {
                try TensorBundleReader(prefix: prefix, indexBytes: Array(index[..<length]))
            }
        }
        let data = BundleGoldenTests.goldenData
        let reader = try TensorBundleReader(prefix: prefix)
        for length in 0..<data.count {
            try TestFiles.write(Array(data[..<length]), to: TensorBundleFiles.dataURL(prefix: prefix))
            #expect(throws: TFFormatError.self, "data cut at \(length)") { try reader.readAll() }
        }
    }

    @Test func randomMutationsOfTheIndexNeverCrash() throws {
        let prefix = try goldenBundle()
        var rng = SplitMix64(seed: 2026)
        let fixture = try TestFiles.bytes(TestFiles.modelDirs.appendingPathComponent("kmeans_minibatch_m3/model.ckpt-4.index"))
        var outcomes = 0
        for round in 0..<4000 {
            var index = round.isMultiple(of: 2) ? BundleGoldenTests.goldenIndex : fixture
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                index[Int.random(in: 0..<index.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            // Re-seal the blocks' CRCs half the time so mutations reach the block and proto parsers.
            if Bool.random(using: &rng) { index = Self.resealed(index) }
            if let reader = try? TensorBundleReader(prefix: prefix, indexBytes: index) {
                for entry in reader.entries { _ = try? reader.tensor(for: entry) }
            }
            outcomes += 1
        }
        #expect(outcomes == 4000)
    }

    /// Recomputes the trailer CRC of every block the (possibly mutated) footer and index point at.
    static func resealed(_ file: [UInt8]) -> [UInt8] {
        var bytes = file
        func reseal(offset: Int, size: Int) {
            guard offset >= 0, size >= 0, offset + size + 5 <= bytes.count - 48 else { return }
            let crc = CRC32C.mask(CRC32C.extend(CRC32C.checksum(bytes[offset..<(offset + size)]), [bytes[offset + size]]))
            for index in 0..<4 { bytes[offset + size + 1 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        }
        guard bytes.count >= 48 else { return bytes }
        var footer = ByteReader(bytes, range: (bytes.count - 48)..<(bytes.count - 8))
        guard let metaOffset = try? footer.readLength(), let metaSize = try? footer.readLength(),
              let indexOffset = try? footer.readLength(), let indexSize = try? footer.readLength(),
              indexOffset < Int.max / 2, indexSize < Int.max / 2 else { return bytes }
        reseal(offset: metaOffset, size: metaSize)
        reseal(offset: indexOffset, size: indexSize)
        // The single data block sits at offset 0 in these files; its size is the index entry's handle.
        if indexOffset + indexSize <= bytes.count, indexSize > 8 {
            var entry = ByteReader(bytes, range: indexOffset..<(indexOffset + indexSize))
            if let _ = try? entry.readVarint32(), let nonShared = try? entry.readVarint32(), let _ = try? entry.readVarint32(),
               (try? entry.skip(nonShared)) != nil, let offset = try? entry.readLength(), let size = try? entry.readLength(),
               offset < Int.max / 2, size < Int.max / 2 {
                reseal(offset: offset, size: size)
            }
        }
        return bytes
    }

    // MARK: Hostile entries

    @Test func hugeClaimedShapeIsRejectedWithoutAllocating() throws {
        let directory = try TestFiles.temporaryDirectory()
        let huge = Self.entry(dtype: 1, shape: [1 << 40, 1 << 20], offset: 0, size: 8, crc: 0)
        let overflowing = Self.entry(dtype: 1, shape: [Int.max, 3], offset: 0, size: 8, crc: 0)
        let prefix = try Self.writeRawBundle([(Array("a".utf8), huge)], data: [0, 0, 0, 0, 0, 0, 0, 0], in: directory)
        let reader = try TensorBundleReader(prefix: prefix)
        let error = try #require(throws: TFFormatError.self) { try reader.tensor(named: "a") }
        guard case .invalidEntry(_, "a", let detail) = error else { Issue.record("got \(error)"); return }
        #expect(detail.contains("size 8"))
        _ = try Self.writeRawBundle([(Array("a".utf8), overflowing)], data: [], in: directory)
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix) }
    }

    @Test func sizesAndOffsetsBeyondTheDataFileAreRejected() throws {
        let directory = try TestFiles.temporaryDirectory()
        let bigButConsistent = Self.entry(dtype: 1, shape: [1 << 28], offset: 0, size: 1 << 30, crc: 0)
        let pastEnd = Self.entry(dtype: 9, shape: [], offset: 1 << 50, size: 8, crc: 0)
        let prefix = try Self.writeRawBundle([(Array("big".utf8), bigButConsistent), (Array("past".utf8), pastEnd)], data: [1, 2, 3], in: directory)
        let reader = try TensorBundleReader(prefix: prefix)
        for name in ["big", "past"] {
            let error = try #require(throws: TFFormatError.self) { try reader.tensor(named: name) }
            guard case .truncated(let path, _) = error else { Issue.record("got \(error)"); continue }
            #expect(path.hasSuffix(".data-00000-of-00001"))
        }
    }

    @Test func wrongSizeForShapeIsRejected() throws {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = try Self.writeRawBundle([(Array("x".utf8), Self.entry(dtype: 9, shape: [], offset: 0, size: 4, crc: 0))], data: [0, 0, 0, 0], in: directory)
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix).tensor(named: "x") }
    }

    @Test func keysOutOfOrderAreRejected() throws {
        let directory = try TestFiles.temporaryDirectory()
        let scalar = Self.entry(dtype: 10, shape: [], offset: 0, size: 1, crc: CRC32C.maskedChecksum([1]))
        let prefix = try Self.writeRawBundle([(Array("b".utf8), scalar), (Array("a".utf8), scalar)], data: [1], in: directory)
        let path = TensorBundleFiles.indexURL(prefix: prefix).path
        #expect(throws: TFFormatError.keyOutOfOrder(path: path, key: "a", previousKey: "b")) { try TensorBundleReader(prefix: prefix) }
        _ = try Self.writeRawBundle([(Array("b".utf8), scalar), (Array("b".utf8), scalar)], data: [1], in: directory)
        #expect(throws: TFFormatError.keyOutOfOrder(path: path, key: "b", previousKey: "b")) { try TensorBundleReader(prefix: prefix) }
    }

    @Test func missingHeaderAndBadHeadersAreRejected() throws {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("p")
        let noHeader = SSTable.build([(Array("a".utf8), [])])
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix, indexBytes: noHeader) }
        let bigEndian = SSTable.build([([], hexBytes("08011001"))])
        #expect(throws: TFFormatError.unsupported(path: prefix.path + ".index", detail: "big-endian tensor bundle")) {
            try TensorBundleReader(prefix: prefix, indexBytes: bigEndian)
        }
        let zeroShards = SSTable.build([([], [])])
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix, indexBytes: zeroShards) }
        // An absent version is accepted, as TF does.
        #expect(try TensorBundleReader(prefix: prefix, indexBytes: SSTable.build([([], hexBytes("0801"))])).entries.isEmpty)
    }

    @Test func snappyBlocksAreReportedAsUnsupported() throws {
        var index = BundleGoldenTests.goldenIndex
        index[101] = 1  // data block compression type → snappy, then re-seal its CRC
        let crc = CRC32C.mask(CRC32C.extend(CRC32C.checksum(index[0..<101]), [1]))
        for i in 0..<4 { index[102 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
        let error = try #require(throws: TFFormatError.self) { try TensorBundleReader(prefix: URL(fileURLWithPath: "/tmp/s"), indexBytes: index) }
        guard case .unsupported(_, let detail) = error else { Issue.record("got \(error)"); return }
        #expect(detail.contains("snappy"))
    }

    @Test func unknownDtypesAndSlicedEntriesAreListedButNotDecoded() throws {
        let directory = try TestFiles.temporaryDirectory()
        var sliced = Self.entry(dtype: 1, shape: [4], offset: 0, size: 0, crc: 0)
        sliced += [0x3A, 0x00]  // slices (field 7): an empty TensorSliceProto
        let half = Self.entry(dtype: 19, shape: [1], offset: 0, size: 2, crc: CRC32C.maskedChecksum([0, 0x3C]))
        let good = Self.entry(dtype: 10, shape: [], offset: 2, size: 1, crc: CRC32C.maskedChecksum([1]))
        let prefix = try Self.writeRawBundle([(Array("half".utf8), half), (Array("ok".utf8), good), (Array("part".utf8), sliced)], data: [0, 0x3C, 1], in: directory)
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(reader.names == ["half", "ok", "part"])
        #expect(reader.entry(named: "part")?.isSliced == true)
        #expect(throws: TFFormatError.self) { try reader.readAll() }
        #expect(try reader.readAll(skippingUnsupported: true) == ["ok": .bool(true)])
        #expect(throws: TFFormatError.self) { try reader.tensor(named: "part") }
    }

    @Test func lyingStringLengthsAreRejected() throws {
        let directory = try TestFiles.temporaryDirectory()
        // Three strings claimed in a 6-byte region whose first length is huge.
        var data = ByteWriter()
        data.appendVarint(UInt64(1) << 40)
        let entryBytes = Self.entry(dtype: 7, shape: [3], offset: 0, size: data.bytes.count, crc: 0)
        let prefix = try Self.writeRawBundle([(Array("s".utf8), entryBytes)], data: data.bytes, in: directory)
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix).tensor(named: "s") }
        let tooMany = Self.entry(dtype: 7, shape: [1 << 40], offset: 0, size: 6, crc: 0)
        _ = try Self.writeRawBundle([(Array("s".utf8), tooMany)], data: data.bytes, in: directory)
        #expect(throws: TFFormatError.self) { try TensorBundleReader(prefix: prefix).tensor(named: "s") }
    }

    @Test func encoderRejectsDuplicateAndEmptyNames() {
        #expect(throws: TFFormatError.self) { try TensorBundleEncoder.encode([("a", .bool(true)), ("a", .bool(false))]) }
        #expect(throws: TFFormatError.self) { try TensorBundleEncoder.encode([("", .bool(true))]) }
    }
}
