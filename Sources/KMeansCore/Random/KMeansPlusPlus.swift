import Dispatch
import Foundation

/// TensorFlow's k-means++ seeding kernel, `KmeansPlusPlusInitialization` (`tensorflow/core/kernels/
/// clustering_ops.cc`, master `0639d5d`), reproduced bit-for-bit in float32.
///
/// The first centre is drawn uniformly (`Uniform64(n)`), later ones with probability proportional to the current
/// half squared distance to the nearest chosen centre (`RandFloat() · total` located in the prefix sums with
/// `upper_bound`), redrawing indices that were already chosen. With retries, each round draws `1 + r` candidates
/// and keeps the one whose *potential* (sum of the updated minimum distances) is strictly smallest, the first
/// among ties. All randomness comes from one ``SimplePhilox`` over `PhiloxRandom(seed)`.
///
/// Degenerate case (every unchosen point at distance 0 from the chosen centres, so the distance total is not
/// positive): like TF master, the draw falls back to `Uniform64(n)` (still redrawing chosen indices). TF 2.15
/// instead let `upper_bound` return `n`, read row `n` out of bounds and clamped the index to `n − 1`, so it
/// duplicated the last point; we do not reproduce that undefined behaviour.
///
/// Float arithmetic follows the Eigen expressions TF evaluates on an AVX build: squared norms and the potential
/// use Eigen's vectorised sum order (two 8-lane accumulators, lane tree, sequential tail), dot products Eigen's
/// row-major GEMV order (8-lane packets, 4-lane half packets on the odd last row, sequential tail), no FMA. For
/// fewer than four columns every one of these is a plain left-to-right sum.
public enum KMeansPlusPlus {
    /// The number of extra candidates per centre TF uses: `retriesPerSample` itself when non-negative, else the
    /// kernel's heuristic `2 + ⌊ln count⌋`.
    public static func effectiveRetries(count: Int, retriesPerSample: Int) -> Int {
        retriesPerSample >= 0 ? retriesPerSample : 2 + Int(log(Double(count)))
    }

    /// Chooses `count` distinct row indices of `points` as initial centres, exactly as TF's kernel does for
    /// `(points, num_to_sample = count, seed, num_retries_per_sample = retriesPerSample)`.
    ///
    /// - Parameters:
    ///   - points: the data, one point per row (float32, as TF sees it).
    ///   - count: how many centres to choose, `1...points.rows`.
    ///   - seed: the kernel seed `S` (see ``TFSeeds/kmeansPlusPlusSeed``); its 64 bits are the Philox key.
    ///   - retriesPerSample: extra candidates per centre; negative selects `2 + ⌊ln count⌋`.
    /// - Returns: the chosen row indices in selection order.
    /// - Throws: ``KMeansPlusPlusError`` when there are no points, `count <= 0` or `count > points.rows`.
    public static func sampleIndices(points: Matrix, count: Int, seed: Int64, retriesPerSample: Int) throws -> [Int] {
        let n = points.rows
        guard n > 0 else { throw KMeansPlusPlusError.noPoints }
        guard count > 0 else { throw KMeansPlusPlusError.nonPositiveCount(count) }
        guard count <= n else { throw KMeansPlusPlusError.countExceedsRows(count: count, rows: n) }
        let retries = effectiveRetries(count: count, retriesPerSample: retriesPerSample)
        return points.values.withUnsafeBufferPointer { values in
            var sampler = Sampler(
                values: values.baseAddress, rows: n, columns: points.columns,
                seed: UInt64(bitPattern: seed))
            defer { sampler.deallocate() }
            return sampler.run(count: count, retries: retries)
        }
    }

    /// The chosen rows themselves (TF's kernel output): ``sampleIndices(points:count:seed:retriesPerSample:)``
    /// gathered from `points`.
    public static func sampleCenters(points: Matrix, count: Int, seed: Int64, retriesPerSample: Int) throws -> Matrix {
        let indices = try sampleIndices(points: points, count: count, seed: seed, retriesPerSample: retriesPerSample)
        return points.gathering(rows: indices)
    }
}

