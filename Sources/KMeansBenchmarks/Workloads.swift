import Foundation
import KMeansCore

/// One benchmark shape: N points of D dimensions in K Gaussian blobs, clustered with K centres.
struct BenchmarkCase: Codable, Sendable {
    let label: String
    let name: String
    let n: Int
    let d: Int
    let k: Int
    let seed: UInt64

    static let all: [BenchmarkCase] = [
        BenchmarkCase(label: "A", name: "n100k_d2_k8", n: 100_000, d: 2, k: 8, seed: 42),
        BenchmarkCase(label: "B", name: "n100k_d32_k64", n: 100_000, d: 32, k: 64, seed: 43),
        BenchmarkCase(label: "C", name: "n1m_d16_k16", n: 1_000_000, d: 16, k: 16, seed: 44),
        BenchmarkCase(label: "D", name: "n200k_d128_k256", n: 200_000, d: 128, k: 256, seed: 45),
    ]

    /// The named case ("A"…"D" or its name), or a custom shape written `n<N>_d<D>_k<K>` (e.g. `n200000_d2_k256`).
    static func named(_ text: String) -> BenchmarkCase? {
        if let known = all.first(where: { $0.label == text || $0.name == text }) { return known }
        let parts = text.split(separator: "_")
        guard parts.count == 3, parts[0].hasPrefix("n"), parts[1].hasPrefix("d"), parts[2].hasPrefix("k"),
              let n = Int(parts[0].dropFirst()), let d = Int(parts[1].dropFirst()), let k = Int(parts[2].dropFirst()),
              n > 0, d > 0, k > 0, k <= n else { return nil }
        return BenchmarkCase(label: text, name: text, n: n, d: d, k: k, seed: UInt64(n &* 31 &+ d &* 7 &+ k))
    }

    /// FLOPs of the distance work in one full-batch iteration (2·N·D·K).
    var flopsPerIteration: Double { 2 * Double(n) * Double(d) * Double(k) }
}

/// Data generation and mini-batch sampling draw from core's seeded SplitMix64.
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { nextUnit() }
    /// Uniform in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

enum DataSets {
    /// K Gaussian blobs with centres in U(−10, 10)^D and unit variance; blob of each point uniform.
    static func blobs(_ c: BenchmarkCase) -> Matrix {
        var random = SplitMix64(seed: c.seed)
        let means = (0..<(c.k * c.d)).map { _ in Float(random.unit() * 20 - 10) }
        var values = [Float](repeating: 0, count: c.n * c.d)
        values.withUnsafeMutableBufferPointer { v in
            var spare: Double? = nil
            for i in 0..<c.n {
                let b = random.below(c.k)
                for t in 0..<c.d {
                    let z: Double
                    if let s = spare {
                        z = s
                        spare = nil
                    } else {
                        let u1 = max(random.unit(), 1e-300), u2 = random.unit()
                        let r = (-2 * Foundation.log(u1)).squareRoot()
                        z = r * Foundation.cos(2 * Double.pi * u2)
                        spare = r * Foundation.sin(2 * Double.pi * u2)
                    }
                    v[i * c.d + t] = means[b * c.d + t] + Float(z)
                }
            }
        }
        return Matrix(rows: c.n, columns: c.d, values: values)
    }

    /// K distinct row indices chosen by seed, sorted.
    static func initialRows(_ c: BenchmarkCase) -> [Int] {
        var random = SplitMix64(seed: c.seed + 1000)
        var chosen = Set<Int>()
        while chosen.count < c.k { chosen.insert(random.below(c.n)) }
        return chosen.sorted()
    }

    /// Loads `<name>.x.npy` and `<name>.init.npy` from `directory`, creating them first when missing.
    static func load(_ c: BenchmarkCase, directory: String) throws -> (points: Matrix, initial: Matrix) {
        let xPath = "\(directory)/\(c.name).x.npy", initPath = "\(directory)/\(c.name).init.npy"
        if let x = try Npy.read(xPath), x.rows == c.n, x.columns == c.d,
           let i = try Npy.read(initPath), i.rows == c.k, i.columns == c.d {
            return (x, i)
        }
        let points = blobs(c)
        let initial = points.gathering(rows: initialRows(c))
        try Npy.write(points.values, rows: c.n, columns: c.d, to: xPath)
        try Npy.write(initial.values, rows: c.k, columns: c.d, to: initPath)
        return (points, initial)
    }
}

