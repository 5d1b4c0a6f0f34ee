import Foundation
import Testing
@testable import KMeansCommands
import KMeansEstimator

/// The commands run in-process, as a library: parsed and run without the executable.
@Suite("kmeans commands in-process")
struct InProcessCommandTests {
    @Test("train parses and runs in-process; the model directory it leaves reads back through the training layer")
    func trainInProcess() throws {
        let scratch = try Scratch()
        let data = try scratch.write("blobs.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 8]], perCenter: 10))
        var command = try KMeansCommand.parseAsRoot(["train", "--data", data, "--model-dir", scratch.path("m"), "--num-clusters", "3",
                                                     "--batch-size", "7", "--steps", "4", "--quiet", "--format", "json"])
        try command.run()
        let reader = ModelDirReader(path: scratch.path("m"))
        let parameters = try #require(try reader.parameters())
        #expect(parameters.numClusters == 3 && parameters.batchSize == 7)
        #expect(try reader.checkpoints().compactMap(\.step) == [0, 4])
        #expect(throws: (any Error).self) { try KMeansCommand.parseAsRoot(["train", "--bogus"]) }
    }
}
