import Testing
@testable import KMeansCore

/// A shape (n points, d dims, k centres) for comparing the fast kernels with the reference path.
struct KernelShape: Sendable, CustomStringConvertible {
    let n: Int, d: Int, k: Int
    var description: String { "n=\(n) d=\(d) k=\(k)" }
}

private let shapes: [KernelShape] = [
    KernelShape(n: 1, d: 1, k: 1), KernelShape(n: 7, d: 1, k: 3), KernelShape(n: 5, d: 3, k: 1),
    KernelShape(n: 33, d: 2, k: 8), KernelShape(n: 40, d: 4, k: 70), KernelShape(n: 100, d: 5, k: 17),
    KernelShape(n: 9, d: 16, k: 16), KernelShape(n: 300, d: 33, k: 40), KernelShape(n: 61, d: 7, k: 1),
    KernelShape(n: 250, d: 2, k: 300), KernelShape(n: 64, d: 129, k: 33), KernelShape(n: 15, d: 3, k: 2),
]

private let variants: [KernelInstructionSet] = [.automatic, .portable, .avx2]

@Suite("Fast kernels against the reference path")
struct KernelTests {
    @Test("assignments, distances, sums and counts match the reference", arguments: shapes, variants)
    func lloydPassMatchesReference(shape: KernelShape, variant: KernelInstructionSet) {
        let points = KernelTestData.uniform(n: shape.n, d: shape.d, scale: 3, seed: UInt64(shape.n * 131 + shape.d))
        let centers = KernelTestData.uniform(n: shape.k, d: shape.d, scale: 3, seed: UInt64(shape.k * 7 + 1))
        let fast = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                             instructionSet: variant)
        let reference = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
        var mismatches = 0
        for i in 0..<shape.n {
            let scale = KernelTestData.roundingScale(points, i, centers)
            let a = Int(fast.indices[i]), b = Int(reference.indices[i])
            if a != b {
                mismatches += 1
                let gap = abs(KernelTestData.exactDistance(points, i, centers, a)
                              - KernelTestData.exactDistance(points, i, centers, b))
                #expect(gap <= 1e-5 * scale, "point \(i): fast \(a), reference \(b) are not a near-tie (gap \(gap))")
            }
            #expect(abs(Double(fast.distances[i]) - Double(reference.distances[i])) <= 1e-5 * scale,
                    "point \(i): distance \(fast.distances[i]) vs \(reference.distances[i])")
        }
        #expect(mismatches <= 1)
        if mismatches == 0 {
            #expect(fast.counts == reference.counts)
            // One partition at these sizes: sums are sequential float32 in row order, bit for bit.
            #expect(fast.sums == reference.sums)
        }
    }

    @Test("well-separated blobs: identical assignments and bit-identical sums", arguments: variants)
    func blobsAreIdentical(variant: KernelInstructionSet) {
        for (d, k) in [(2, 8), (3, 5), (6, 10), (32, 20)] {
            let points = KernelTestData.blobs(n: 1500, d: d, blobs: k, seed: UInt64(d * 100 + k))
            let centers = KernelTestData.distinctRows(of: points, k: k, seed: 9)
            let fast = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: nil,
                                                 instructionSet: variant)
            let reference = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
            #expect(fast.indices == reference.indices, "d=\(d) k=\(k)")
            #expect(fast.counts == reference.counts, "d=\(d) k=\(k)")
            #expect(fast.sums == reference.sums, "d=\(d) k=\(k)")
        }
    }

    @Test("equal centres: ties go to the lowest index in every path")
    func tiesGoToLowestIndex() {
        for d in [1, 2, 4, 5, 17] {
            for (k, first, duplicate) in [(3, 1, 2), (40, 3, 19), (40, 3, 20), (40, 18, 35)] {
                var centers = KernelTestData.uniform(n: k, d: d, scale: 50, seed: UInt64(d + k))
                for t in 0..<d { centers[duplicate, t] = centers[first, t] }
                // Points right next to the duplicated centre.
                var values: [Float] = []
                for i in 0..<21 { for t in 0..<d { values.append(centers[first, t] + Float(i % 3) * 0.01) } }
                let points = Matrix(rows: 21, columns: d, values: values)
                for variant in variants {
                    let fast = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false,
                                                         threads: 1, instructionSet: variant)
                    #expect(fast.indices.allSatisfy { $0 == Int32(first) },
                            "d=\(d) k=\(k) duplicate \(duplicate): \(fast.indices)")
                }
            }
        }
    }

    @Test("partitioned passes do not depend on the thread count")
    func threadCountDoesNotChangeResults() {
        let points = KernelTestData.blobs(n: 40_000, d: 3, blobs: 6, seed: 5)
        let centers = KernelTestData.distinctRows(of: points, k: 6, seed: 6)
        #expect(DistanceKernels.partitions(of: points.rows).count > 1)
        let one = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 1)
        let two = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2)
        let many = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 7)
        #expect(one == two)
        #expect(one == many)
        let reference = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
        #expect(one.indices == reference.indices)
        #expect(one.counts == reference.counts)
        for i in 0..<one.sums.count {
            #expect(abs(one.sums[i] - reference.sums[i]) <= 1e-4 * max(1, abs(reference.sums[i])))
        }
    }

    @Test("partitions cover every point once, in order, and depend only on n")
    func partitionsCoverAllPoints() {
        for n in [0, 1, 16_383, 16_384, 100_000, 1_000_003] {
            let parts = DistanceKernels.partitions(of: n)
            #expect(parts.first?.lowerBound == 0)
            #expect(parts.last?.upperBound == n)
            for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            #expect(parts.count <= DistanceKernels.maximumPartitions)
        }
    }

    @Test("all distances match the reference", arguments: shapes)
    func allDistancesMatchReference(shape: KernelShape) {
        let points = KernelTestData.uniform(n: shape.n, d: shape.d, scale: 4, seed: UInt64(shape.d * 17 + shape.n))
        let centers = KernelTestData.uniform(n: shape.k, d: shape.d, scale: 4, seed: UInt64(shape.k))
        let reference = DistanceKernels.referenceAllDistances(points: points, centers: centers)
        for variant in variants {
            let fast = DistanceKernels.allDistances(points: points, centers: centers, threads: 2, instructionSet: variant)
            #expect(fast.rows == shape.n && fast.columns == shape.k)
            for i in 0..<shape.n {
                let scale = KernelTestData.roundingScale(points, i, centers)
                for j in 0..<shape.k {
                    #expect(abs(Double(fast[i, j]) - Double(reference[i, j])) <= 1e-5 * scale, "(\(i), \(j))")
                }
            }
        }
    }

    @Test("predict-style pass without distances or sums gives the same indices")
    func indicesOnly() {
        let points = KernelTestData.blobs(n: 999, d: 9, blobs: 12, seed: 77)
        let centers = KernelTestData.distinctRows(of: points, k: 12, seed: 3)
        let full = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2)
        let bare = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: 2,
                                             computeDistances: false)
        #expect(bare.indices == full.indices)
        #expect(bare.distances.isEmpty && bare.sums.isEmpty && bare.counts.isEmpty)
    }

    @Test("distances, loss and sums are the same bits in the AVX-512 and AVX2 variants (8-row ‖x‖² path)",
          arguments: [16, 17, 31, 32, 47, 64, 129])
    func distancesMatchAcrossVariants(d: Int) {
        // AVX-512 computes the ‖x‖² of 8 rows together; AVX2 row by row. Same operations per row, same bits.
        for (n, k) in [(301, 5), (301, 40), (20_005, 16)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 4, seed: UInt64(n + d * 17 + k))
            let centers = KernelTestData.uniform(n: k, d: d, scale: 4, seed: UInt64(k * 31 + d))
            for accumulate in [false, true] {
                var wide = LloydPass(indices: [], distances: [], sums: [], counts: [])
                var narrow = wide
                DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: 2,
                                          computeDistances: true, computeLoss: true, instructionSet: .automatic,
                                          into: &wide)
                DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: 2,
                                          computeDistances: true, computeLoss: true, instructionSet: .avx2,
                                          into: &narrow)
                let label = "n=\(n) d=\(d) k=\(k) accumulate=\(accumulate)"
                #expect(wide.indices == narrow.indices, "\(label)")
                #expect(wide.distances.map(\.bitPattern) == narrow.distances.map(\.bitPattern), "\(label)")
                #expect(wide.loss?.bitPattern == narrow.loss?.bitPattern, "\(label)")
                #expect(wide.loss == DistanceKernels.lossSum(of: wide.distances), "\(label)")
                #expect(wide.sums.map(\.bitPattern) == narrow.sums.map(\.bitPattern), "\(label)")
                #expect(wide.counts == narrow.counts, "\(label)")
                // Loss without the distances kept: the same sum.
                var lossOnly = LloydPass(indices: [], distances: [], sums: [], counts: [])
                DistanceKernels.lloydPass(points: points, centers: centers, accumulate: accumulate, threads: 2,
                                          computeDistances: false, computeLoss: true, into: &lossOnly)
                #expect(lossOnly.loss?.bitPattern == wide.loss?.bitPattern, "\(label)")
                #expect(lossOnly.indices == wide.indices, "\(label)")
            }
        }
    }

    @Test("assigned distances are the pass's distances, bit for bit, in every variant",
          arguments: [KernelInstructionSet.automatic, .avx2, .portable])
    func assignedDistancesMatchThePass(variant: KernelInstructionSet) {
        for (n, d, k) in [(37, 1, 3), (300, 2, 8), (129, 3, 5), (64, 4, 70), (301, 5, 17), (301, 16, 16),
                          (250, 17, 40), (90, 33, 7), (41, 129, 33), (20_005, 32, 64)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 5, seed: UInt64(n * 3 + d))
            let centers = KernelTestData.uniform(n: k, d: d, scale: 5, seed: UInt64(k + d * 11))
            let pass = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: 2,
                                                 instructionSet: variant)
            let assigned = DistanceKernels.assignedDistances(points: points, centers: centers, indices: pass.indices,
                                                             threads: 2, instructionSet: variant)
            #expect(assigned.map(\.bitPattern) == pass.distances.map(\.bitPattern), "n=\(n) d=\(d) k=\(k)")
        }
        #expect(DistanceKernels.assignedDistances(points: Matrix(rows: 0, columns: 3),
                                                  centers: KernelTestData.uniform(n: 2, d: 3, scale: 1, seed: 1),
                                                  indices: []).isEmpty)
    }

    @Test("a loss pass without indices gives the same sums, counts and loss bits, and keeps no per-point array",
          arguments: variants)
    func lossPassWithoutIndices(variant: KernelInstructionSet) {
        for (n, d, k) in [(37, 1, 3), (300, 2, 8), (129, 3, 5), (64, 4, 70), (301, 5, 17), (301, 16, 16),
                          (250, 17, 40), (90, 33, 7), (41, 129, 33), (20_005, 32, 64), (40_003, 2, 9)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 5, seed: UInt64(n * 7 + d))
            let centers = KernelTestData.uniform(n: k, d: d, scale: 5, seed: UInt64(k + d * 13))
            var full = LloydPass(indices: [], distances: [], sums: [], counts: [])
            var lean = full
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                      computeDistances: false, computeLoss: true, instructionSet: variant, into: &full)
            // The lean pass reuses a buffer that held a previous pass's indices: they must not survive.
            lean = full
            DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                      computeDistances: false, computeLoss: true, computeIndices: false,
                                      instructionSet: variant, into: &lean)
            let label = "n=\(n) d=\(d) k=\(k)"
            #expect(full.indices.count == n, "\(label)")
            #expect(lean.indices.isEmpty && lean.distances.isEmpty, "\(label)")
            #expect(lean.sums.map(\.bitPattern) == full.sums.map(\.bitPattern), "\(label)")
            #expect(lean.counts == full.counts, "\(label)")
            #expect(lean.loss != nil && lean.loss?.bitPattern == full.loss?.bitPattern, "\(label)")
        }
    }

    @Test("passes without distances (4 points × 4 centre blocks at once on AVX-512) give the indices, sums and counts of the pass with them, ties included",
          arguments: variants)
    func passesWithoutDistancesMatch(variant: KernelInstructionSet) {
        for (n, d, k) in [(1001, 5, 64), (203, 16, 65), (517, 31, 100), (20_003, 32, 64), (130, 129, 256), (67, 17, 70)] {
            let points = KernelTestData.uniform(n: n, d: d, scale: 3, seed: UInt64(n + d * 5 + k))
            var centerValues = KernelTestData.uniform(n: k, d: d, scale: 3, seed: UInt64(k * 3 + d)).values
            // Exact ties, the lower index must win: in the same lane of different blocks (35 = 3 + 32, 50 = 18 + 32)
            // and in different lanes (k − 1 repeats 20).
            for t in 0..<d {
                centerValues[35 * d + t] = centerValues[3 * d + t]
                centerValues[50 * d + t] = centerValues[18 * d + t]
                centerValues[(k - 1) * d + t] = centerValues[20 * d + t]
            }
            let centers = Matrix(rows: k, columns: d, values: centerValues)
            // Points sitting exactly on the tied centres.
            var pointValues = points.values
            for (row, center) in [(0, 3), (1, 18), (2, 20)] {
                for t in 0..<d { pointValues[row * d + t] = centerValues[center * d + t] }
            }
            let tiedPoints = Matrix(rows: n, columns: d, values: pointValues)
            let label = "n=\(n) d=\(d) k=\(k) \(variant)"
            let withDistances = DistanceKernels.lloydPass(points: tiedPoints, centers: centers, accumulate: true,
                                                          threads: 2, computeDistances: true, instructionSet: variant)
            var accumulateOnly = LloydPass(indices: [], distances: [], sums: [], counts: [])
            DistanceKernels.lloydPass(points: tiedPoints, centers: centers, accumulate: true, threads: 2,
                                      computeDistances: false, instructionSet: variant, into: &accumulateOnly)
            var indicesOnly = LloydPass(indices: [], distances: [], sums: [], counts: [])
            DistanceKernels.lloydPass(points: tiedPoints, centers: centers, accumulate: false, threads: 2,
                                      computeDistances: false, instructionSet: variant, into: &indicesOnly)
            #expect(accumulateOnly.indices == withDistances.indices, "\(label)")
            #expect(indicesOnly.indices == withDistances.indices, "\(label)")
            #expect(accumulateOnly.sums.map(\.bitPattern) == withDistances.sums.map(\.bitPattern), "\(label)")
            #expect(accumulateOnly.counts == withDistances.counts, "\(label)")
            #expect(Array(withDistances.indices.prefix(3)) == [3, 18, 20], "\(label)")
            #expect(!withDistances.indices.contains(35) && !withDistances.indices.contains(50)
                    && !withDistances.indices.contains(Int32(k - 1)), "\(label)")
        }
    }

    @Test("D ≤ 4 with k·D ≤ 16 (sums held in a register): sums and counts bit for bit the reference's, in every pass kind",
          arguments: variants)
    func lowDimensionalRegisterSums(variant: KernelInstructionSet) {
        for (n, d, k) in [(1, 1, 1), (17, 1, 16), (1_001, 2, 8), (4_097, 2, 5), (515, 3, 5), (300, 4, 4), (301, 4, 5),
                          (299, 3, 6), (2_000, 2, 9)] {
            var values = KernelTestData.uniform(n: n, d: d, scale: 2, seed: UInt64(n * 3 + d * 11 + k)).values
            // Signed zeros and repeated rows among the points.
            for i in stride(from: 0, to: n, by: 7) { values[i * d] = i % 2 == 0 ? -0.0 : 0.0 }
            for i in stride(from: 1, to: n, by: 5) where i >= 2 { for t in 0..<d { values[i * d + t] = values[(i - 2) * d + t] } }
            let points = Matrix(rows: n, columns: d, values: values)
            let centers = KernelTestData.distinctRows(of: points, k: k, seed: UInt64(k))
            let reference = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
            let label = "n=\(n) d=\(d) k=\(k) \(variant)"
            // The loss is TF's reduce_sum of the kernel's own per-point distances.
            let kernelDistances = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false,
                                                            threads: 1, instructionSet: variant).distances
            for (distances, loss, indices) in [(true, false, true), (false, true, true), (false, true, false), (false, false, true)] {
                var pass = LloydPass(indices: [], distances: [], sums: [], counts: [])
                DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 1,
                                          computeDistances: distances, computeLoss: loss, computeIndices: indices,
                                          instructionSet: variant, into: &pass)
                if indices { #expect(pass.indices == reference.indices, "\(label)") }
                #expect(pass.sums.map(\.bitPattern) == reference.sums.map(\.bitPattern), "\(label) distances \(distances) loss \(loss)")
                #expect(pass.counts == reference.counts, "\(label)")
                if loss { #expect(pass.loss?.bitPattern == DistanceKernels.lossSum(of: kernelDistances).bitPattern, "\(label)") }
            }
        }
    }

    @Test("empty inputs")
    func emptyInputs() {
        let centers = KernelTestData.uniform(n: 3, d: 2, scale: 1, seed: 1)
        let none = DistanceKernels.lloydPass(points: Matrix(rows: 0, columns: 2), centers: centers, accumulate: true)
        #expect(none.indices.isEmpty && none.counts == [0, 0, 0] && none.sums == [0, 0, 0, 0, 0, 0])
        let noCenters = DistanceKernels.lloydPass(points: centers, centers: Matrix(rows: 0, columns: 2), accumulate: false)
        #expect(noCenters.indices == [0, 0, 0])
        #expect(DistanceKernels.allDistances(points: centers, centers: Matrix(rows: 0, columns: 2)).values.isEmpty)
    }

    @Test("the dispatcher names a known instruction set")
    func instructionSetIsKnown() {
        #expect(["avx512", "avx2", "portable"].contains(DistanceKernels.instructionSet))
    }
}
