import Testing
@testable import KMeansCore

/// A data set for the Hamerly-vs-Lloyd lockstep test.
struct HamerlyCase: Sendable, CustomStringConvertible {
    let name: String
    let points: Matrix
    let k: Int
    var description: String { "\(name) n=\(points.rows) d=\(points.columns) k=\(k)" }
}

private let hamerlyCases: [HamerlyCase] = [
    HamerlyCase(name: "blobs-2d", points: KernelTestData.blobs(n: 3000, d: 2, blobs: 8, seed: 11), k: 8),
    HamerlyCase(name: "blobs-2d-many-centres", points: KernelTestData.blobs(n: 2000, d: 2, blobs: 5, seed: 12), k: 40),
    HamerlyCase(name: "uniform-3d", points: KernelTestData.uniform(n: 1500, d: 3, scale: 5, seed: 13), k: 12),
    HamerlyCase(name: "blobs-9d", points: KernelTestData.blobs(n: 1200, d: 9, blobs: 6, seed: 14), k: 20),
    HamerlyCase(name: "blobs-33d", points: KernelTestData.blobs(n: 800, d: 33, blobs: 10, seed: 15), k: 17),
    HamerlyCase(name: "one-centre", points: KernelTestData.uniform(n: 300, d: 5, scale: 1, seed: 16), k: 1),
    HamerlyCase(name: "tiny", points: KernelTestData.uniform(n: 5, d: 1, scale: 1, seed: 17), k: 3),
    HamerlyCase(name: "partitioned", points: KernelTestData.blobs(n: 20_000, d: 2, blobs: 16, seed: 18), k: 16),
    // d ≥ 16: the bound test in groups of 8 rows (ragged last group and chunk), centres in 1, 4 and 3 blocks.
    HamerlyCase(name: "blobs-16d-ragged", points: KernelTestData.blobs(n: 1_003, d: 16, blobs: 7, seed: 19), k: 13),
    HamerlyCase(name: "blobs-32d-k64", points: KernelTestData.blobs(n: 2_101, d: 32, blobs: 20, seed: 20), k: 64),
    HamerlyCase(name: "blobs-128d", points: KernelTestData.blobs(n: 611, d: 128, blobs: 9, seed: 21), k: 33),
    HamerlyCase(name: "blobs-24d-partitioned", points: KernelTestData.blobs(n: 16_411, d: 24, blobs: 12, seed: 22), k: 18),
    // d > 32, k > 16: searched rows skip blocks of 16 centres by the per-block gaps (2, 4 with a ragged last block,
    // and 16 blocks).
    HamerlyCase(name: "blobs-40d-k20", points: KernelTestData.blobs(n: 1_500, d: 40, blobs: 12, seed: 24), k: 20),
    HamerlyCase(name: "blobs-64d-k50", points: KernelTestData.blobs(n: 1_201, d: 64, blobs: 30, seed: 25), k: 50),
    HamerlyCase(name: "blobs-128d-k256", points: KernelTestData.blobs(n: 800, d: 128, blobs: 40, seed: 26), k: 256),
]

/// Integer points on a small grid with many duplicates and centres on grid points: exact ties everywhere.
private func tieGrid(n: Int, d: Int, k: Int, seed: UInt64) -> (points: Matrix, centers: Matrix) {
    var random = KernelTestRandom(seed: seed)
    let points = Matrix(rows: n, columns: d, values: (0..<(n * d)).map { _ in Float(random.below(3)) })
    let centers = Matrix(rows: k, columns: d, values: (0..<(k * d)).map { _ in Float(random.below(3)) })
    return (points, centers)
}

/// TF's full-batch update: C_j = S_j / (N_j + 1e-6), an empty cluster moving to the origin.
private func updatedCenters(_ pass: LloydPass, k: Int, d: Int) -> Matrix {
    var values = [Float](repeating: 0, count: k * d)
    for j in 0..<k {
        for t in 0..<d { values[j * d + t] = pass.sums[j * d + t] / (pass.counts[j] + Float(1e-6)) }
    }
    return Matrix(rows: k, columns: d, values: values)
}

