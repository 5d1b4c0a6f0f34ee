import Synchronization
import Testing
@testable import KMeansCore

@Suite("KmeansPlusPlusInitialization kernel against TF 2.15")
struct KMeansPlusPlusTests {
    @Test("all 144 kernel cases of kernel_vectors.json, bit-exact")
    func kernelVectors() throws {
        let vectors = try RandomFixtures.kernelVectors()
        #expect(vectors.kmeans_plus_plus.count == 144)
        #expect(vectors.kmeans_plus_plus_all_match)
        var datasets: [String: Matrix] = [:]
        for fixture in vectors.kmeans_plus_plus {
            let points = try datasets[fixture.data] ?? RandomFixtures.points(named: fixture.data)
            datasets[fixture.data] = points
            let label = "\(fixture.data) seed \(fixture.seed) retries \(fixture.num_retries) k \(fixture.k)"
            let indices = try KMeansPlusPlus.sampleIndices(
                points: points, count: fixture.k, seed: fixture.seed, retriesPerSample: fixture.num_retries)
            #expect(indices == fixture.python_model_indices, "\(label)")
            let centers = points.gathering(rows: indices)
            let expected = RandomFixtures.matrix(fixture.tf_output)
            #expect(centers.values.map(\.bitPattern) == expected.values.map(\.bitPattern), "\(label)")
        }
    }

