import Foundation
import Testing
@testable import TFFormats

@Suite("Tensor bundle: golden bytes (tf-formats.md §8) and TF-written fixtures")
struct BundleGoldenTests {
    static let goldenIndex = hexBytes("""
        00000608011a020801000813636c757374657273080112081202080512020802
        2828358f7bbef2000b0d676c6f62616c5f73746570080912002028280835ae8d
        91f5000b0d696e697469616c697a6564080a12002030280135052b2843000000
        00010000000071410fda000000000100000000c0f2a1b00001026a0065000000
        000100000000cc49e7426a08770e000000000000000000000000000000000000
        00000000000000000000000000000000000057fb808b247547db
        """)
    static let goldenData = hexBytes("""
        0000803f0000c03f000000400000204000004040000060400000804000009040
        0000a0400000b0402a0000000000000001
        """)
    static var goldenTensors: [(name: String, tensor: Tensor)] { [
        ("clusters", .float([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5], shape: [5, 2])),
        ("global_step", .int64(42)),
        ("initialized", .bool(true)),
    ] }

    @Test func encoderReproducesGoldenIndexAndData() throws {
        #expect(Self.goldenIndex.count == 186)
        #expect(Self.goldenData.count == 49)
        let encoded = try TensorBundleEncoder.encode(Self.goldenTensors)
        #expect(encoded.index == Self.goldenIndex)
        #expect(encoded.data == Self.goldenData)
        // A dictionary is laid out in bytewise name order, which here is the same order.
        #expect(try TensorBundleEncoder.encode(Dictionary(uniqueKeysWithValues: Self.goldenTensors.map { ($0.name, $0.tensor) })) == encoded)
    }

    @Test func readerDecodesGoldenBundle() throws {
        let directory = try TestFiles.temporaryDirectory()
        let prefix = directory.appendingPathComponent("model.ckpt-42")
        try TestFiles.write(Self.goldenIndex, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(Self.goldenData, to: TensorBundleFiles.dataURL(prefix: prefix))
        let reader = try TensorBundleReader(prefix: prefix)
        #expect(reader.names == ["clusters", "global_step", "initialized"])
        #expect(reader.shardCount == 1)
        let entry = try #require(reader.entry(named: "global_step"))
        #expect(entry.offset == 40 && entry.size == 8 && entry.dataType == .int64 && entry.shape == [])
        for (name, tensor) in Self.goldenTensors {
            #expect(try reader.tensor(named: name) == tensor)
        }
    }

    @Test func emptyTensorEntryMatchesSaveV2Bytes() throws {
        // f32[0,2]: `08 01 | 12 06 (12 00)(12 02 08 02) | 35 d8 ea 82 a2` (size and offset omitted).
        let entry = TensorBundleEncoder.entryProto(tensor: .float([], shape: [0, 2]), offset: 0, size: 0, maskedCRC: CRC32C.maskedChecksum([UInt8]()))
        #expect(entry == hexBytes("0801 1206 1200 12020802 35d8ea82a2"))
    }

    /// Every checkpoint of every TF-written fixture dir reads back exactly as `expected.json` says.
    @Test(arguments: ["saver_v1", "kmeans_full_batch", "kmeans_minibatch_m1", "kmeans_minibatch_m3", "tf2_object"])
    func fixtureCheckpointsMatchExpectedJSON(_ name: String) throws {
        let directoryURL = TestFiles.modelDirs.appendingPathComponent(name)
        let expected = try ExpectedJSON(directoryURL)
        let directory = ModelDirectory(url: directoryURL)
        let latest = try #require(try directory.latestCheckpoint())
        #expect(latest.name == expected.latestCheckpoint)
        #expect(Set(try directory.checkpoints().map(\.name)) == Set(expected.checkpoints.keys))
        for (checkpointName, variables) in expected.checkpoints {
            let reader = try TensorBundleReader(prefix: directoryURL.appendingPathComponent(checkpointName))
            #expect(reader.names.sorted() == variables.keys.sorted(), "\(checkpointName)")
            for (variable, spec) in variables {
                let tensor = try reader.tensor(named: variable)
                try spec.check(tensor, context: "\(name)/\(checkpointName)/\(variable)")
            }
        }
    }

    /// TF's `Saver` writes tensors in bytewise name order, so re-encoding what we read must give TF's exact bytes.
    @Test(arguments: ["saver_v1", "kmeans_full_batch", "kmeans_minibatch_m1", "kmeans_minibatch_m3"])
    func reencodingFixtureCheckpointsIsByteIdentical(_ name: String) throws {
        let directory = ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent(name))
        for checkpoint in try directory.checkpoints() {
            let tensors = try directory.load(checkpoint)
            let encoded = try TensorBundleEncoder.encode(tensors)
            #expect(encoded.index == (try TestFiles.bytes(TensorBundleFiles.indexURL(prefix: checkpoint.prefix))), "\(checkpoint.name)")
            #expect(encoded.data == (try TestFiles.bytes(TensorBundleFiles.dataURL(prefix: checkpoint.prefix))), "\(checkpoint.name)")
        }
    }

