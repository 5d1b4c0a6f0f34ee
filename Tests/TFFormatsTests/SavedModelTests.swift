import Foundation
import KMeansCore
import Testing
@testable import TFFormats

/// `saved_model.pb` decoding and encoding against TensorFlow 2.15's own files, and hostile exports.
@Suite struct SavedModelTests {
    static var savedModels: URL { TestFiles.fixtures.appendingPathComponent("tf-savedmodel") }

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: savedModels.appendingPathComponent("expected.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func centers(_ key: String) throws -> [Float] {
        let rows = try #require(try expected()[key] as? [[Double]])
        return rows.flatMap { $0.map(Float.init) }
    }

    /// A writable copy of a fixture export.
    static func copy(_ name: String) throws -> URL {
        let destination = try TestFiles.temporaryDirectory(name).appendingPathComponent(name)
        try FileManager.default.copyItem(at: savedModels.appendingPathComponent(name), to: destination)
        return destination
    }

    @Test("decoding then encoding TF's hand-style saved_model.pb gives TF's bytes back", arguments: ["hand_resvar_sqeuclid", "hand_const_cosine"])
    func reencodesTensorFlowBytes(name: String) throws {
        let url = Self.savedModels.appendingPathComponent(name).appendingPathComponent("saved_model.pb")
        let original = try TestFiles.bytes(url)
        let document = try SavedModelDocument.decode(original, path: url.path)
        #expect(document.metaGraphs.count == 1)
        #expect(document.metaGraphs[0].tags == ["serve"])
        let reencoded = document.serialized()
        #expect(reencoded.count == original.count)
        #expect(reencoded == original, "first difference at byte \((0..<min(reencoded.count, original.count)).first { reencoded[$0] != original[$0] } ?? -1)")
        #expect(try SavedModelDocument.decode(document.serialized(), path: "again") == document)
    }

    @Test("TF's estimator export: tags, signatures, graph size, centres and metric")
    func readsEstimatorExport() throws {
        let summary = try SavedModelReader.read(directory: Self.savedModels.appendingPathComponent("estimator_export"))
        #expect(summary.tagSets == [["serve"]])
        #expect(summary.signatures.map(\.key) == ["all_distances", "cluster_index", "serving_default"])
        let serving = try #require(summary.signatures.first { $0.key == "serving_default" }).signature
        #expect(serving.inputs["x"] == SignatureTensor(name: "x:0", dataType: GraphDataType.float, shape: GraphShape([-1, 2])))
        #expect(serving.outputs["output"]?.name == "Squeeze_1:0")
        #expect(serving.outputs["output"]?.dataType == GraphDataType.int64)
        #expect(serving.methodName == SavedModelSignature.predictMethod)
        #expect(summary.nodeCount == 156)
        #expect(summary.opTypes.contains("NearestNeighbors"))
        #expect(summary.tensorflowVersion == "2.15.1")
        #expect(summary.distanceMetric == "squared_euclidean")
        #expect(summary.featureKey == "x")
        #expect((summary.numClusters, summary.numFeatures) == (3, 2))
        #expect(summary.centers == (try Self.centers("centres_squared_euclidean")))
    }

    @Test("TF's cosine export is read as cosine with its normalised centres")
    func readsCosineExport() throws {
        let summary = try SavedModelReader.read(directory: Self.savedModels.appendingPathComponent("estimator_export_cosine"))
        #expect(summary.distanceMetric == "cosine")
        #expect(summary.centers == (try Self.centers("centres_cosine")))
    }

    @Test("centres held in a Const node are read from the graph")
    func readsConstCenters() throws {
        let summary = try SavedModelReader.read(directory: Self.savedModels.appendingPathComponent("hand_const_cosine"))
        #expect(summary.variablesPrefix == nil)
        #expect(summary.distanceMetric == "cosine")
        #expect(summary.signatures.map(\.key) == ["all_distances", "cluster_index", "predict", "serving_default"])
        #expect(summary.centers == (try Self.centers("centres_cosine")))
    }

    // MARK: - Hostile exports

