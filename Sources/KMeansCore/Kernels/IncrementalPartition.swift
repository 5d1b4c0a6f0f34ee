import CKMeansKernels

/// One partition's share of an ``IncrementalState`` pass: the bound test per point, the Lloyd kernel on the rows
/// that fail it (gathered in chunks), and this partition's changes to the float64 sums, squares and counts.
struct IncrementalPartition {
    /// Rows searched together.
    static let chunk = 256

    private let x: UnsafePointer<Float>
    private let indices: UnsafeMutablePointer<Int32>
    private let upper: UnsafeMutablePointer<Float>
    private let lower: UnsafeMutablePointer<Float>
    private let normsSquared: UnsafeMutablePointer<Float>
    /// This partition's block: k·d sums, then k sums of ‖x‖², then k counts.
    private let delta: UnsafeMutablePointer<Double>
    private let centers: PackedCenters.Pointers
    private let bounds: PassBounds
    private let d: Int
    private let k: Int
    private var pending: [Int] = []
    private var rows: [Float]
    private var found: [Int32]
    private var distances: [Float]

    init(shared: IncrementalPassPointers, centers: PackedCenters.Pointers, bounds: PassBounds, d: Int, k: Int,
         deltaOffset: Int) {
        x = shared.points.readOnly!
        indices = shared.indices.pointer!
        upper = shared.upper.pointer!
        lower = shared.lower.pointer!
        normsSquared = shared.normsSquared.pointer!
        delta = shared.deltas.pointer! + deltaOffset
        self.centers = centers
        self.bounds = bounds
        self.d = d
        self.k = k
        pending.reserveCapacity(Self.chunk)
        rows = [Float](repeating: 0, count: Self.chunk * max(d, 1))
        found = [Int32](repeating: 0, count: Self.chunk)
        distances = [Float](repeating: 0, count: Self.chunk * k)
    }

    /// Runs the partition's rows; returns (rows read, rows searched).
    mutating func run(_ range: Range<Int>) -> (read: Int, searched: Int) {
        var read = 0, searched = 0
        if bounds.firstPass {
            for i in range { enqueue(i, &searched) }
            flush(&searched)
            return (range.count, searched)
        }
        let maximumNormSquared = Double(bounds.maximumNormSquared), partSlack = Double(bounds.partSlack)
        let (shift, otherShift, halfGap) = (bounds.shift, bounds.otherShift, bounds.halfGap)
        shift.withUnsafeBufferPointer { shift in
            otherShift.withUnsafeBufferPointer { otherShift in
                halfGap.withUnsafeBufferPointer { halfGap in
                    for i in range {
                        let a = Int(indices[i])
                        let u = (upper[i] + shift[a]).nextUp
                        let l = (lower[i] - otherShift[a]).nextDown
                        let margin = partSlack * (Double(normsSquared[i]) + maximumNormSquared)
                        upper[i] = u
                        lower[i] = l
                        if Self.settles(upper: u, lower: l, halfGap: halfGap[a], margin: margin) { continue }
                        // The bounds did not hold: tighten the upper bound with the exact distance (one read of the row).
                        read += 1
                        let tight = exactDistance(i, a)
                        upper[i] = tight
                        if Self.settles(upper: tight, lower: l, halfGap: halfGap[a], margin: margin) { continue }
                        enqueue(i, &searched)
                    }
                }
            }
        }
        flush(&searched)
        return (read, searched)
    }

    /// Whether centre a stays the kernel's nearest: every other centre is at least max(l, 2·halfGap − u) away, and
    /// u² plus the kernel's rounding margin (on both parts) stays below that squared.
    @inline(__always)
    private static func settles(upper u: Float, lower l: Float, halfGap: Float, margin: Double) -> Bool {
        let others = max(l, (2 * halfGap - u).nextDown)
        guard others > 0 else { return false }
        let near = Double(u), far = Double(others)
        return near * near + margin < far * far
    }

    /// ‖x_i − c_a‖ in float64, rounded up to float32.
    @inline(__always)
    private func exactDistance(_ i: Int, _ a: Int) -> Float {
        let row = x + i * d, center = centers.centers! + a * d
        var s = 0.0
        for t in 0..<d {
            let diff = Double(row[t]) - Double(center[t])
            s += diff * diff
        }
        return Float(s.squareRoot() * (1 + 1e-9)).nextUp
    }

    private mutating func enqueue(_ i: Int, _ searched: inout Int) {
        pending.append(i)
        if pending.count == Self.chunk { flush(&searched) }
    }

    /// Searches the pending rows: the Lloyd kernel's index, bounds from all k distances (widened by their rounding),
    /// and the move of every row that changed cluster into this partition's deltas.
    private mutating func flush(_ searched: inout Int) {
        let count = pending.count
        guard count > 0 else { return }
        let (d, k) = (d, k)
        rows.withUnsafeMutableBufferPointer { gathered in
            for q in 0..<count { (gathered.baseAddress! + q * d).update(from: x + pending[q] * d, count: d) }
            found.withUnsafeMutableBufferPointer { best in
                kmk_assign(0, gathered.baseAddress, Int64(count), Int64(d), centers.centers, centers.packed,
                           centers.halfNorms, Int64(k), best.baseAddress, nil, nil, nil, nil, 0)
            }
            distances.withUnsafeMutableBufferPointer { all in
                kmk_all_distances(0, gathered.baseAddress, Int64(count), Int64(d), centers.packed, centers.norms,
                                  Int64(k), all.baseAddress)
            }
        }
        let centerNorms = centers.norms!
        let sums = delta, squares = delta + k * d, counts = delta + k * d + k
        let slack = Double(bounds.distanceSlack)
        found.withUnsafeBufferPointer { found in
            distances.withUnsafeBufferPointer { all in
                pending.withUnsafeBufferPointer { pending in
                    for q in 0..<count {
                        let i = pending[q]
                        let row = x + i * d
                        var normSquared = 0.0
                        for t in 0..<d { normSquared += Double(row[t]) * Double(row[t]) }
                        let a = Int(found[q])
                        let distanceRow = all.baseAddress! + q * k
                        let near = Double(distanceRow[a]) + slack * (normSquared + Double(centerNorms[a]))
                        var far = Double.infinity
                        for j in 0..<k where j != a {
                            far = min(far, Double(distanceRow[j]) - slack * (normSquared + Double(centerNorms[j])))
                        }
                        upper[i] = Float(max(near, 0).squareRoot() * (1 + 1e-6)).nextUp
                        lower[i] = far == .infinity ? .infinity : Float(max(far, 0).squareRoot() * (1 - 1e-6)).nextDown
                        normsSquared[i] = Float(normSquared * (1 + 1e-6))
                        let old = Int(indices[i])
                        if old != a {
                            if old >= 0 {
                                for t in 0..<d { sums[old * d + t] -= Double(row[t]) }
                                squares[old] -= normSquared
                                counts[old] -= 1
                            }
                            for t in 0..<d { sums[a * d + t] += Double(row[t]) }
                            squares[a] += normSquared
                            counts[a] += 1
                            indices[i] = Int32(a)
                        }
                    }
                }
            }
        }
        searched += count
        pending.removeAll(keepingCapacity: true)
    }
}
