import CKMeansKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// Where TF would never finish, we fall back to a uniform draw instead. That happens when every unchosen point
/// weighs 0 but rounding leaves a chosen point a tiny positive distance to itself (duplicated points; Eigen sums
/// norms and dot products in different orders for 32+ columns and on the odd last row), so TF redraws that point
/// forever. Non-finite data (NaN or overflowing distances) is undefined in TF too: its candidate loop can keep
/// index 0 again and its draw can loop forever on an infinite total. We keep TF's choices wherever TF terminates,
/// may then return a duplicate index, and never hang or read out of bounds.
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
    ///   - isCancelled: asked before each centre after the first; when it returns true the sampling stops.
    /// - Returns: the chosen row indices in selection order.
    /// - Throws: ``KMeansPlusPlusError`` when there are no points, `count <= 0` or `count > points.rows`, or
    ///   ``KMeansPlusPlusError/cancelled``.
    public static func sampleIndices(points: Matrix, count: Int, seed: Int64, retriesPerSample: Int,
                                     isCancelled: (@Sendable () -> Bool)? = nil) throws -> [Int] {
        try sampleIndices(points: points, count: count, seed: seed, retriesPerSample: retriesPerSample,
                          instructionSet: .automatic, isCancelled: isCancelled)
    }

    /// ``sampleIndices(points:count:seed:retriesPerSample:)`` with the distance kernel's variant forced (tests run
    /// every variant this CPU supports; all give the same indices).
    static func sampleIndices(
        points: Matrix, count: Int, seed: Int64, retriesPerSample: Int, instructionSet: KernelInstructionSet,
        isCancelled: (@Sendable () -> Bool)? = nil
    ) throws -> [Int] {
        let n = points.rows
        guard n > 0 else { throw KMeansPlusPlusError.noPoints }
        guard count > 0 else { throw KMeansPlusPlusError.nonPositiveCount(count) }
        guard count <= n else { throw KMeansPlusPlusError.countExceedsRows(count: count, rows: n) }
        let retries = effectiveRetries(count: count, retriesPerSample: retriesPerSample)
        let indices = points.values.withUnsafeBufferPointer { values in
            var sampler = Sampler(
                values: values.baseAddress, rows: n, columns: points.columns,
                seed: UInt64(bitPattern: seed), retries: retries, isa: instructionSet.rawValue)
            defer { sampler.deallocate() }
            return sampler.run(count: count, retries: retries, isCancelled: isCancelled)
        }
        guard let indices else { throw KMeansPlusPlusError.cancelled }
        return indices
    }

    /// The chosen rows themselves (TF's kernel output): ``sampleIndices(points:count:seed:retriesPerSample:)``
    /// gathered from `points`.
    public static func sampleCenters(points: Matrix, count: Int, seed: Int64, retriesPerSample: Int) throws -> Matrix {
        let indices = try sampleIndices(points: points, count: count, seed: seed, retriesPerSample: retriesPerSample)
        return points.gathering(rows: indices)
    }
}

/// The kernel's state: buffers allocated once per call, reused for every round.
///
/// A round's `1 + r` candidates are drawn in groups of up to ``groupLimit`` before their distances are computed —
/// exactly TF's RNG order, because a draw depends only on the prefix sums and the chosen set, which are fixed
/// within a round — so one pass over the points serves a whole group; the group limit bounds memory for large `r`.
private struct Sampler {
    /// Most candidates evaluated in one pass over the points.
    static let groupLimit = 8

    let values: UnsafePointer<Float>?
    let rows: Int
    let columns: Int
    /// The C kernel's variant (``KernelInstructionSet`` raw value).
    let isa: Int32
    /// Candidates per round, `1 + r`.
    let slots: Int
    /// Candidates per pass, `min(slots, groupLimit)`.
    let groupSize: Int
    var rng: SimplePhilox
    let halfNorms: UnsafeMutableBufferPointer<Float>
    let cumulative: UnsafeMutableBufferPointer<Float>
    /// `groupSize + 2` distance vectors of `rows` floats, addressed by number: the current minimum distances, the
    /// best candidate's so far, and one per candidate of a group.
    let distanceStorage: UnsafeMutableBufferPointer<Float>
    var currentVector = 0
    var bestVector = 1
    let groupVectors: UnsafeMutableBufferPointer<Int>
    let groupOutputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Float>>
    let candidateIndices: UnsafeMutableBufferPointer<Int>
    let potentials: UnsafeMutableBufferPointer<Float>
    let chosen: UnsafeMutableBufferPointer<Bool>
    var anyChosen = false
    /// Whether some unchosen row can still be hit by a weighted draw this round; computed only after many redraws.
    var unchosenReachable: Bool?