/// The benchmark's full-batch loop around the kernels. The centre update is scikit-learn's (mean of the assigned
/// points; an empty cluster takes the point farthest from its centre) so that final inertias are comparable.
struct LloydLoop {
    enum Algorithm: String { case lloyd, hamerly }

    let points: Matrix
    let threads: Int?
    let algorithm: Algorithm
    private var pass = LloydPass(indices: [], distances: [], sums: [], counts: [])
    private var hamerly = HamerlyState()
    private(set) var relocations = 0
    /// Points that needed a full search, summed over the passes (Hamerly only).
    private(set) var fullSearches = 0

    init(points: Matrix, threads: Int?, algorithm: Algorithm) {
        self.points = points
        self.threads = threads
        self.algorithm = algorithm
    }

    mutating func run(from initial: Matrix, iterations: Int) -> Matrix {
        var centers = initial
        hamerly.reset()
        for _ in 0..<iterations {
            switch algorithm {
            case .lloyd:
                DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: threads,
                                          computeDistances: false, into: &pass)
            case .hamerly:
                hamerly.pass(points: points, centers: centers, accumulate: true, threads: threads, into: &pass)
                fullSearches += hamerly.lastFullSearchCount
            }
            centers = update(centers)
        }
        return centers
    }

    private mutating func update(_ old: Matrix) -> Matrix {
        let k = old.rows, d = old.columns
        var sums = pass.sums, counts = pass.counts
        let empty = (0..<k).filter { counts[$0] == 0 }
        if !empty.isEmpty {
            relocations += empty.count
            if pass.distances.count != points.rows {
                // The pass's own distances, from the assignments it made (O(n·d), like scikit-learn's relocation).
                pass.distances = DistanceKernels.assignedDistances(points: points, centers: old, indices: pass.indices,
                                                                   threads: threads)
            }
            // The points farthest from their centres, farthest first.
            let far = FarthestPoints.indices(empty.count, of: pass.distances)
            for (cluster, i) in zip(empty, far) {
                let from = Int(pass.indices[i])
                for t in 0..<d {
                    sums[from * d + t] -= points[i, t]
                    sums[cluster * d + t] = points[i, t]
                }
                counts[from] -= 1
                counts[cluster] = 1
            }
        }
        var values = [Float](repeating: 0, count: k * d)
        for j in 0..<k where counts[j] > 0 {
            for t in 0..<d { values[j * d + t] = sums[j * d + t] / counts[j] }
        }
        for j in 0..<k where counts[j] == 0 {
            for t in 0..<d { values[j * d + t] = old[j, t] }
        }
        return Matrix(rows: k, columns: d, values: values)
    }
}

enum Measure {
    /// Seconds taken by `body`.
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Wall seconds and CPU seconds (user + system, all threads of this process) taken by `body`.
    static func wallAndCPU(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        let cpuBefore = cpuSeconds()
        let wall = seconds(body)
        return (wall, cpuSeconds() - cpuBefore)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Exact float64 inertia Σ min_j ‖x − c_j‖² (nearest centre from the kernel, distance in float64).
    static func inertia(points: Matrix, centers: Matrix) -> Double {
        let pass = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false, threads: nil,
                                             computeDistances: false)
        let d = points.columns
        var total = 0.0
        points.values.withUnsafeBufferPointer { x in
            centers.values.withUnsafeBufferPointer { c in
                for i in 0..<points.rows {
                    let j = Int(pass.indices[i])
                    var s = 0.0
                    for t in 0..<d {
                        let diff = Double(x[i * d + t]) - Double(c[j * d + t])
                        s += diff * diff
                    }
                    total += s
                }
            }
        }
        return total
    }

    /// Peak resident set size of this process so far, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// Current resident set size of this process, in bytes (from /proc/self/statm).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The 1-minute load average (what `uptime` prints first).
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
              let first = text.split(separator: " ").first, let value = Double(first) else { return -1 }
        return value
    }
}
