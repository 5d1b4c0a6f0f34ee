import KMeansCore
import Testing

@Suite struct EvaluationTests {
    @Test func adjustedRandIndexMatchesHandComputedValues() {
        // truth [0,0,0,1,1,1] vs clusters [0,0,1,1,2,2]: Σ C(n_ij,2) = 2, Σ C(a_i,2) = 6, Σ C(b_j,2) = 3, C(6,2) = 15;
        // expected = 6·3/15 = 1.2, maximum = (6+3)/2 = 4.5, ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33.
        let table = ConfusionTable(truth: [0, 0, 0, 1, 1, 1], clusters: [0, 0, 1, 1, 2, 2])
        #expect(abs(table.adjustedRandIndex - 8.0 / 33.0) < 1e-12)
        #expect(table.counts == [2, 1, 0, 0, 1, 2])
        #expect(table.truthTotals == [3, 3])
        #expect(table.clusterTotals == [2, 2, 2])
        #expect(table.majorityClass == [0, 0, 1] || table.majorityClass == [0, 1, 1])
        // scikit-learn's documented example: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 4/7.
        #expect(abs(ConfusionTable(truth: [0, 0, 1, 1], clusters: [0, 0, 1, 2]).adjustedRandIndex - 4.0 / 7.0) < 1e-12)
    }

    @Test func adjustedRandIndexIsOneForRenamedPartitionsAndNegativeForAntiAgreement() {
        #expect(ConfusionTable(truth: [0, 0, 1, 1, 2], clusters: [2, 2, 0, 0, 1]).adjustedRandIndex == 1)
        // Every pair split the other way: less agreement than chance.
        #expect(ConfusionTable(truth: [0, 0, 1, 1], clusters: [0, 1, 0, 1]).adjustedRandIndex < 0)
        // An empty cluster keeps its column and changes nothing.
        let padded = ConfusionTable(truth: [0, 1, 1], clusters: [0, 1, 1], clusterCount: 4)
        #expect(padded.clusters == 4 && padded.clusterTotals == [1, 2, 0, 0] && padded.adjustedRandIndex == 1)
    }

    @Test func threeClassesAgainstThemselvesAndAgainstOneCluster() {
        let species = (0..<150).map { $0 / 50 }
        #expect(ConfusionTable(truth: species, clusters: species).adjustedRandIndex == 1)
        #expect(ConfusionTable(truth: species, clusters: [Int](repeating: 0, count: species.count)).adjustedRandIndex == 0)
    }

    @Test func silhouetteMatchesHandComputedValue() throws {
        // 0, 1 | 10, 11: point 0 has a = 1, b = 10.5; point 1 has a = 1, b = 9.5; the other two mirror them.
        let points = Matrix([[0], [1], [10], [11]])
        let result = try #require(Silhouette.score(points: points, labels: [0, 0, 1, 1]))
        let expected = (9.5 / 10.5 + 8.5 / 9.5) / 2
        #expect(abs(result.score - expected) < 1e-6)
        #expect(!result.isSampled && result.evaluatedPoints == 4 && result.totalPoints == 4)
        #expect(Silhouette.score(points: points, labels: [0, 0, 0, 0]) == nil)
        #expect(Silhouette.score(points: points, labels: [0, 1, 2, 3]) == nil)
    }

    @Test func silhouetteEqualsADirectDoubleComputationOnEveryThreadCount() throws {
        var generator = SplitMix64(seed: 3)
        let n = 700, d = 3
        var values: [Float] = []
        var labels: [Int] = []
        for i in 0..<n {
            let cluster = i % 4
            labels.append(cluster == 3 ? 5 : cluster) // labels need not be contiguous
            for t in 0..<d { values.append(Float(cluster * 4 + t) + Float(generator.nextUnit() * 3)) }
        }
        let points = Matrix(rows: n, columns: d, values: values)
        var reference = 0.0
        for i in 0..<n {
            var sums: [Int: (Double, Int)] = [:]
            for j in 0..<n where j != i {
                var squared = 0.0
                for t in 0..<d { let delta = Double(values[i * d + t]) - Double(values[j * d + t]); squared += delta * delta }
                let entry = sums[labels[j]] ?? (0, 0)
                sums[labels[j]] = (entry.0 + squared.squareRoot(), entry.1 + 1)
            }
            let a = sums[labels[i]]!.0 / Double(sums[labels[i]]!.1)
            let b = sums.filter { $0.key != labels[i] }.map { $0.value.0 / Double($0.value.1) }.min()!
            reference += (b - a) / max(a, b)
        }
        reference /= Double(n)
        let one = try #require(Silhouette.score(points: points, labels: labels, threads: 1))
        let two = try #require(Silhouette.score(points: points, labels: labels, threads: 2))
        #expect(abs(one.score - reference) < 1e-4)
        #expect(one == two)
    }

    @Test func silhouetteAboveTheLimitIsTheExactScoreOfASeededSample() throws {
        var generator = SplitMix64(seed: 9)
        let n = 300
        var values: [Float] = []
        for i in 0..<n {
            values.append(Float((i % 3) * 10) + Float(generator.nextUnit()))
            values.append(Float(generator.nextUnit()))
        }
        let points = Matrix(rows: n, columns: 2, values: values)
        let labels = (0..<n).map { $0 % 3 }
        let sampled = try #require(Silhouette.score(points: points, labels: labels, sampleLimit: 100, seed: 42))
        #expect(sampled.isSampled && sampled.sampleSeed == 42 && sampled.evaluatedPoints == 100 && sampled.totalPoints == n)
        let chosen = Silhouette.sampleIndices(count: n, choose: 100, seed: 42)
        #expect(Set(chosen).count == 100)
        let direct = try #require(Silhouette.score(points: points.gathering(rows: chosen), labels: chosen.map { labels[$0] }))
        #expect(direct.score == sampled.score && !direct.isSampled)
        #expect(Silhouette.score(points: points, labels: labels, sampleLimit: 100, seed: 43)?.score != sampled.score)
    }

    @Test func silhouetteStopsWhenCancelled() {
        let points = Matrix(rows: 200, columns: 1, values: (0..<200).map { Float($0) })
        #expect(Silhouette.score(points: points, labels: (0..<200).map { $0 % 2 }, isCancelled: { true }) == nil)
    }
}