    init(values: UnsafePointer<Float>?, rows: Int, columns: Int, seed: UInt64, retries: Int, isa: Int32) {
        self.values = values
        self.rows = rows
        self.columns = columns
        self.isa = isa
        slots = retries == .max ? .max : 1 + retries
        groupSize = min(slots, Self.groupLimit)
        rng = SimplePhilox(PhiloxRandom(seed: seed))
        halfNorms = .allocate(capacity: rows)
        cumulative = .allocate(capacity: rows)
        distanceStorage = .allocate(capacity: rows * (groupSize + 2))
        groupVectors = .allocate(capacity: groupSize)
        groupOutputs = .allocate(capacity: groupSize)
        candidateIndices = .allocate(capacity: groupSize)
        potentials = .allocate(capacity: groupSize)
        chosen = .allocate(capacity: rows)
        cumulative.initialize(repeating: 0)
        distanceStorage.initialize(repeating: .infinity)
        _ = groupVectors.initialize(from: 2..<(groupSize + 2))
        groupOutputs.initialize(repeating: distanceStorage.baseAddress!)
        candidateIndices.initialize(repeating: 0)
        potentials.initialize(repeating: 0)
        chosen.initialize(repeating: false)
        halfNorms.initialize(repeating: 0)
        if let values {
            let norms = SharedPointer(halfNorms.baseAddress!)
            let source = SharedPointer(values)
            let columns = columns
            DistancePass.forEachChunk(rows: rows, work: rows * columns) { range in
                for i in range {
                    norms.pointer![i] = 0.5 * EigenOrder.sumOfSquares(source.readOnly! + i * columns, count: columns)
                }
            }
        }
    }

    func deallocate() {
        halfNorms.deallocate()
        cumulative.deallocate()
        distanceStorage.deallocate()
        groupVectors.deallocate()
        groupOutputs.deallocate()
        candidateIndices.deallocate()
        potentials.deallocate()
        chosen.deallocate()
    }

    private func vector(_ number: Int) -> UnsafeMutablePointer<Float> {
        distanceStorage.baseAddress! + number * rows
    }

