import CKMeansKernels
import Foundation
import Testing
@testable import KMeansCore

/// A deliberately naive, single-threaded port of TF's kernel (one distance pass per candidate, explicit lane
/// arrays for Eigen's reduction orders), used to check the optimised kernel on shapes the TF fixtures do not
/// cover: many columns, odd row counts, parallel passes, duplicate points.
private enum ReferenceKernel {
    static func predux8(_ lanes: [Float]) -> Float {
        let half = (0..<4).map { lanes[$0] + lanes[$0 + 4] }
        return predux4(half)
    }

    static func predux4(_ lanes: [Float]) -> Float {
        (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
    }

    /// Eigen `redux_impl` (linear vectorised, aligned start) with 8-float packets.
    static func eigenSum(_ v: [Float]) -> Float {
        let n = v.count
        if n < 8 {
            var result = v[0]
            for i in 1..<n { result += v[i] }
            return result
        }
        let alignedSize = n / 8 * 8, alignedSize2 = n / 16 * 16
        var p0 = Array(v[0..<8])
        if alignedSize > 8 {
            var p1 = Array(v[8..<16])
            var i = 16
            while i < alignedSize2 {
                for l in 0..<8 {
                    p0[l] += v[i + l]
                    p1[l] += v[i + 8 + l]
                }
                i += 16
            }
            for l in 0..<8 { p0[l] += p1[l] }
            if alignedSize > alignedSize2 { for l in 0..<8 { p0[l] += v[alignedSize2 + l] } }
        }
        var result = predux8(p0)
        for i in alignedSize..<n { result += v[i] }
        return result
    }

    /// Eigen's row-major GEMV order for one row: `x` and `y` start at the given offsets of `values`.
    static func gemvDot(_ values: [Float], x: Int, y: Int, count d: Int, halfPackets: Bool) -> Float {
        var lanes: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
        var j = 0
        while j + 8 <= d {
            lanes.0 = values[x + j] * values[y + j] + lanes.0
            lanes.1 = values[x + j + 1] * values[y + j + 1] + lanes.1
            lanes.2 = values[x + j + 2] * values[y + j + 2] + lanes.2
            lanes.3 = values[x + j + 3] * values[y + j + 3] + lanes.3
            lanes.4 = values[x + j + 4] * values[y + j + 4] + lanes.4
            lanes.5 = values[x + j + 5] * values[y + j + 5] + lanes.5
            lanes.6 = values[x + j + 6] * values[y + j + 6] + lanes.6
            lanes.7 = values[x + j + 7] * values[y + j + 7] + lanes.7
            j += 8
        }
        var result = predux4([lanes.0 + lanes.4, lanes.1 + lanes.5, lanes.2 + lanes.6, lanes.3 + lanes.7])
        if halfPackets {
            var half: (Float, Float, Float, Float) = (0, 0, 0, 0)
            while j + 4 <= d {
                half.0 = values[x + j] * values[y + j] + half.0
                half.1 = values[x + j + 1] * values[y + j + 1] + half.1
                half.2 = values[x + j + 2] * values[y + j + 2] + half.2
                half.3 = values[x + j + 3] * values[y + j + 3] + half.3
                j += 4
            }
            result += predux4([half.0, half.1, half.2, half.3])
        }
        while j < d {
            result += values[x + j] * values[y + j]
            j += 1
        }
        return result
    }

    static func sample(points: Matrix, count: Int, seed: Int64, retries requested: Int) -> [Int] {
        let n = points.rows
        let retries = requested >= 0 ? requested : 2 + Int(log(Double(count)))
        let h = (0..<n).map { i -> Float in
            let row = points.row(i).map { $0 * $0 }
            return row.isEmpty ? 0 : 0.5 * eigenSum(row)
        }
        let values = points.values, d = points.columns
        func distances(to s: Int) -> [Float] {
            (0..<n).map { j in
                let dot = gemvDot(values, x: j * d, y: s * d, count: d, halfPackets: n % 2 == 1 && j == n - 1)
                return (h[j] - dot) + h[s]
            }
        }
        func cwiseMin(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $1 < $0 ? $1 : $0 } }
        var rng = SimplePhilox(PhiloxRandom(seed: UInt64(bitPattern: seed)))
        var minDistances = [Float](repeating: .infinity, count: n)
        var cumsum = [Float](repeating: 0, count: n)
        var sampled = Set<Int>()
        var out: [Int] = []
        func draw() -> Int {
            if sampled.isEmpty { return Int(rng.uniform64(UInt64(n))) }
            var index: Int
            repeat {
                let total = cumsum[n - 1]
                if !(total > 0) {
                    index = Int(rng.uniform64(UInt64(n)))
                } else {
                    let v = rng.randFloat() * total
                    index = min(cumsum.firstIndex { $0 > v } ?? n, n - 1)
                }
            } while sampled.contains(index)
            return index
        }
        for i in 0..<count {
            if i > 0 {
                var running: Float = 0
                for j in 0..<n {
                    running = j == 0 ? minDistances[0] : running + minDistances[j]
                    cumsum[j] = running
                }
            }
            var next: Int
            if retries == 0 {
                next = draw()
                minDistances = cwiseMin(minDistances, distances(to: next))
            } else {
                var bestPotential = Float.infinity
                var best = 0
                var bestDistances = minDistances
                for _ in 0...retries {
                    let s = draw()
                    let candidate = cwiseMin(minDistances, distances(to: s))
                    let potential = eigenSum(candidate)
                    if potential < bestPotential {
                        bestPotential = potential
                        best = s
                        bestDistances = candidate
                    }
                }
                minDistances = bestDistances
                next = best
            }
            next = min(next, n - 1)
            out.append(next)
            sampled.insert(next)
        }
        return out
    }
}

