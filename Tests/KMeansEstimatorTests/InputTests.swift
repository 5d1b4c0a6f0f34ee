import Testing
@testable import KMeansEstimator

/// The input-function helpers: epochs, batch order, seeded shuffling, named columns.
@Suite("Input functions")
struct InputTests {
    let points = Matrix(rows: 10, columns: 2, values: (0..<20).map { Float($0) })

    func drain(_ input: InputFunction, limit: Int = 100) throws -> [Matrix] {
        let stream = try input.makeStream()
        var out: [Matrix] = []
        while out.count < limit, let batch = try stream.next() {
            guard case .matrix(let m) = batch.features else { Issue.record("expected a matrix"); break }
            out.append(m)
        }
        return out
    }

    @Test("whole array: one batch per epoch, forever when epochs is nil, fresh on every call")
    func wholeArray() throws {
        #expect(try drain(.wholeArray(points)) == [points])
        #expect(try drain(.wholeArray(points, epochs: 3)).count == 3)
        #expect(try drain(.wholeArray(points, epochs: nil), limit: 50).count == 50)
        let input = InputFunction.wholeArray(points)
        #expect(try drain(input).count == 1 && (try drain(input)).count == 1)
    }

    @Test("batches in order, the last one smaller, for the requested epochs")
    func orderedBatches() throws {
        let batches = try drain(.batches(points, batchSize: 4, epochs: 2))
        #expect(batches.map(\.rows) == [4, 4, 2, 4, 4, 2])
        #expect(batches[0] == points.rows(0..<4) && batches[2] == points.rows(8..<10) && batches[3] == points.rows(0..<4))
        #expect(try drain(.batches(points, batchSize: 4, epochs: 0)).isEmpty)
    }

    @Test("seeded shuffling: a permutation per epoch, reproducible, different across seeds")
    func shuffledBatches() throws {
        let a = try drain(.batches(points, batchSize: 3, epochs: 2, shuffleSeed: 7))
        let b = try drain(.batches(points, batchSize: 3, epochs: 2, shuffleSeed: 7))
        let c = try drain(.batches(points, batchSize: 3, epochs: 2, shuffleSeed: 8))
        #expect(a == b)
        #expect(a != c)
        let firstEpoch = a[0..<4].flatMap(\.nestedRows)
        let secondEpoch = a[4..<8].flatMap(\.nestedRows)
        #expect(firstEpoch.sorted { $0[0] < $1[0] } == points.nestedRows)
        #expect(secondEpoch.sorted { $0[0] < $1[0] } == points.nestedRows)
        #expect(firstEpoch != points.nestedRows)
    }

    @Test("bad batch size or epochs name the argument")
    func badArguments() throws {
        guard case .invalidArgument(let argument, _)? = kmeansError({ _ = try InputFunction.batches(points, batchSize: 0).makeStream() }) else {
            Issue.record("batchSize 0 must be rejected"); return
        }
        #expect(argument == "batchSize")
    }

    @Test("named columns in batches keep rows aligned across columns")
    func columnBatches() throws {
        let xs = Matrix(rows: 10, columns: 1, values: (0..<10).map { Float($0) })
        let ys = Matrix(rows: 10, columns: 1, values: (0..<10).map { Float(100 + $0) })
        let stream = try InputFunction.columns(["x": xs, "y": ys], batchSize: 4, shuffleSeed: 3).makeStream()
        var seen: [Float] = []
        while let batch = try stream.next() {
            let m = try parseFeatures(batch.features, featureColumns: nil)
            for i in 0..<m.rows {
                #expect(m[i, 1] == m[i, 0] + 100)
                seen.append(m[i, 0])
            }
        }
        #expect(seen.sorted() == (0..<10).map { Float($0) })
        guard case .invalidInput? = kmeansError({ _ = try InputFunction.columns(["x": xs, "y": ys.rows(0..<9)], batchSize: 4).makeStream() }) else {
            Issue.record("columns of different lengths must be rejected"); return
        }
    }

    @Test("non-finite input values are rejected with their position")
    func nonFinite() throws {
        var bad = points
        bad[3, 1] = .nan
        let kmeans = try KMeansClustering(numClusters: 2, initialClusters: .matrix(points.rows(0..<2)), useMiniBatch: false)
        guard case .invalidInput(let message)? = kmeansError({ try kmeans.train(input: .wholeArray(bad), steps: 1) }) else {
            Issue.record("NaN input must be rejected"); return
        }
        #expect(message.contains("row 3, column 1"))
    }
}
