import Testing
@testable import KMeansCore

/// The inference pass with the finiteness check fused in (`DistanceKernels.checkedNearest`, what `nearestIndices`,
/// `nearest` and `predictions` run for squared Euclidean): the plain pass's indices and distances bit for bit on
/// every variant and path, nil for any non-finite value, and the library's error naming the first one.
@Suite("Nearest pass with the fused finiteness check")
struct CheckedNearestTests {
    static let variants: [KernelInstructionSet] = KernelInstructionSet.allCases.filter {
        $0 == .automatic || $0.rawValue <= DistanceKernels.supportedInstructionSet.rawValue
    }

    func expectSameAsPlain(points: Matrix, centers: Matrix, isa: KernelInstructionSet, forcePruning: Bool = false,
                           threads: Int? = nil, _ label: String) {
        let plain = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: threads,
                                              instructionSet: isa)
        for computeDistances in [true, false] {
            guard let checked = DistanceKernels.checkedNearest(
                points: points, centers: centers, computeDistances: computeDistances, threads: threads,
                instructionSet: isa, forcePruning: forcePruning)
            else {
                Issue.record("\(label) \(isa): flagged finite data")
                continue
            }
            #expect(checked.indices == plain.indices, "\(label) \(isa) distances \(computeDistances)")
            if computeDistances {
                #expect(checked.distances.map(\.bitPattern) == plain.distances.map(\.bitPattern), "\(label) \(isa)")
            } else {
                #expect(checked.distances.isEmpty)
            }
        }
    }

    @Test("equals the plain pass: low D, blocked D, pruned (natural and forced), ties", arguments: variants)
    func sameAsPlain(isa: KernelInstructionSet) {
        for (n, d, k) in [(1000, 1, 3), (333, 2, 8), (257, 3, 5), (130, 4, 17), (999, 5, 40), (700, 16, 16),
                          (515, 32, 64), (600, 64, 32), (301, 130, 40), (1, 70, 33), (17, 7, 1)] {
            let points = KernelTestData.blobs(n: n, d: d, blobs: max(2, k / 2), seed: UInt64(n * 7 + d + k))
            let centers = KernelTestData.distinctRows(of: points, k: min(k, n), seed: UInt64(d + 3))
            expectSameAsPlain(points: points, centers: centers, isa: isa, "n=\(n) d=\(d) k=\(k)")
            if d >= 5 {
                expectSameAsPlain(points: points, centers: centers, isa: isa, forcePruning: true,
                                  "forced pruning n=\(n) d=\(d) k=\(k)")
            }
        }
        // Duplicate centres and exact midpoints (small integers: exact arithmetic, exact ties).
        var random = KernelTestRandom(seed: 5)
        for d in [3, 24, 80] {
            var rows: [[Float]] = (0..<12).map { _ in (0..<d).map { _ in Float(random.below(9) - 4) } }
            rows += [rows[2], rows[0], rows[2]]
            let centers = Matrix(rows)
            var points: [[Float]] = rows
            for _ in 0..<200 {
                let a = random.below(centers.rows), b = random.below(centers.rows)
                points.append((0..<d).map { (centers[a, $0] + centers[b, $0]) / 2 })
            }
            expectSameAsPlain(points: Matrix(points), centers: centers, isa: isa, "ties d=\(d)")
            if d >= 5 {
                expectSameAsPlain(points: Matrix(points), centers: centers, isa: isa, forcePruning: true,
                                  "ties, forced pruning d=\(d)")
            }
        }
    }

    @Test("several partitions, one or two threads")
    func partitions() {
        for (d, k) in [(16, 16), (64, 40)] {
            let points = KernelTestData.blobs(n: DistanceKernels.minimumPointsToSplit * 2 + 37, d: d, blobs: 9,
                                              seed: UInt64(d))
            let centers = KernelTestData.distinctRows(of: points, k: k, seed: 1)
            for threads in [1, 2] {
                expectSameAsPlain(points: points, centers: centers, isa: .automatic, threads: threads,
                                  "partitions d=\(d) threads \(threads)")
            }
        }
    }

    @Test("any NaN or infinity gives nil, wherever it is", arguments: variants)
    func nonFinite(isa: KernelInstructionSet) {
        for (n, d, k) in [(40, 2, 3), (300, 16, 16), (20_000, 16, 16), (500, 64, 32), (20_000, 72, 32), (9, 7, 2)] {
            let clean = KernelTestData.uniform(n: n, d: d, scale: 4, seed: UInt64(n + d))
            let centers = KernelTestData.uniform(n: k, d: d, scale: 4, seed: 99)
            for position in [0, n * d - 1, (n / 2) * d + d / 2, n * d - 17, 129 * d % (n * d)] {
                for bad in [Float.nan, .infinity, -.infinity] {
                    var values = clean.values
                    values[position] = bad
                    let points = Matrix(rows: n, columns: d, values: values)
                    for force in d >= 5 ? [false, true] : [false] {
                        let result = DistanceKernels.checkedNearest(
                            points: points, centers: centers, computeDistances: position % 2 == 0,
                            instructionSet: isa, forcePruning: force)
                        #expect(result == nil, "n=\(n) d=\(d) \(isa) value \(bad) at \(position) force \(force)")
                    }
                }
            }
        }
    }

    @Test("the library names the first non-finite value, row and column, as the separate check did")
    func libraryError() throws {
        for (n, d, k) in [(50, 3, 4), (40_000, 16, 16), (3000, 64, 32)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 4, seed: UInt64(d))
            let centers = KernelTestData.distinctRows(of: points, k: k, seed: 2)
            let model = try ModelFunction(params: KMeansParams(numClusters: k, initialClusters: .matrix(centers),
                                                               useMiniBatch: false))
            let state = try model.initialize(model.initialState(), batch: points)
            // Later value first in memory order of the partitions the workers may finish first.
            var values = points.values
            values[(n - 1) * d + 1] = .nan
            values[(n / 3) * d + 2] = .infinity
            values[(n / 3) * d + 1] = -.infinity
            let bad = Matrix(rows: n, columns: d, values: values)
            let message = "batch row \(n / 3), column 1 is -inf, not a finite number"
            #expect(throws: KMeansError.invalidInput(message)) { try model.nearestIndices(bad, state: state) }
            #expect(throws: KMeansError.invalidInput(message)) { try model.nearest(bad, state: state) }
            #expect(throws: KMeansError.invalidInput(message)) {
                try model.predictions(bad, state: state, nearest: true, allDistances: true)
            }
            #expect(throws: KMeansError.invalidInput(message)) { try model.allDistances(bad, state: state) }
            // Clean data: the same indices as the plain pass.
            let plain = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false)
            #expect(try model.nearestIndices(points, state: state) == plain.indices)
            let nearest = try model.nearest(points, state: state)
            #expect(nearest.indices == plain.indices.map { Int($0) })
            #expect(nearest.distances.map(\.bitPattern) == plain.distances.map(\.bitPattern))
        }
    }
}
