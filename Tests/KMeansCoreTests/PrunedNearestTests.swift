import Testing
@testable import KMeansCore

/// The pruned nearest-centre search (guess + Elkan's test + exact parts) must give the plain pass's indices and
/// distances bit for bit, on every instruction-set variant, including exact ties and duplicate centres.
@Suite("Pruned nearest-centre search")
struct PrunedNearestTests {
    static let variants: [KernelInstructionSet] = KernelInstructionSet.allCases.filter {
        $0 == .automatic || $0.rawValue <= DistanceKernels.supportedInstructionSet.rawValue
    }

    /// Compares the pruned search (forced on, whatever the shape) with the plain pass; returns the full searches.
    @discardableResult
    func expectSameAsPlain(points: Matrix, centers: Matrix, _ label: String,
                           isa: KernelInstructionSet = .automatic, threads: Int? = nil) -> Int {
        let plain = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: threads,
                                              instructionSet: isa)
        let (pruned, searched) = DistanceKernels.prunedNearest(
            points: points, centers: centers, threads: threads, computeDistances: true, instructionSet: isa,
            forcePruning: true)
        let mismatches = zip(plain.indices, pruned.indices).filter { $0 != $1 }.count
        #expect(mismatches == 0, "\(label) \(isa): \(mismatches) indices differ")
        #expect(pruned.indices.count == points.rows)
        #expect(pruned.distances.map(\.bitPattern) == plain.distances.map(\.bitPattern), "\(label) \(isa): distances")
        let indicesOnly = DistanceKernels.prunedNearest(
            points: points, centers: centers, threads: threads, computeDistances: false, instructionSet: isa,
            forcePruning: true)
        #expect(indicesOnly.pass.indices == plain.indices, "\(label) \(isa): indices-only run")
        #expect(indicesOnly.pass.distances.isEmpty)
        return searched
    }

    @Test("blobs with centres taken from the data", arguments: variants)
    func blobs(isa: KernelInstructionSet) {
        for (d, k) in [(128, 64), (67, 33), (100, 40), (16, 20), (5, 40)] {
            let points = KernelTestData.blobs(n: 1500, d: d, blobs: max(2, k / 3), seed: UInt64(d * 1000 + k))
            let centers = KernelTestData.distinctRows(of: points, k: k, seed: 7)
            let searched = expectSameAsPlain(points: points, centers: centers, "blobs d=\(d) k=\(k)", isa: isa)
            #expect(searched < points.rows, "d=\(d) k=\(k): pruning never helped")
            // Points equal to centres.
            expectSameAsPlain(points: centers, centers: centers, "centres as points d=\(d) k=\(k)", isa: isa)
        }
    }

    @Test("uniform data, large offsets, k = 1 and tiny inputs")
    func uniformAndEdges() {
        for (n, d, k) in [(700, 64, 48), (300, 129, 17), (257, 80, 1), (1, 64, 32), (16, 70, 2)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 3, seed: UInt64(n + d + k))
            let centers = KernelTestData.uniform(n: k, d: d, scale: 3, seed: UInt64(9 * k + 1))
            expectSameAsPlain(points: points, centers: centers, "uniform n=\(n) d=\(d) k=\(k)")
            // Far from the origin: large norms, small differences (the rounding margins matter).
            let shift = Matrix(rows: n, columns: d, values: points.values.map { $0 * 0.01 + 1000 })
            let shiftedCenters = Matrix(rows: k, columns: d, values: centers.values.map { $0 * 0.01 + 1000 })
            expectSameAsPlain(points: shift, centers: shiftedCenters, "offset n=\(n) d=\(d) k=\(k)")
        }
    }

    @Test("duplicate centres and exact ties go to the lowest index", arguments: variants)
    func tiesAndDuplicates(isa: KernelInstructionSet) {
        var random = KernelTestRandom(seed: 42)
        let d = 72, distinct = 20
        // Small integer coordinates: every product and sum below is exact, so midpoints tie exactly.
        var rows: [[Float]] = (0..<distinct).map { _ in (0..<d).map { _ in Float(random.below(17) - 8) } }
        rows += [rows[3], rows[0], rows[3], rows[11]]  // duplicates after their originals
        rows.insert(rows[5], at: 2)                    // and one before
        let centers = Matrix(rows)
        var points: [[Float]] = []
        for _ in 0..<400 {
            let a = random.below(centers.rows), b = random.below(centers.rows)
            points.append((0..<d).map { (centers[a, $0] + centers[b, $0]) / 2 })
        }
        points += rows
        let pointMatrix = Matrix(points)
        expectSameAsPlain(points: pointMatrix, centers: centers, "ties", isa: isa)
        let plain = DistanceKernels.referenceLloydPass(points: centers, centers: centers, accumulate: false)
        let pruned = DistanceKernels.prunedNearest(points: centers, centers: centers, threads: 1,
                                                   computeDistances: true, instructionSet: isa, forcePruning: true)
        #expect(pruned.pass.indices == plain.indices, "duplicate centres: lowest index")
        #expect(pruned.pass.indices[2] == 2 && pruned.pass.indices[6] == 2, "row 5's copy at index 2 wins")
    }

    @Test("several partitions and thread counts give the same result")
    func partitionsAndThreads() {
        let points = KernelTestData.blobs(n: DistanceKernels.minimumPointsToSplit + 1000, d: 64, blobs: 12, seed: 3)
        let centers = KernelTestData.distinctRows(of: points, k: 32, seed: 5)
        let one = expectSameAsPlain(points: points, centers: centers, "partitions", threads: 1)
        let two = expectSameAsPlain(points: points, centers: centers, "partitions", threads: 2)
        #expect(one == two)
        #expect(DistanceKernels.prunesNearest(dimensions: 64, centers: 32))
        #expect(!DistanceKernels.prunesNearest(dimensions: 16, centers: 256))
        let publicResult = DistanceKernels.prunedNearestIndices(points: points, centers: centers)
        #expect(publicResult.indices == DistanceKernels.lloydPass(points: points, centers: centers,
                                                                   accumulate: false).indices)
    }

    @Test("predict and nearest take the pruned path and still equal the plain pass")
    func modelFunctionUsesPrunedPath() throws {
        let points = KernelTestData.blobs(n: 900, d: 96, blobs: 10, seed: 11)
        let centers = KernelTestData.distinctRows(of: points, k: 40, seed: 13)
        #expect(DistanceKernels.prunesNearest(dimensions: 96, centers: 40))
        for metric in [DistanceMetric.squaredEuclidean, .cosine] {
            let model = try ModelFunction(params: KMeansParams(numClusters: 40, initialClusters: .matrix(centers),
                                                               distanceMetric: metric, useMiniBatch: false))
            let state = try model.initialize(model.initialState(), batch: points)
            let prepared = metric == .cosine ? points.l2NormalizedRows() : points
            let plain = DistanceKernels.lloydPass(points: prepared, centers: model.inferenceCenters(state),
                                                  accumulate: false)
            let scale: Float = metric == .cosine ? 0.5 : 1
            let nearest = try model.nearest(points, state: state)
            #expect(nearest.indices == plain.indices.map { Int($0) }, "\(metric) nearest")
            #expect(nearest.distances == plain.distances.map { $0 * scale }, "\(metric) distances")
            #expect(nearest.loss == DistanceKernels.lossSum(of: plain.distances) * scale)
            let predicted = try model.predictions(points, state: state, nearest: true, allDistances: false)
            #expect(predicted.nearest?.indices == nearest.indices)
        }
    }
}