    @Test("sampleCenters returns the chosen rows")
    func sampleCentersGathers() throws {
        let points = try RandomFixtures.points100()
        let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 5, seed: 42, retriesPerSample: 2)
        let centers = try KMeansPlusPlus.sampleCenters(points: points, count: 5, seed: 42, retriesPerSample: 2)
        #expect(centers == points.gathering(rows: indices))
        #expect(Set(indices).count == 5)
    }

    @Test("a cancellation check stops between centres; one that never fires leaves the indices unchanged")
    func cancellationBetweenCenters() throws {
        let points = try RandomFixtures.points100()
        let plain = try KMeansPlusPlus.sampleIndices(points: points, count: 6, seed: 7, retriesPerSample: -1)
        let asked = Counter()
        let checked = try KMeansPlusPlus.sampleIndices(points: points, count: 6, seed: 7, retriesPerSample: -1,
                                                       isCancelled: { asked.increment(); return false })
        #expect(checked == plain)
        #expect(asked.value == 5, "asked before every centre after the first")
        let stopAfterTwo = Counter()
        #expect(throws: KMeansPlusPlusError.cancelled) {
            try KMeansPlusPlus.sampleIndices(points: points, count: 6, seed: 7, retriesPerSample: -1,
                                             isCancelled: { stopAfterTwo.increment(); return stopAfterTwo.value >= 2 })
        }
        #expect(stopAfterTwo.value == 2, "stopped at the first check that fired")
    }

    /// Our chosen behaviour is TF master's: a Uniform64(n) fallback when the distance total is 0. TF 2.15 instead
    /// reads out of bounds and duplicates the last point; the fixture records that.
    @Test("degenerate input (all remaining potential 0): master's uniform fallback, not 2.15's duplicate")
    func degenerateCase() throws {
        let fixture = try RandomFixtures.kernelVectors().kmeans_plus_plus_degenerate_identical_points
        let points = RandomFixtures.matrix(fixture.points)
        #expect(fixture.cases.count == 4)
        for fixtureCase in fixture.cases {
            let indices = try KMeansPlusPlus.sampleIndices(
                points: points, count: fixtureCase.k, seed: fixtureCase.seed, retriesPerSample: fixtureCase.retries)
            let label = "seed \(fixtureCase.seed)"
            // Distinct indices, all in bounds: every point is chosen once.
            #expect(indices.sorted() == [0, 1, 2], "\(label)")
            let tf215 = RandomFixtures.matrix(fixtureCase.tf_output)
            // TF 2.15 duplicated [1, 1] (the last point) and never produced [0, 0] twice...
            #expect(tf215.nestedRows.filter { $0 == [1, 1] }.count == 2, "\(label)")
            // ...our rows are the multiset {[0,0], [0,0], [1,1]}.
            let ours = points.gathering(rows: indices)
            #expect(ours.nestedRows.filter { $0 == [0, 0] }.count == 2, "\(label)")
            // The first two draws see positive potential, so they agree with TF 2.15.
            #expect(Array(ours.nestedRows.prefix(2)) == Array(tf215.nestedRows.prefix(2)), "\(label)")
            // The third is master's fallback: Uniform64(3) draws after the ones already used, redrawn if chosen.
            #expect(masterFallbackThirdIndex(seed: fixtureCase.seed, firstTwo: Array(indices.prefix(2))) == indices[2])
        }
    }

    /// Replays the RNG stream of a k = 3, retries = 0 run on `[[0,0],[0,0],[1,1]]` by hand: Uniform64(3) for the
    /// first centre, one RandFloat for the D²-weighted second, then (total potential 0) Uniform64(3) until unchosen.
    private func masterFallbackThirdIndex(seed: Int64, firstTwo: [Int]) -> Int {
        var rng = SimplePhilox(PhiloxRandom(seed: UInt64(bitPattern: seed)))
        let first = Int(rng.uniform64(3))
        #expect(first == firstTwo[0])
        // Half squared distances to the first centre and their prefix sums.
        let cumulative: [Float] = first == 2 ? [1, 2, 2] : [0, 0, 1]
        let v = rng.randFloat() * cumulative[2]
        let second = cumulative.firstIndex { $0 > v } ?? 3
        #expect(second == firstTwo[1])
        var third: Int
        repeat { third = Int(rng.uniform64(3)) } while [first, second].contains(third)
        return third
    }

    @Test("all identical points: every draw after the first is the uniform fallback, indices stay distinct")
    func allIdentical() throws {
        let points = Matrix(rows: 6, columns: 3, repeating: 2.5)
        for retries in [-1, 0, 1, 3] {
            let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 6, seed: 3, retriesPerSample: retries)
            #expect(indices.sorted() == Array(0..<6), "retries \(retries)")
        }
    }

    /// `[A, A, B]` with 12 columns: B, the odd last row, gets Eigen's half-packet dot order, so its distance to
    /// itself rounds to a tiny positive weight while A's twin weighs exactly 0. TF would redraw B forever.
    @Test("all weight on a chosen point: fall back to uniform instead of redrawing forever", arguments: [0, 2])
    func weightOnlyOnChosenPoint(retries: Int) throws {
        var rng = SimplePhilox(PhiloxRandom(seed: 123))
        var b: [Float] = []
        var found = false
        for _ in 0..<1_000 where !found {
            b = (0..<12).map { _ in rng.randFloat() * 1_000 }
            let selfDistance = b.withUnsafeBufferPointer { p -> Float in
                let h = 0.5 * EigenOrder.sumOfSquares(p.baseAddress!, count: 12)
                return (h - EigenOrder.gemvRowDot(p.baseAddress!, p.baseAddress!, count: 12, halfPackets: true)) + h
            }
            found = selfDistance > 0
        }
        try #require(found)
        let a = (0..<12).map { Float($0) }
        let points = Matrix([a, a, b])
        for seed in Int64(0)..<4 {
            let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 3, seed: seed, retriesPerSample: retries)
            #expect(indices.sorted() == [0, 1, 2], "seed \(seed)")
        }
    }

    @Test("KmeansPlusPlusInitializationTest (clustering_ops_test.py): seeds 0..99, retries (seed % 5) - 1")
    func contribKernelTest() throws {
        let points = RandomFixtures.contribTestPoints10
        let expected: [[Float]] = [[-1, -1], [101, 1], [101, 1]]
        for seed in 0..<100 {
            let centers = try KMeansPlusPlus.sampleCenters(
                points: points, count: 3, seed: Int64(seed), retriesPerSample: seed % 5 - 1)
            let sorted = centers.nestedRows.sorted { $0.lexicographicallyPrecedes($1) }
            for (row, target) in zip(sorted, expected) {
                for (value, goal) in zip(row, target) {
                    #expect(abs(value - goal) <= 1.0, "seed \(seed): \(sorted)")
                }
            }
        }
    }

    @Test("negative retries: 2 + trunc(ln count)")
    func retriesHeuristic() {
        let expected = [1: 2, 2: 2, 3: 3, 5: 3, 7: 3, 8: 4, 10: 4, 20: 4, 21: 5, 100: 6]
        for (count, retries) in expected {
            #expect(KMeansPlusPlus.effectiveRetries(count: count, retriesPerSample: -1) == retries, "count \(count)")
            #expect(KMeansPlusPlus.effectiveRetries(count: count, retriesPerSample: -7) == retries, "count \(count)")
        }
        #expect(KMeansPlusPlus.effectiveRetries(count: 100, retriesPerSample: 0) == 0)
        #expect(KMeansPlusPlus.effectiveRetries(count: 100, retriesPerSample: 5) == 5)
    }

    @Test("invalid input throws errors naming the values")
    func errors() throws {
        let points = Matrix([[1, 2], [3, 4]])
        #expect(throws: KMeansPlusPlusError.noPoints) {
            try KMeansPlusPlus.sampleIndices(points: Matrix(rows: 0, columns: 2), count: 1, seed: 0, retriesPerSample: 0)
        }
        #expect(throws: KMeansPlusPlusError.nonPositiveCount(0)) {
            try KMeansPlusPlus.sampleIndices(points: points, count: 0, seed: 0, retriesPerSample: 0)
        }
        #expect(throws: KMeansPlusPlusError.nonPositiveCount(-2)) {
            try KMeansPlusPlus.sampleIndices(points: points, count: -2, seed: 0, retriesPerSample: 0)
        }
        #expect(throws: KMeansPlusPlusError.countExceedsRows(count: 3, rows: 2)) {
            try KMeansPlusPlus.sampleIndices(points: points, count: 3, seed: 0, retriesPerSample: 0)
        }
        #expect(KMeansPlusPlusError.countExceedsRows(count: 3, rows: 2).description.contains("3"))
        #expect(KMeansPlusPlusError.countExceedsRows(count: 3, rows: 2).description.contains("2 points"))
        #expect(KMeansPlusPlusError.nonPositiveCount(-2).description.contains("-2"))
    }

    @Test("count == rows chooses every row exactly once")
    func countEqualsRows() throws {
        let points = try RandomFixtures.points100()
        let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 100, seed: 5, retriesPerSample: -1)
        #expect(indices.sorted() == Array(0..<100))
    }
}

/// A thread-safe count for `@Sendable` closures in tests.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