    /// The chosen indices, or nil when `isCancelled` returned true before a centre.
    mutating func run(count: Int, retries: Int, isCancelled: (@Sendable () -> Bool)?) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            if i > 0 {
                if let isCancelled, isCancelled() { return nil }
                // std::partial_sum: strictly sequential float32.
                let current = vector(currentVector)
                var running = current[0]
                cumulative[0] = running
                for j in 1..<rows {
                    running += current[j]
                    cumulative[j] = running
                }
                unchosenReachable = nil
            }
            let next = retries == 0 ? sampleOne() : sampleWithRetries()
            let index = min(next, rows - 1)
            result.append(index)
            chosen[index] = true
            anyChosen = true
        }
        return result
    }

    /// No retries: one draw, distances updated in place.
    private mutating func sampleOne() -> Int {
        candidateIndices[0] = draw()
        groupOutputs[0] = vector(currentVector)
        pass(count: 1)
        return candidateIndices[0]
    }

    /// `1 + retries` candidates; keeps the strictly lowest potential (the first on ties), like TF's loop.
    private mutating func sampleWithRetries() -> Int {
        var bestPotential = Float.infinity
        var bestIndex = -1
        var remaining = slots
        while remaining > 0 {
            let members = min(groupSize, remaining)
            // Drawing a group ahead of its distances keeps TF's draw order: draws never depend on distances.
            for member in 0..<members {
                candidateIndices[member] = draw()
                groupOutputs[member] = vector(groupVectors[member])
            }
            pass(count: members)
            sumPotentials(members)
            for member in 0..<members where potentials[member] < bestPotential {
                bestPotential = potentials[member]
                bestIndex = candidateIndices[member]
                swap(&bestVector, &groupVectors[member])
            }
            remaining -= members
        }
        guard bestIndex >= 0 else {
            // No potential below +inf (NaN or overflowing data): TF keeps index 0 with an unset distance vector;
            // we keep index 0 and update the distances as if it had been chosen.
            candidateIndices[0] = 0
            groupOutputs[0] = vector(currentVector)
            pass(count: 1)
            return 0
        }
        swap(&currentVector, &bestVector)
        return bestIndex
    }

    /// Eigen-order sums of the group's distance vectors, one candidate per thread when the vectors are long.
    private func sumPotentials(_ members: Int) {
        let rows = rows
        let sums = SharedPointer(potentials.baseAddress!)
        let vectors = SharedPointer(groupOutputs.baseAddress!)
        Parallel.forEach(members, threads: rows >= DistancePass.parallelRowThreshold ? nil : 1) { member in
            sums.pointer![member] = EigenOrder.sum(vectors.pointer![member], count: rows)
        }
    }

    /// TF's `draw_one_sample` (master): uniform first, then D²-weighted with the uniform fallback.
    private mutating func draw() -> Int {
        if !anyChosen {
            return Int(rng.uniform64(UInt64(rows)))
        }
        var index = 0
        var attempts = 0
        repeat {
            attempts += 1
            let total = cumulative[rows - 1]
            if !(total > 0) || (attempts > Self.redrawsBeforeCheck && !isUnchosenReachable()) {
                // The second case: all weight sits on chosen rows (rounding leaves chosen points a tiny positive
                // distance to themselves when their duplicates weigh 0), so TF would redraw forever.
                index = Int(rng.uniform64(UInt64(rows)))
            } else {
                let v = rng.randFloat() * total
                index = min(upperBound(v), rows - 1)
                if chosen[index] && !(v < cumulative[rows - 1]) {
                    // Only an infinite total puts v past every prefix sum; TF would then redraw the same chosen
                    // last row forever. Draw uniformly instead.
                    index = Int(rng.uniform64(UInt64(rows)))
                }
            }
        } while chosen[index]
        return index
    }

    /// Redraws of chosen rows tolerated before checking that an unchosen row can be drawn at all.
    static let redrawsBeforeCheck = 1_000

    /// Whether an unchosen row has a positive step in the prefix sums (the only rows `upper_bound` can return).
    private mutating func isUnchosenReachable() -> Bool {
        if let unchosenReachable { return unchosenReachable }
        var reachable = !chosen[0] && cumulative[0] > 0
        var j = 1
        while !reachable && j < rows {
            reachable = !chosen[j] && cumulative[j] > cumulative[j - 1]
            j += 1
        }
        unchosenReachable = reachable
        return reachable
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

    /// `groupOutputs[m][j] = min(current[j], D(candidateIndices[m])[j])` for `m < count`; an output may be the
    /// current vector itself.
    private func pass(count: Int) {
        DistancePass(
            values: values, rows: rows, columns: columns, halfNorms: UnsafePointer(halfNorms.baseAddress!),
            current: UnsafePointer(vector(currentVector)), outputs: UnsafePointer(groupOutputs.baseAddress!),
            candidates: UnsafePointer(candidateIndices.baseAddress!), count: count, isa: isa
        ).run()
    }
}

/// One group's update of the minimum distances, split over the cores in disjoint row ranges (each element is
/// computed independently, so the split never changes a result).
private struct DistancePass: Sendable {
    let rows: Int
    let columns: Int
    let count: Int
    /// The C kernel's variant.
    let isa: Int32
    private let shared: (values: SharedPointer<Float>, halfNorms: SharedPointer<Float>, current: SharedPointer<Float>,
                         outputs: SharedPointer<UnsafeMutablePointer<Float>>, candidates: SharedPointer<Int>)

