import Testing
@testable import KMeansCore

/// TF's full-batch fixture replayed through both kernel paths (fast and reference) and Hamerly: every path must
/// reproduce TF's centres bit for bit (the fixture has no near-ties: its smallest assignment gap is 92).
@Suite("Kernels reproduce TF's full-batch fixture")
struct KernelTFParityTests {
    enum Path: String, CaseIterable, Sendable { case reference, fast, fastPortable, hamerly }

    /// TF's update: S / (N + 1e-6f), empty cluster → origin.
    private static func update(_ pass: LloydPass, k: Int, d: Int) -> Matrix {
        var values = [Float](repeating: 0, count: k * d)
        for j in 0..<k {
            for t in 0..<d { values[j * d + t] = pass.sums[j * d + t] / (pass.counts[j] + Float(1e-6)) }
        }
        return Matrix(rows: k, columns: d, values: values)
    }

    @Test("ten Euclidean steps give TF's centres and losses", arguments: Path.allCases)
    func euclideanSteps(path: Path) throws {
        let points = try matrix(try loadFixture("input_points")["points_float32"])
        let fixture = try loadFixture("full_batch_explicit")
        var centers = try matrix(fixture["initial_centers_given"])
        let steps = try #require(fixture["iterations"] as? [[String: Any]])
        let losses = try #require(fixture["training_loss_per_step_(SSE_wrt_centres_before_update)"] as? [Any])
        var hamerly = HamerlyState()
        for (i, step) in steps.enumerated() {
            let pass: LloydPass
            switch path {
            case .reference: pass = DistanceKernels.referenceLloydPass(points: points, centers: centers, accumulate: true)
            case .fast: pass = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true)
            case .fastPortable:
                pass = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: true, threads: 2,
                                                 instructionSet: .portable)
            case .hamerly: pass = hamerly.pass(points: points, centers: centers, accumulate: true)
            }
            let loss = pass.distances.reduce(0, +)
            #expect(isClose(loss, try float(losses[i]), relative: 1e-5), "step \(i + 1): loss \(loss)")
            centers = Self.update(pass, k: centers.rows, d: centers.columns)
            #expect(centers == (try matrix(step["centers"])), "step \(i + 1): centres differ from TF")
        }
        let finalIndices = try ints(fixture["final_cluster_index"])
        let final = DistanceKernels.lloydPass(points: points, centers: centers, accumulate: false)
        #expect(final.indices.map(Int.init) == finalIndices)
    }

    @Test("all distances match TF's raw all_distances")
    func allDistances() throws {
        let points = try matrix(try loadFixture("input_points")["points_float32"])
        let fixture = try loadFixture("full_batch_explicit")
        let centers = try matrix(try #require(fixture["model_centers"] as? [Any]).last)
        let expected = try matrix(fixture["final_all_distances_raw"])
        let fast = DistanceKernels.allDistances(points: points, centers: centers)
        for i in 0..<points.rows {
            let scale = KernelTestData.roundingScale(points, i, centers)
            for j in 0..<centers.rows {
                #expect(abs(Double(fast[i, j]) - Double(expected[i, j])) <= 1e-5 * scale, "(\(i), \(j))")
            }
        }
    }
}