/// The kernel's state: buffers allocated once per call, reused for every candidate.
private struct Sampler {
    let values: UnsafePointer<Float>?
    let rows: Int
    let columns: Int
    var rng: SimplePhilox
    let halfNorms: UnsafeMutableBufferPointer<Float>
    var minDistances: UnsafeMutableBufferPointer<Float>
    let cumulative: UnsafeMutableBufferPointer<Float>
    var candidate: UnsafeMutableBufferPointer<Float>
    var best: UnsafeMutableBufferPointer<Float>
    let chosen: UnsafeMutableBufferPointer<Bool>
    var anyChosen = false

    init(values: UnsafePointer<Float>?, rows: Int, columns: Int, seed: UInt64) {
        self.values = values
        self.rows = rows
        self.columns = columns
        rng = SimplePhilox(PhiloxRandom(seed: seed))
        halfNorms = .allocate(capacity: rows)
        minDistances = .allocate(capacity: rows)
        cumulative = .allocate(capacity: rows)
        candidate = .allocate(capacity: rows)
        best = .allocate(capacity: rows)
        chosen = .allocate(capacity: rows)
        minDistances.initialize(repeating: .infinity)
        cumulative.initialize(repeating: 0)
        candidate.initialize(repeating: 0)
        best.initialize(repeating: 0)
        chosen.initialize(repeating: false)
        if let values {
            for i in 0..<rows {
                halfNorms[i] = 0.5 * EigenOrder.sumOfSquares(values + i * columns, count: columns)
            }
        } else {
            halfNorms.initialize(repeating: 0)
        }
    }

    func deallocate() {
        halfNorms.deallocate()
        minDistances.deallocate()
        cumulative.deallocate()
        candidate.deallocate()
        best.deallocate()
        chosen.deallocate()
    }