@Suite("Hamerly's accelerated pass equals Lloyd's")
struct KernelHamerlyTests {
    @Test("same assignments, sums and counts at every step", arguments: hamerlyCases)
    func lockstepWithLloyd(testCase: HamerlyCase) {
        let points = testCase.points, k = testCase.k, d = points.columns
        var centers = KernelTestData.distinctRows(of: points, k: k, seed: 99)
        var state = HamerlyState()
        var skippedAny = false, skippedBlocks = false
        for step in 0..<12 {
            let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2)
            let hamerly = state.pass(points: points, centers: centers, accumulate: true, threads: 2)
            #expect(hamerly.indices == lloyd.indices, "\(testCase) step \(step)")
            #expect(hamerly.counts == lloyd.counts, "\(testCase) step \(step)")
            #expect(hamerly.sums == lloyd.sums, "\(testCase) step \(step)")
            for i in 0..<points.rows {
                let scale = KernelTestData.roundingScale(points, i, centers)
                #expect(abs(Double(hamerly.distances[i]) - Double(lloyd.distances[i])) <= 1e-5 * scale)
            }
            if step == 0 { #expect(state.lastFullSearchCount == points.rows) }
            if step > 0, state.lastFullSearchCount < points.rows { skippedAny = true }
            if state.lastSkippedBlockCount > 0 { skippedBlocks = true }
            guard hamerly.indices == lloyd.indices, hamerly.sums == lloyd.sums else { return }
            centers = updatedCenters(lloyd, k: k, d: d)
        }
        if points.rows > 100 { #expect(skippedAny, "bounds never pruned a search in \(testCase)") }
        // Blocks are skipped only on the per-row path with two or more blocks, and there on the cases built for it.
        if d <= 32 || k <= 16 {
            #expect(!skippedBlocks, "\(testCase) skipped blocks of centres")
        } else if ["blobs-40d-k20", "blobs-64d-k50", "blobs-128d-k256"].contains(testCase.name) {
            #expect(skippedBlocks, "\(testCase) never skipped a block of centres")
        }
    }

    @Test("every kernel variant, and exact ties at d = 16 and 32: same assignments, sums and counts at every step",
          arguments: [KernelInstructionSet.portable, .avx2, .avx512])
    func variantsAndTies(isa: KernelInstructionSet) {
        let blobs = KernelTestData.blobs(n: 1_203, d: 32, blobs: 11, seed: 23)
        let cases = [(blobs, KernelTestData.distinctRows(of: blobs, k: 40, seed: 7)),
                     tieGrid(n: 2_005, d: 16, k: 9, seed: 5), tieGrid(n: 1_501, d: 32, k: 20, seed: 6),
                     tieGrid(n: 1_207, d: 48, k: 40, seed: 8)]
        for (index, (points, initial)) in cases.enumerated() {
            var centers = initial
            var state = HamerlyState()
            var skipped = false
            defer { #expect(skipped, "\(isa) case \(index): the bounds never held") }
            for step in 0..<8 {
                let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                                      instructionSet: isa)
                let hamerly = state.pass(points: points, centers: centers, accumulate: true, threads: 2,
                                         instructionSet: isa)
                #expect(hamerly.indices == lloyd.indices, "\(isa) case \(index) step \(step)")
                #expect(hamerly.counts == lloyd.counts && hamerly.sums == lloyd.sums, "\(isa) case \(index) step \(step)")
                if step > 0, state.lastFullSearchCount < points.rows { skipped = true }
                guard hamerly.indices == lloyd.indices else { return }
                // Half way to the means, so the bounds carry over and the ties stay.
                let means = updatedCenters(lloyd, k: centers.rows, d: points.columns)
                centers = Matrix(rows: centers.rows, columns: points.columns,
                                 values: zip(centers.values, means.values).map { ($0 + $1) / 2 })
            }
        }
    }

    @Test("the per-block centre gaps bound every other centre of the block from below, tightly")
    func blockGapsBound() {
        let centers = KernelTestData.uniform(n: 70, d: 40, scale: 3, seed: 27)
        let k = centers.rows, blocks = 5
        let gaps = HamerlyState.centerGaps(centers, perBlock: true)
        #expect(gaps.blocks.count == k * blocks)
        #expect(gaps.half == HamerlyState.halfGaps(centers))
        for j in 0..<k {
            var nearest = Double.infinity
            for b in 0..<blocks {
                var exact = Double.infinity
                for other in (b * 16)..<min(k, b * 16 + 16) where other != j {
                    var s = 0.0
                    for t in 0..<centers.columns {
                        let e = Double(centers[j, t]) - Double(centers[other, t])
                        s += e * e
                    }
                    exact = min(exact, s.squareRoot())
                }
                nearest = min(nearest, exact)
                let gap = Double(gaps.blocks[j * blocks + b])
                if b == j / 16 {
                    #expect(gap == 0, "centre \(j)'s own block")
                } else {
                    #expect(gap <= exact && gap >= exact * (1 - 1e-4), "centre \(j) block \(b): \(gap) vs \(exact)")
                }
            }
            #expect(Double(gaps.half[j]) <= nearest / 2 && Double(gaps.half[j]) >= nearest / 2 * (1 - 1e-4))
        }
    }

    @Test("a change of shape resets the bounds")
    func shapeChangeResets() {
        let points = KernelTestData.blobs(n: 500, d: 2, blobs: 4, seed: 3)
        var state = HamerlyState()
        let centers = KernelTestData.distinctRows(of: points, k: 4, seed: 1)
        _ = state.pass(points: points, centers: centers, accumulate: false)
        let fewer = points.rows(0..<200)
        let again = state.pass(points: fewer, centers: centers, accumulate: false)
        #expect(state.lastFullSearchCount == 200)
        #expect(again.indices == DistanceKernels.referenceLloydPass(points: fewer, centers: centers, accumulate: false).indices)
    }

    @Test("reset forces a full search")
    func resetForcesFullSearch() {
        let points = KernelTestData.blobs(n: 400, d: 3, blobs: 4, seed: 4)
        let centers = KernelTestData.distinctRows(of: points, k: 4, seed: 2)
        var state = HamerlyState()
        _ = state.pass(points: points, centers: centers, accumulate: false)
        _ = state.pass(points: points, centers: centers, accumulate: false)
        #expect(state.lastFullSearchCount < 400)
        state.reset()
        _ = state.pass(points: points, centers: centers, accumulate: false)
        #expect(state.lastFullSearchCount == 400)
    }
}

@Suite("Assignment engine")
struct KernelAssignmentEngineTests {
    // `incremental` keeps float64 sums (centres a few ulps from TF's): IncrementalAlgorithmTests checks it.
    @Test("every algorithm gives Lloyd's result over a training run",
          arguments: KMeansAlgorithm.allCases.filter { $0 != .incremental })
    func everyAlgorithmMatchesLloyd(algorithm: KMeansAlgorithm) {
        let points = KernelTestData.blobs(n: 1000, d: 12, blobs: 9, seed: 21)
        var centers = KernelTestData.distinctRows(of: points, k: 9, seed: 5)
        var engine = AssignmentEngine(algorithm: algorithm, threads: 2)
        for _ in 0..<6 {
            let lloyd = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true)
            let other = engine.pass(points: points, centers: centers, accumulate: true)
            #expect(other.indices == lloyd.indices)
            #expect(other.sums == lloyd.sums)
            var values = [Float](repeating: 0, count: centers.rows * centers.columns)
            for j in 0..<centers.rows {
                for t in 0..<centers.columns {
                    values[j * centers.columns + t] = lloyd.sums[j * centers.columns + t] / (lloyd.counts[j] + Float(1e-6))
                }
            }
            centers = Matrix(rows: centers.rows, columns: centers.columns, values: values)
        }
    }

    @Test("auto resolves to a concrete algorithm")
    func autoResolves() {
        #expect(KMeansAlgorithm.auto.resolved(points: 100_000, dimensions: 2, centers: 8) == .lloyd)
        #expect(KMeansAlgorithm.auto.resolved(points: 100_000, dimensions: 16, centers: 256) == .hamerly)
        #expect(KMeansAlgorithm.auto.resolved(points: 1_000_000, dimensions: 16, centers: 16) == .lloyd)
        #expect(KMeansAlgorithm.auto.resolved(points: 200_000, dimensions: 128, centers: 256) == .hamerly)
        #expect(KMeansAlgorithm.hamerly.resolved(points: 10, dimensions: 2, centers: 2) == .hamerly)
        #expect(KMeansAlgorithm.lloyd.resolved(points: 10, dimensions: 20, centers: 512) == .lloyd)
    }
}