@Suite("k-means++ kernel against a naive reference port")
struct KMeansPlusPlusReferenceTests {
    /// Deterministic points in a few blobs; `distinct` > 0 snaps them onto that many distinct rows.
    static func points(rows: Int, columns: Int, seed: UInt64, distinct: Int = 0) -> Matrix {
        var rng = SimplePhilox(PhiloxRandom(seed: seed))
        let blobCenters = (0..<(5 * columns)).map { _ in rng.randFloat() * 200 - 100 }
        var values = [Float](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            let blob = distinct > 0 ? i % distinct : Int(rng.uniform64(5))
            for t in 0..<columns {
                let noise = distinct > 0 ? 0 : (rng.randFloat() - 0.5) * 7
                values[i * columns + t] = blobCenters[(blob % 5) * columns + t] + noise + Float(blob / 5)
            }
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    struct Shape: Sendable, CustomStringConvertible {
        let rows, columns, count, retries: Int
        let seed: Int64
        var distinct = 0
        var description: String {
            "n=\(rows) d=\(columns) k=\(count) r=\(retries) seed=\(seed) distinct=\(distinct)"
        }
    }

    static let shapes: [Shape] = [
        Shape(rows: 3001, columns: 13, count: 5, retries: -1, seed: 7),  // parallel pass, odd rows, d % 8 = 5
        Shape(rows: 1001, columns: 12, count: 6, retries: 0, seed: 3),  // half packets on the odd last row
        Shape(rows: 2999, columns: 8, count: 4, retries: 2, seed: 1),
        Shape(rows: 257, columns: 20, count: 9, retries: -1, seed: 9),
        Shape(rows: 9001, columns: 2, count: 6, retries: 3, seed: 11),  // two-column SIMD path, parallel
        Shape(rows: 40001, columns: 2, count: 3, retries: 2, seed: 5),  // potentials summed in parallel
        Shape(rows: 501, columns: 1, count: 4, retries: 1, seed: 2),
        Shape(rows: 400, columns: 3, count: 10, retries: 1, seed: 4, distinct: 4),  // fallback after 4 centres
        Shape(rows: 64, columns: 2, count: 12, retries: 0, seed: 8, distinct: 8),
        Shape(rows: 1503, columns: 5, count: 4, retries: 11, seed: 13),  // two candidate groups per round
        Shape(rows: 777, columns: 2, count: 5, retries: 9, seed: 14),
        Shape(rows: 300, columns: 4, count: 30, retries: 16, seed: 15, distinct: 20),  // full groups, then fallback
        Shape(rows: 2001, columns: 37, count: 7, retries: -1, seed: 16),  // packets and a 5-column tail
        Shape(rows: 1201, columns: 128, count: 5, retries: 6, seed: 17),  // 4 + 2 + 1 candidates per block
        Shape(rows: 4003, columns: 16, count: 12, retries: 3, seed: 18),  // several centres per blob
    ]

    @Test("optimised kernel equals the reference", arguments: shapes)
    func matchesReference(shape: Shape) throws {
        let points = Self.points(rows: shape.rows, columns: shape.columns, seed: UInt64(shape.seed), distinct: shape.distinct)
        let fast = try KMeansPlusPlus.sampleIndices(
            points: points, count: shape.count, seed: shape.seed, retriesPerSample: shape.retries)
        let reference = ReferenceKernel.sample(
            points: points, count: shape.count, seed: shape.seed, retries: shape.retries)
        #expect(fast == reference)
        #expect(Set(fast).count == shape.count)
    }

    @Test("every kernel variant (AVX-512, AVX2, portable) equals the reference", arguments: shapes)
    func everyVariantMatchesReference(shape: Shape) throws {
        let points = Self.points(rows: shape.rows, columns: shape.columns, seed: UInt64(shape.seed), distinct: shape.distinct)
        let reference = ReferenceKernel.sample(
            points: points, count: shape.count, seed: shape.seed, retries: shape.retries)
        for isa in KernelInstructionSet.allCases where isa.rawValue <= DistanceKernels.supportedInstructionSet.rawValue {
            let fast = try KMeansPlusPlus.sampleIndices(
                points: points, count: shape.count, seed: shape.seed, retriesPerSample: shape.retries,
                instructionSet: isa)
            #expect(fast == reference, "\(isa)")
        }
    }

    @Test("the C kernel's row dot product is Eigen's GEMV order for every length 0...40")
    func kernelRowDot() {
        var rng = SimplePhilox(PhiloxRandom(seed: 78))
        for length in 0...40 {
            let x = (0..<length).map { _ in (rng.randFloat() - 0.5) * Float(1 << Int(rng.rand32() % 20)) }
            let y = (0..<length).map { _ in (rng.randFloat() - 0.5) * Float(1 << Int(rng.rand32() % 20)) }
            for half in [false, true] {
                let dot = kmk_kpp_row_dot(x, y, Int64(length), half ? 1 : 0)
                let expected = ReferenceKernel.gemvDot(x + y, x: 0, y: length, count: length, halfPackets: half)
                #expect(dot.bitPattern == expected.bitPattern, "length \(length), half \(half)")
            }
        }
    }

    @Test("Eigen reduction orders: sum, squared norm and GEMV dot for every length 1...40")
    func reductionOrders() {
        var rng = SimplePhilox(PhiloxRandom(seed: 77))
        for length in 1...40 {
            // Wide magnitudes make the order visible in the rounding.
            let x = (0..<length).map { _ in (rng.randFloat() - 0.5) * Float(1 << Int(rng.rand32() % 20)) }
            let y = (0..<length).map { _ in (rng.randFloat() - 0.5) * Float(1 << Int(rng.rand32() % 20)) }
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    let sum = EigenOrder.sum(xs.baseAddress!, count: length)
                    #expect(sum.bitPattern == ReferenceKernel.eigenSum(x).bitPattern, "sum, length \(length)")
                    let norm = EigenOrder.sumOfSquares(xs.baseAddress!, count: length)
                    #expect(norm.bitPattern == ReferenceKernel.eigenSum(x.map { $0 * $0 }).bitPattern, "norm, length \(length)")
                    for half in [false, true] {
                        let dot = EigenOrder.gemvRowDot(xs.baseAddress!, ys.baseAddress!, count: length, halfPackets: half)
                        let expected = ReferenceKernel.gemvDot(x + y, x: 0, y: length, count: length, halfPackets: half)
                        #expect(dot.bitPattern == expected.bitPattern, "dot, length \(length), half \(half)")
                    }
                }
            }
        }
    }

    @Test("non-finite points terminate with in-bounds indices", arguments: [-1, 0, 2])
    func nonFinitePoints(retries: Int) throws {
        var values = Self.points(rows: 50, columns: 3, seed: 21).values
        values[3 * 7] = .nan
        values[3 * 49 + 1] = .infinity
        let points = Matrix(rows: 50, columns: 3, values: values)
        let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 6, seed: 4, retriesPerSample: retries)
        #expect(indices.count == 6)
        #expect(indices.allSatisfy { (0..<50).contains($0) })
    }

    @Test("zero columns: every distance is 0, so draws after the first fall back to uniform")
    func zeroColumns() throws {
        let points = Matrix(rows: 7, columns: 0)
        let indices = try KMeansPlusPlus.sampleIndices(points: points, count: 7, seed: 1, retriesPerSample: 2)
        #expect(indices.sorted() == Array(0..<7))
    }
}