    init(values: UnsafePointer<Float>?, rows: Int, columns: Int, halfNorms: UnsafePointer<Float>,
         current: UnsafePointer<Float>, outputs: UnsafePointer<UnsafeMutablePointer<Float>>,
         candidates: UnsafePointer<Int>, count: Int, isa: Int32) {
        self.rows = rows
        self.columns = columns
        self.count = count
        self.isa = isa
        shared = (SharedPointer(values), SharedPointer(halfNorms), SharedPointer(current), SharedPointer(outputs),
                  SharedPointer(candidates))
    }

    var values: UnsafePointer<Float>? { shared.values.readOnly }
    var halfNorms: UnsafePointer<Float> { shared.halfNorms.readOnly! }
    var current: UnsafePointer<Float> { shared.current.readOnly! }
    /// One output vector per candidate.
    var outputs: UnsafePointer<UnsafeMutablePointer<Float>> { shared.outputs.readOnly! }
    /// The candidates' row indices.
    var candidates: UnsafePointer<Int> { shared.candidates.readOnly! }

    /// Below this many multiply-adds a pass stays on the calling thread.
    private static let parallelThreshold = 1 << 16
    /// Below this many rows the potentials are summed on the calling thread.
    static let parallelRowThreshold = 1 << 15
    private static let workers = max(1, min(System.activeProcessorCount, 8))

    func run() {
        Self.forEachChunk(rows: rows, work: rows * max(columns, 1) * count) { process($0) }
    }

    /// Calls `body` on disjoint row ranges covering `0..<rows`, concurrently when `work` (multiply-adds) is large.
    /// Range bounds are multiples of 8, so the 8-point SIMD path sees the same rows in every split.
    static func forEachChunk(rows: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = work >= parallelThreshold ? workers * 4 : 1
        if chunks == 1 {
            body(0..<rows)
            return
        }
        let perChunk = ((rows + chunks - 1) / chunks + 7) & ~7
        Parallel.forEach(chunks) { chunk in
            let lower = min(chunk * perChunk, rows)
            let upper = min(lower + perChunk, rows)
            if lower < upper { body(lower..<upper) }
        }
    }

    private func process(_ range: Range<Int>) {
        guard let values, columns > 0 else {
            for member in 0..<count {
                let hs = halfNorms[candidates[member]]
                let output = outputs[member]
                for j in range { output[j] = Self.minimum(current[j], (halfNorms[j] - 0) + hs) }
            }
            return
        }
        if columns == 2 {
            for member in 0..<count {
                processTwoColumns(range, candidate: candidates[member], output: outputs[member], values: values)
            }
            return
        }
        // The C kernel: blocks of 4 rows × 2 (or 4) candidates, each lane in Eigen's GEMV order, no FMA.
        let outputSlots = UnsafeRawPointer(outputs).assumingMemoryBound(to: UnsafeMutablePointer<Float>?.self)
        candidates.withMemoryRebound(to: Int64.self, capacity: count) { candidates64 in
            kmk_kpp_update(
                isa, values, Int64(rows), Int64(columns), halfNorms, current, candidates64, Int64(count), outputSlots,
                Int64(range.lowerBound), Int64(range.upperBound))
        }
    }

    /// Two columns, eight points per step (the dot is `(0 + x·sx) + y·sy` for every row, as in Eigen).
    private func processTwoColumns(
        _ range: Range<Int>, candidate s: Int, output: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>
    ) {
        let y = values + 2 * s
        let hs = halfNorms[s]
        let sx = SIMD8<Float>(repeating: y[0]), sy = SIMD8<Float>(repeating: y[1])
        let hsv = SIMD8<Float>(repeating: hs)
        var j = range.lowerBound
        let raw = UnsafeRawPointer(values)
        let stride = MemoryLayout<Float>.stride
        while j + 8 <= range.upperBound {
            let pair = raw.loadUnaligned(fromByteOffset: j * 2 * stride, as: SIMD16<Float>.self)
            let dot = (SIMD8<Float>.zero + pair.evenHalf * sx) + pair.oddHalf * sy
            let h = UnsafeRawPointer(halfNorms).loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Float>.self)
            let m = UnsafeRawPointer(current).loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Float>.self)
            let d = (h - dot) + hsv
            let updated = m.replacing(with: d, where: d .< m)
            UnsafeMutableRawPointer(output).storeBytes(of: updated, toByteOffset: j * stride, as: SIMD8<Float>.self)
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
