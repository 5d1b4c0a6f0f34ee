import Testing
@testable import KMeansCore

/// The loss summed inside the fused kernel: equal to `lossSum(of:)` of the per-point distances for every shape and
/// thread count, sequential below the partition threshold, and the library step's loss unchanged by skipping the
/// per-point distances.
@Suite("Loss inside the kernel")
struct KernelLossTests {
    @Test("kernel loss equals lossSum of the distances, with or without keeping them",
          arguments: [(100, 2), (1000, 3), (5000, 16), (DistanceKernels.minimumPointsToSplit + 333, 16),
                      (DistanceKernels.minimumPointsToSplit * 2 + 5, 4), (2000, 37)])
    func kernelLoss(shape: (Int, Int)) {
        let (n, d) = shape
        let points = KernelTestData.blobs(n: n, d: d, blobs: 6, seed: UInt64(n * 31 + d))
        let centers = KernelTestData.distinctRows(of: points, k: 9, seed: 2)
        for threads in [1, 2] {
            var with = LloydPass(indices: [], distances: [], sums: [], counts: [])
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: threads,
                                      computeDistances: true, computeLoss: true, into: &with)
            var without = LloydPass(indices: [], distances: [], sums: [], counts: [])
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: threads,
                                      computeDistances: false, computeLoss: true, into: &without)
            let expected = DistanceKernels.lossSum(of: with.distances)
            #expect(with.loss?.bitPattern == expected.bitPattern, "n=\(n) d=\(d) threads=\(threads)")
            #expect(without.loss?.bitPattern == expected.bitPattern, "n=\(n) d=\(d) threads=\(threads), no distances")
            #expect(without.distances.isEmpty)
            #expect(without.indices == with.indices && without.sums == with.sums && without.counts == with.counts)
        }
    }

    @Test("lossSum is sequential below the partition threshold and in 16 lanes per partition above")
    func lossOrder() {
        var random = KernelTestRandom(seed: 1)
        let small = (0..<(DistanceKernels.minimumPointsToSplit - 1)).map { _ in random.uniform(0, 100) }
        var sequential: Float = 0
        for value in small { sequential += value }
        #expect(DistanceKernels.lossSum(of: small).bitPattern == sequential.bitPattern)
        let large = (0..<(DistanceKernels.minimumPointsToSplit * 3)).map { _ in random.uniform(0, 100) }
        // Above: per partition, 16 interleaved lanes summed in order, then the lanes as a tree of halves.
        var merged: Float = 0
        for (p, range) in DistanceKernels.partitions(of: large.count).enumerated() {
            var lane = [Float](repeating: 0, count: 16)
            for (offset, i) in range.enumerated() { lane[offset % 16] = lane[offset % 16] + large[i] }
            let eight = (0..<8).map { lane[$0] + lane[$0 + 8] }
            let four = (0..<4).map { eight[$0] + eight[$0 + 4] }
            let two = (0..<2).map { four[$0] + four[$0 + 2] }
            let partial = two[0] + two[1]
            merged = p == 0 ? partial : merged + partial
        }
        #expect(DistanceKernels.partitions(of: large.count).count > 1)
        #expect(DistanceKernels.lossSum(of: large).bitPattern == merged.bitPattern)
        #expect(DistanceKernels.lossSum(of: []) == 0)
    }

    @Test("library step above the threshold: summary equals the full step, also when a cluster empties",
          arguments: [EmptyClusterPolicy.origin, .farthestPoint])
    func summaryAboveThreshold(policy: EmptyClusterPolicy) throws {
        let points = KernelTestData.blobs(n: DistanceKernels.minimumPointsToSplit + 100, d: 6, blobs: 4, seed: 8)
        // The last centre is far from every point, so its cluster is empty.
        var initial = KernelTestData.distinctRows(of: points, k: 5, seed: 4)
        for t in 0..<6 { initial[4, t] = 1000 }
        let params = KMeansParams(numClusters: 5, initialClusters: .matrix(initial), useMiniBatch: false,
                                  emptyClusterPolicy: policy, algorithm: .lloyd)
        let model = try ModelFunction(params: params)
        var engine = AssignmentEngine(algorithm: .lloyd)
        let state = try model.initialize(model.initialState(), batch: points)
        let full = try model.trainStep(state, batch: points)
        let summary = try model.trainStepSummary(state, batch: points, engine: &engine)
        #expect(summary.state.clusters == full.state.clusters)
        #expect(summary.loss.bitPattern == full.loss.bitPattern)
        #expect(full.loss.bitPattern == DistanceKernels.lossSum(of: full.assignment.distances).bitPattern)
        if policy == .farthestPoint {
            #expect(summary.state.clusters[4, 0] != 1000 && summary.state.clusters[4, 0] != 0, "farthest point moved in")
        }
    }
}