    @Test func stringTensorRoundTripsWithTensorFlowChecksum() throws {
        // The TF2 object graph is a DT_STRING scalar with TF's special CRC; re-encode it and compare the data bytes.
        let prefix = TestFiles.modelDirs.appendingPathComponent("tf2_object/model.ckpt-7")
        let reader = try TensorBundleReader(prefix: prefix)
        let entry = try #require(reader.entry(named: "_CHECKPOINTABLE_OBJECT_GRAPH"))
        let tensor = try reader.tensor(for: entry)
        var writer = ByteWriter()
        let crc = TensorBundleEncoder.appendTensorBytes(tensor, to: &writer)
        #expect(crc == entry.maskedCRC)
        let data = try TestFiles.bytes(TensorBundleFiles.dataURL(prefix: prefix))
        #expect(writer.bytes == Array(data[entry.offset..<(entry.offset + entry.size)]))
    }
}

/// The `expected.json` TF produced for a fixture dir.
struct ExpectedJSON {
    struct Variable {
        var shape: [Int]
        var dtype: String
        var value: Any?
        var bytesHex: String?

        func check(_ tensor: Tensor, context: String) throws {
            #expect(tensor.shape == shape, "\(context) shape")
            #expect(tensor.dataType.name == dtype, "\(context) dtype")
            if let bytesHex {
                #expect(tensor.values == .string([hexBytes(bytesHex)]), "\(context) bytes")
                return
            }
            let expected = Self.flatten(value)
            switch tensor.values {
            case .float(let values): #expect(values == expected.map { Float($0) }, "\(context) values")
            case .double(let values): #expect(values == expected, "\(context) values")
            case .int64(let values): #expect(values == expected.map { Int64($0) }, "\(context) values")
            case .int32(let values): #expect(values == expected.map { Int32($0) }, "\(context) values")
            case .bool(let values): #expect(values == expected.map { $0 != 0 }, "\(context) values")
            case .string: Issue.record("\(context): unexpected string tensor")
            }
        }

        static func flatten(_ value: Any?) -> [Double] {
            if let number = value as? NSNumber { return [number.doubleValue] }
            if let array = value as? [Any] { return array.flatMap { flatten($0) } }
            return []
        }
    }

    var latestCheckpoint: String?
    var checkpoints: [String: [String: Variable]] = [:]
    /// file (relative path) → (scalars by tag, scalar tensors by tag), each a list of (step, value).
    var events: [String: (scalars: [String: [(Int64, Double)]], tensors: [String: [(Int64, Double)]])] = [:]

    init(_ directory: URL) throws {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        latestCheckpoint = root["latest_checkpoint"] as? String
        for (name, variables) in root["checkpoints"] as? [String: [String: [String: Any]]] ?? [:] {
            var parsed: [String: Variable] = [:]
            for (variable, spec) in variables {
                parsed[variable] = Variable(shape: (spec["shape"] as? [Int]) ?? [], dtype: spec["dtype"] as? String ?? "",
                                            value: spec["value"], bytesHex: spec["bytes_hex"] as? String)
            }
            checkpoints[name] = parsed
        }
        func series(_ any: Any?) -> [String: [(Int64, Double)]] {
            var result: [String: [(Int64, Double)]] = [:]
            for (tag, points) in any as? [String: [[NSNumber]]] ?? [:] {
                result[tag] = points.map { (Int64(truncating: $0[0]), $0[1].doubleValue) }
            }
            return result
        }
        for (file, content) in root["events"] as? [String: [String: Any]] ?? [:] {
            events[file] = (series(content["scalars"]), series(content["scalar_tensors"]))
        }
    }
}
