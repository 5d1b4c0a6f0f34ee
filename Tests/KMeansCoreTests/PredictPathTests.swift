import Testing
@testable import KMeansCore

/// The predict path's pieces on larger inputs: the sliced finiteness check and the pruned search for points far
/// from every centre (the partial-distance stage).
@Suite("Predict path on larger inputs")
struct PredictPathTests {
    @Test("the sliced finiteness check reports the lowest non-finite index")
    func slicedFiniteCheck() {
        let count = (1 << 20) + 77
        var values = [Float](repeating: 1.5, count: count)
        #expect(Matrix(rows: count, columns: 1, values: values).firstNonFiniteIndex() == nil)
        values[count - 1] = .infinity
        #expect(Matrix(rows: count, columns: 1, values: values).firstNonFiniteIndex() == count - 1)
        values[700_001] = .nan
        values[3] = -.infinity
        #expect(Matrix(rows: count, columns: 1, values: values).firstNonFiniteIndex() == 3)
        values[3] = 0
        #expect(Matrix(rows: count, columns: 1, values: values).firstNonFiniteIndex() == 700_001)
    }

    @Test("points from blobs that hold no centre: pruned search equals the plain pass and rarely searches fully")
    func pointsFarFromEveryCenter() {
        let d = 96, blobs = 60, k = 40
        let points = KernelTestData.blobs(n: 3000, d: d, blobs: blobs, seed: 21)
        // Centres near only some of the data: the first k points' blobs may repeat, many blobs get no centre.
        let centers = KernelTestData.distinctRows(of: points, k: k, seed: 22)
        for isa in KernelInstructionSet.allCases where isa.rawValue <= DistanceKernels.supportedInstructionSet.rawValue {
            // Each variant against the plain pass of the same variant (FMA changes the rounding).
            let plain = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: 2,
                                                  instructionSet: isa)
            let (pruned, searched) = DistanceKernels.prunedNearest(points: points, centers: centers, threads: 2,
                                                                   computeDistances: true, instructionSet: isa)
            #expect(pruned.indices == plain.indices, "\(isa)")
            let differing = zip(pruned.distances, plain.distances).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(isa): \(differing) distances differ")
            #expect(searched < points.rows / 2, "\(isa): \(searched) of \(points.rows) fully searched")
        }
    }
}