    mutating func run(count: Int, retries: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            if i > 0 {
                // std::partial_sum: strictly sequential float32.
                var running = minDistances[0]
                cumulative[0] = running
                for j in 1..<rows {
                    running += minDistances[j]
                    cumulative[j] = running
                }
            }
            let next: Int
            if retries == 0 {
                next = draw()
                distancePass(candidate: next, into: minDistances)
            } else {
                next = drawWithRetries(retries)
            }
            let index = min(next, rows - 1)
            result.append(index)
            chosen[index] = true
            anyChosen = true
        }
        return result
    }

    /// `1 + retries` candidates; keeps the strictly lowest potential (the first on ties).
    private mutating func drawWithRetries(_ retries: Int) -> Int {
        var bestPotential = Float.infinity
        var bestIndex = 0
        var bestFound = false
        for _ in 0...retries {
            let index = draw()
            distancePass(candidate: index, into: candidate)
            let potential = EigenOrder.sum(UnsafePointer(candidate.baseAddress!), count: rows)
            if potential < bestPotential {
                bestPotential = potential
                bestIndex = index
                bestFound = true
                swap(&candidate, &best)
            }
        }
        if bestFound {
            swap(&minDistances, &best)
        } else {
            // No potential below +inf (NaN or overflowing data): TF keeps index 0 with an unset distance vector;
            // we keep index 0 and update the distances as if it had been chosen.
            distancePass(candidate: 0, into: minDistances)
        }
        return bestIndex
    }

    /// TF's `draw_one_sample` (master): uniform first, then D²-weighted with the uniform fallback.
    private mutating func draw() -> Int {
        if !anyChosen {
            return Int(rng.uniform64(UInt64(rows)))
        }
        var index = 0
        repeat {
            let total = cumulative[rows - 1]
            if !(total > 0) {
                index = Int(rng.uniform64(UInt64(rows)))
            } else {
                index = min(upperBound(rng.randFloat() * total), rows - 1)
            }
        } while chosen[index]
        return index
    }

    /// First index whose prefix sum is greater than `value` (`std::upper_bound`), `rows` if none.
    private func upperBound(_ value: Float) -> Int {
        var low = 0, high = rows
        while low < high {
            let mid = (low &+ high) >> 1
            if value < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// `output[j] = min(minDistances[j], D(s)[j])` with `D(s)[j] = (h[j] − ⟨p_j, p_s⟩) + h[s]`; `output` may be
    /// `minDistances` itself.
    private func distancePass(candidate s: Int, into output: UnsafeMutableBufferPointer<Float>) {
        DistancePass(
            values: values, rows: rows, columns: columns, halfNorms: UnsafePointer(halfNorms.baseAddress!),
            current: UnsafePointer(minDistances.baseAddress!), output: output.baseAddress!, candidate: s
        ).run()
    }
}

/// One candidate's update of the minimum distances, split over the cores in disjoint row ranges (each element is
/// computed independently, so the split never changes a result).
private struct DistancePass: @unchecked Sendable {
    let values: UnsafePointer<Float>?
    let rows: Int
    let columns: Int
    let halfNorms: UnsafePointer<Float>
    let current: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let candidate: Int

    /// Below this many multiply-adds a pass stays on the calling thread.
    private static let parallelThreshold = 1 << 16
    private static let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    func run() {
        let work = rows * max(columns, 1)
        let chunks = work >= Self.parallelThreshold ? Self.workers : 1
        if chunks == 1 {
            process(0..<rows)
            return
        }
        // Chunk bounds on multiples of 8 keep the 8-point SIMD path aligned to the same rows in every split.
        let perChunk = ((rows + chunks - 1) / chunks + 7) & ~7
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = min(chunk * perChunk, rows)
            let upper = min(lower + perChunk, rows)
            if lower < upper { process(lower..<upper) }
        }
    }

    private func process(_ range: Range<Int>) {
        let hs = halfNorms[candidate]
        guard let values else {
            for j in range { output[j] = Self.minimum(current[j], (halfNorms[j] - 0) + hs) }
            return
        }
        let y = values + candidate * columns
        // Eigen's GEMV treats the last row of an odd row count on its own (half packets).
        let oddLastRow = rows % 2 == 1 ? rows - 1 : -1
        if columns == 2 {
            processTwoColumns(range, y: y, hs: hs, values: values)
            return
        }
        for j in range {
            let dot = EigenOrder.gemvRowDot(
                values + j * columns, y, count: columns, halfPackets: j == oddLastRow)
            output[j] = Self.minimum(current[j], (halfNorms[j] - dot) + hs)
        }
    }

    /// Two columns, eight points per step (the dot is `(0 + x·sx) + y·sy` for every row, as in Eigen).
    private func processTwoColumns(_ range: Range<Int>, y: UnsafePointer<Float>, hs: Float, values: UnsafePointer<Float>) {
        let sx = SIMD8<Float>(repeating: y[0]), sy = SIMD8<Float>(repeating: y[1])
        let hsv = SIMD8<Float>(repeating: hs)
        var j = range.lowerBound
        let raw = UnsafeRawPointer(values)
        while j + 8 <= range.upperBound {
            let pair = raw.loadUnaligned(fromByteOffset: j * 2 * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
            let dot = (SIMD8<Float>.zero + pair.evenHalf * sx) + pair.oddHalf * sy
            let h = UnsafeRawPointer(halfNorms).loadUnaligned(
                fromByteOffset: j * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            let m = UnsafeRawPointer(current).loadUnaligned(
                fromByteOffset: j * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            let d = (h - dot) + hsv
            let updated = m.replacing(with: d, where: d .< m)
            UnsafeMutableRawPointer(output).storeBytes(
                of: updated, toByteOffset: j * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            j += 8
        }
        while j < range.upperBound {
            let dot = (0 + values[2 * j] * y[0]) + values[2 * j + 1] * y[1]
            output[j] = Self.minimum(current[j], (halfNorms[j] - dot) + hs)
            j += 1
        }
    }

    /// Eigen's `cwiseMin` (`std::min(a, b)` = `b < a ? b : a`): keeps the current value unless the new one is
    /// strictly smaller, so NaN distances never replace a finite minimum.
    @inline(__always)
    static func minimum(_ current: Float, _ new: Float) -> Float {
        new < current ? new : current
    }
}

/// Float32 reduction orders of the Eigen code TF runs (AVX build: 8-float packets, SSE 4-float half packets).
enum EigenOrder {
    /// Eigen's `predux` of an 8-float packet: add the two 4-lane halves, then `(l0 + l2) + (l1 + l3)`.
    @inline(__always)
    static func reduce(_ packet: SIMD8<Float>) -> Float {
        reduce(packet.lowHalf + packet.highHalf)
    }

    /// Eigen's SSE `predux` of a 4-float packet: `(l0 + l2) + (l1 + l3)`.
    @inline(__always)
    static func reduce(_ packet: SIMD4<Float>) -> Float {
        (packet[0] + packet[2]) + (packet[1] + packet[3])
    }

    /// `VectorXf::sum()` (Eigen `redux_impl`, linear vectorised traversal from an aligned start): fewer than 8
    /// values add left to right; otherwise two packet accumulators over 16-value strides, merged, one more packet
    /// if 8 values remain, reduced, then the tail left to right.
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        sumOf(count: count) { load8(values, $0) } scalar: { values[$0] }
    }

    /// `row.squaredNorm()` in the same order as ``sum(_:count:)``, over the squares.
    static func sumOfSquares(_ values: UnsafePointer<Float>, count: Int) -> Float {
        sumOf(count: count) { let v = load8(values, $0); return v * v } scalar: { values[$0] * values[$0] }
    }

    @inline(__always)
    private static func sumOf(
        count: Int, packet: (Int) -> SIMD8<Float>, scalar: (Int) -> Float
    ) -> Float {
        guard count > 0 else { return 0 }
        let alignedSize = count / 8 * 8
        guard alignedSize > 0 else {
            var result = scalar(0)
            for index in 1..<count { result += scalar(index) }
            return result
        }
        let alignedSize2 = count / 16 * 16
        var accumulator0 = packet(0)
        if alignedSize > 8 {
            var accumulator1 = packet(8)
            var index = 16
            while index < alignedSize2 {
                accumulator0 += packet(index)
                accumulator1 += packet(index + 8)
                index += 16
            }
            accumulator0 += accumulator1
            if alignedSize > alignedSize2 { accumulator0 += packet(alignedSize2) }
        }
        var result = reduce(accumulator0)
        for index in alignedSize..<count { result += scalar(index) }
        return result
    }

    /// One row's dot product in Eigen's row-major GEMV order: 8-lane accumulators (multiply, then add), reduced;
    /// on the odd last row also 4-lane half packets, reduced and added; then the remaining columns one by one.
    @inline(__always)
    static func gemvRowDot(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int, halfPackets: Bool
    ) -> Float {
        var j = 0
        var result: Float = 0
        if count >= 8 {
            var accumulator = SIMD8<Float>.zero
            while j + 8 <= count {
                accumulator = load8(x, j) * load8(y, j) + accumulator
                j += 8
            }
            result = reduce(accumulator)
        }
        if halfPackets, j + 4 <= count {
            var accumulator = SIMD4<Float>.zero
            while j + 4 <= count {
                accumulator = load4(x, j) * load4(y, j) + accumulator
                j += 4
            }
            result += reduce(accumulator)
        }
        while j < count {
            result += x[j] * y[j]
            j += 1
        }
        return result
    }

    @inline(__always)
    private static func load8(_ base: UnsafePointer<Float>, _ index: Int) -> SIMD8<Float> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load4(_ base: UnsafePointer<Float>, _ index: Int) -> SIMD4<Float> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD4<Float>.self)
    }
}