    @Test("every truncation of saved_model.pb is refused with a one-line error naming the file")
    func truncatedGraph() throws {
        let directory = try Self.copy("hand_resvar_sqeuclid")
        let url = directory.appendingPathComponent("saved_model.pb")
        let original = try TestFiles.bytes(url)
        var refused = 0
        for length in stride(from: 0, to: original.count, by: 7) {
            try TestFiles.write(Array(original[..<length]), to: url)
            do {
                _ = try SavedModelReader.read(directory: directory)
            } catch {
                refused += 1
                #expect(error.description.hasPrefix(url.path), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(refused == (original.count + 6) / 7)
    }

    @Test("bit-flipped saved_model.pb: a clear error or a readable model, never a crash")
    func bitFlippedGraph() throws {
        let directory = try Self.copy("hand_resvar_sqeuclid")
        let url = directory.appendingPathComponent("saved_model.pb")
        let original = try TestFiles.bytes(url)
        var random = SplitMix64(seed: 14)
        var refused = 0
        for _ in 0..<400 {
            var bytes = original
            let bit = Int(random.next() % UInt64(bytes.count * 8))
            bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            try TestFiles.write(bytes, to: url)
            do {
                let summary = try SavedModelReader.read(directory: directory)
                #expect(summary.numClusters * summary.numFeatures == summary.centers.count)
            } catch {
                refused += 1
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(refused > 0)
    }

    @Test("a GraphDef of 10⁶ nodes is refused by count, before decoding them all")
    func millionNodes() throws {
        var graph = ProtoWriter()
        var node = ProtoWriter()
        node.string(1, "n")
        node.string(2, "NoOp")
        for _ in 0..<1_000_000 { graph.message(1, node.bytes) }
        var meta = ProtoWriter()
        var info = ProtoWriter()
        info.string(4, "serve")
        meta.message(1, info.bytes)
        meta.message(2, graph.bytes)
        var model = ProtoWriter()
        model.message(2, meta.bytes)
        let directory = try TestFiles.temporaryDirectory()
        let url = directory.appendingPathComponent("saved_model.pb")
        try TestFiles.write(model.bytes, to: url)
        #expect(throws: TFFormatError.self) { try SavedModelReader.read(directory: directory) }
        do {
            _ = try SavedModelReader.read(directory: directory)
        } catch {
            #expect(error.description.contains("more than \(GraphDefinition.maximumNodeCount) nodes"), "\(error)")
            #expect(error.description.hasPrefix(url.path))
        }
    }

    @Test("variables/ whose clusters disagrees in shape with the graph is refused, naming both shapes")
    func shapeMismatchedVariables() throws {
        let directory = try Self.copy("hand_resvar_sqeuclid")
        let prefix = directory.appendingPathComponent("variables").appendingPathComponent("variables")
        let encoded = try TensorBundleEncoder.encode(["clusters": .float(Array(repeating: 1, count: 12), shape: [3, 4])])
        try TestFiles.write(encoded.index, to: TensorBundleFiles.indexURL(prefix: prefix))
        try TestFiles.write(encoded.data, to: TensorBundleFiles.dataURL(prefix: prefix))
        do {
            _ = try SavedModelReader.read(directory: directory)
            Issue.record("a [3, 4] clusters against a (3, 2) graph was accepted")
        } catch {
            #expect(error.description.contains("[3, 4]"), "\(error)")
            #expect(error.description.contains("(3, 2)"), "\(error)")
        }
    }

    @Test("a SavedModel without a serve tag is refused, listing the tags it has")
    func missingServeTag() throws {
        let directory = try Self.copy("hand_resvar_sqeuclid")
        let url = directory.appendingPathComponent("saved_model.pb")
        var document = try SavedModelDocument.decode(try TestFiles.bytes(url), path: url.path)
        document.metaGraphs[0].tags = ["train"]
        try TestFiles.write(document.serialized(), to: url)
        do {
            _ = try SavedModelReader.read(directory: directory)
            Issue.record("a train-only SavedModel was accepted")
        } catch {
            #expect(error.description.contains("no MetaGraphDef tagged 'serve'"), "\(error)")
            #expect(error.description.contains("[train]"), "\(error)")
        }
    }

    @Test("a graph variable without variables/ is refused, saying to copy it")
    func missingVariables() throws {
        let directory = try Self.copy("hand_resvar_sqeuclid")
        try FileManager.default.removeItem(at: directory.appendingPathComponent("variables"))
        #expect(throws: TFFormatError.self) { try SavedModelReader.read(directory: directory) }
    }
}
