import Foundation
import Testing
@testable import KMeansCore

/// The init state machine, TF's edge cases (`edge_cases.json`) and the step halves of `ModelFunction`.
@Suite("ModelFunction")
struct ModelFunctionTests {
    let points: Matrix
    let edges: [String: Any]

    init() throws {
        points = try inputPoints()
        edges = try loadFixture("edge_cases")
    }

    @Test("initial state per mode, as TF's model.ckpt-0")
    func initialStates() throws {
        let full = try ModelFunction(params: KMeansParams(numClusters: 4, useMiniBatch: false)).initialState()
        #expect(full.clusters.rows == 0 && !full.initialized && full.globalStep == 0)
        #expect(full.clusterCounts == nil && full.clustersUpdated == nil && full.updateInSteps == nil)
        let m1 = try ModelFunction(params: KMeansParams(numClusters: 4)).initialState()
        #expect(m1.clusterCounts == [1, 1, 1, 1] && m1.clustersUpdated == nil && m1.updateInSteps == nil)
        let m3 = try ModelFunction(params: KMeansParams(numClusters: 4, miniBatchStepsPerIteration: 3)).initialState()
        #expect(m3.clusterCounts == [0, 0, 0, 0] && m3.clustersUpdated?.rows == 0 && m3.updateInSteps == 3)
        let mZero = try ModelFunction(params: KMeansParams(numClusters: 4, miniBatchStepsPerIteration: 0)).initialState()
        #expect(mZero.clusterCounts == [1, 1, 1, 1] && mZero.updateInSteps == nil, "M ≤ 1 behaves like 1")
    }

    @Test("random init with batches smaller than k: whole batches, then a Philox draw (edge_cases, seed 7)")
    func randomInitMultiBatch() throws {
        let fixture = try #require(edges["random_init_batch_smaller_than_k"] as? [String: Any])
        let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: .random, randomSeed: 7, useMiniBatch: false))
        var state = model.initialState()
        for b in 0..<3 {
            #expect(!state.initialized)
            state = try model.initialize(state, batch: points.rows((2 * b)..<(2 * b + 2)))
            #expect(state.clusters.rows == min(2 * b + 2, 5))
        }
        #expect(state.initialized)
        #expect(state.clusters == (try matrix(fixture["initial_centers"])))
        // Initialized: further init runs are no-ops.
        #expect(try model.initialize(state, batch: points) == state)
    }

    @Test("random and k-means++ init reproduce TF's centres for each tf_random_seed (edge_cases seed_handling)")
    func seedHandling() throws {
        let rows = try #require(edges["seed_handling"] as? [[String: Any]])
        var checked = 0
        for row in rows {
            guard let seed = (row["effective_seed"] as? NSNumber)?.int64Value else { continue }
            let initial: InitialClusters = try InitialClusters(tfName: try #require(row["initial_clusters"] as? String))
            let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: initial, randomSeed: seed))
            let state = try model.initialize(model.initialState(), batch: points)
            #expect(state.clusters == (try matrix(row["initial_centers"])), "\(initial.name) seed \(seed)")
            checked += 1
        }
        #expect(checked == 12)
    }

    @Test("the docstring example's random init (tf_random_seed = 1) picks rows [78, 19, 43, 46, 69]")
    func docstringExampleInit() throws {
        let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: .random, randomSeed: 1, useMiniBatch: false))
        let state = try model.initialize(model.initialState(), batch: points)
        #expect(state.clusters == points.gathering(rows: [78, 19, 43, 46, 69]))
    }

    @Test("callable init on successive batches, then a full-batch step (edge_cases callable_initial_clusters)")
    func callableInit() throws {
        let fixture = try #require(edges["callable_initial_clusters"] as? [String: Any])
        let firstRows: @Sendable (Matrix, Int) throws -> Matrix = { batch, k in batch.rows(0..<min(k, batch.rows)) }
        let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: .callable(firstRows), useMiniBatch: false))
        var state = try model.initialize(model.initialState(), batch: points.rows(0..<3))
        #expect(state.clusters.rows == 3 && !state.initialized)
        state = try model.initialize(state, batch: points.rows(3..<6))
        #expect(state.clusters == points.rows(0..<5) && state.initialized)
        // TF's init swallowed batches 0 and 1, so its first step ran on batch 2.
        state = try model.trainStep(state, batch: points.rows(6..<9)).state
        #expect(maxRelativeDifference(state.clusters, try matrix(fixture["centers_after_1_step"])) <= 1e-6)
    }

    @Test("callable returning too many rows or ragged rows is an error; zero rows leaves init pending")
    func callableErrors() throws {
        let tooMany = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .callable { batch, _ in batch }))
        guard case .initializationFailed? = catchError({ _ = try tooMany.initialize(tooMany.initialState(), batch: points.rows(0..<3)) }) else {
            Issue.record("expected initializationFailed"); return
        }
        let none = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .callable { batch, _ in Matrix(rows: 0, columns: batch.columns) }))
        let state = try none.initialize(none.initialState(), batch: points)
        #expect(!state.initialized && state.clusters.rows == 0)
    }

    @Test("a non-finite initial centre, explicit or from the callable, is named by row, column and value")
    func nonFiniteInitialCenters() throws {
        let explicit = Matrix(rows: 2, columns: 2, values: [0, 1, 2, .nan])
        guard case .invalidArgument(let argument, let reason)? = catchError({
            _ = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .matrix(explicit)))
        }) else {
            Issue.record("expected invalidArgument"); return
        }
        #expect(argument == "initialClusters")
        #expect(reason.contains("nan at row 1, column 1"))
        let callable = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .callable { batch, _ in
            Matrix(rows: 1, columns: batch.columns, values: [Float](repeating: 0, count: batch.columns - 1) + [.infinity])
        }))
        guard case .initializationFailed(let message)? = catchError({
            _ = try callable.initialize(callable.initialState(), batch: points)
        }) else {
            Issue.record("expected initializationFailed"); return
        }
        #expect(message.contains("inf at row 0, column \(points.columns - 1)"))
    }

    @Test("an empty cluster goes to the origin (edge_cases empty_cluster), or to the farthest point on request")
    func emptyCluster() throws {
        let fixture = try #require(edges["empty_cluster"] as? [String: Any])
        for (metric, extraKey, expectedKey) in [(DistanceMetric.squaredEuclidean, "sq_euclid_init_extra_centre", "centers_after_1_step"),
                                               (.cosine, "cosine_init_extra_centre", "cosine_centers_after_1_step")] {
            let extra = Matrix([try #require(fixture[extraKey] as? [NSNumber]).map { $0.floatValue }])
            // TF used the parity runs' initial centres: points[0:5], or the cosine fixture's five directions.
            let base = metric == .cosine ? points.gathering(rows: [33, 95, 22, 32, 77]) : points.rows(0..<5)
            let initial = base.appending(rows: extra)
            let model = try ModelFunction(params: KMeansParams(numClusters: 6, initialClusters: .matrix(initial), distanceMetric: metric, useMiniBatch: false))
            let state = try model.trainStep(try model.initialize(model.initialState(), batch: points), batch: points).state
            #expect(maxRelativeDifference(state.clusters, try matrix(fixture[expectedKey])) <= 1e-5, "\(metric)")
            #expect(Array(state.clusters.row(5)) == [0, 0])

            let relocating = try ModelFunction(params: KMeansParams(numClusters: 6, initialClusters: .matrix(initial), distanceMetric: metric, useMiniBatch: false, emptyClusterPolicy: .farthestPoint))
            let start = try relocating.initialize(relocating.initialState(), batch: points)
            let pending = try relocating.beginStep(start, batch: points)
            let farthest = pending.assignment.distances.indices.max { pending.assignment.distances[$0] < pending.assignment.distances[$1] }!
            let moved = relocating.finishStep(pending).state
            let expectedRow = Array(pending.points.row(farthest))
            #expect(zip(Array(moved.clusters.row(5)), expectedRow).allSatisfy { isClose($0, $1, relative: 1e-6) }, "\(metric)")
            #expect(moved.clusters.rows(0..<5) == state.clusters.rows(0..<5))
        }
    }

    @Test("nearest centre: TF's NearestCentersTest, ties to the lower index")
    func nearestCenters() throws {
        let batch = Matrix([[100, 0], [101, 2], [99, 2], [1, 1]])
        let centers = Matrix([[100, 0], [99, 1], [50, 50], [0, 0], [1, 1]])
        let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: .matrix(centers), useMiniBatch: false))
        let state = try model.initialize(model.initialState(), batch: batch)
        let assignment = try model.nearest(batch, state: state)
        #expect(assignment.indices == [0, 0, 1, 4])
        #expect(assignment.distances == [0, 5, 1, 0])
        #expect(assignment.loss == 6)
    }

    @Test("beginStep + finishStep equal trainStep; M > 1 syncs at the start of steps M+1, 2M+1, …")
    func halfSteps() throws {
        let model = try ModelFunction(params: KMeansParams(numClusters: 5, initialClusters: .matrix(points.rows(0..<5)), miniBatchStepsPerIteration: 3))
        var state = try model.initialize(model.initialState(), batch: points)
        var updateInSteps: [Int64] = []
        for t in 0..<7 {
            let batch = points.rows((t * 10)..<(t * 10 + 10))
            let pending = try model.beginStep(state, batch: batch)
            #expect(pending.state.globalStep == state.globalStep)
            if t == 3 || t == 6 {
                #expect(pending.state.clusters == state.clustersUpdated, "step \(t + 1) syncs")
                #expect(pending.assignmentCenters == state.clusters, "assignment uses pre-sync clusters")
                #expect(pending.state.clusterCounts == [0, 0, 0, 0, 0])
            } else {
                #expect(pending.state.clusters == state.clusters)
            }
            let finished = model.finishStep(pending)
            #expect(finished.state == (try model.trainStep(state, batch: batch)).state)
            #expect(finished.loss == pending.assignment.loss)
            state = finished.state
            updateInSteps.append(state.updateInSteps!)
        }
        #expect(updateInSteps == [2, 1, 0, 2, 1, 0, 2])
        #expect(state.globalStep == 7)
    }

    @Test("cosine mini-batch M = 1 stores un-normalised centres and normalises them for use")
    func cosineMiniBatchStorage() throws {
        let model = try ModelFunction(params: KMeansParams(numClusters: 3, initialClusters: .matrix(points.rows(0..<3)), distanceMetric: .cosine))
        var state = try model.initialize(model.initialState(), batch: points)
        state = try model.trainStep(state, batch: points.rows(0..<50)).state
        let norms = state.clusters.nestedRows.map { ($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() }
        #expect(norms.contains { abs($0 - 1) > 1e-4 }, "stored centres are not unit-norm")
        let used = model.inferenceCenters(state).nestedRows.map { ($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() }
        #expect(used.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    @Test("errors: stepping before initialization, column mismatch, empty batch")
    func errors() throws {
        let model = try ModelFunction(params: KMeansParams(numClusters: 2, initialClusters: .matrix(points.rows(0..<2))))
        guard case .notInitialized? = catchError({ _ = try model.trainStep(model.initialState(), batch: points) }) else {
            Issue.record("expected notInitialized"); return
        }
        let state = try model.initialize(model.initialState(), batch: points)
        guard case .invalidInput? = catchError({ _ = try model.nearest(Matrix(rows: 3, columns: 3), state: state) }) else {
            Issue.record("expected invalidInput for 3 columns"); return
        }
        guard case .invalidInput? = catchError({ _ = try model.trainStep(state, batch: Matrix(rows: 0, columns: 2)) }) else {
            Issue.record("expected invalidInput for an empty batch"); return
        }
        guard case .invalidArgument(let argument, _)? = catchError({ _ = try ModelFunction(params: KMeansParams(numClusters: 0)) }) else {
            Issue.record("expected invalidArgument"); return
        }
        #expect(argument == "numClusters")
    }

    @Test("k-means++ retries heuristic: negative retries give 2 + ⌊ln k⌋")
    func retriesHeuristic() {
        let params = KMeansParams(numClusters: 8, kmeansPlusPlusNumRetries: -1)
        #expect([1, 2, 3, 5, 8, 10, 100].map { params.effectiveRetries(numToSample: $0) } == [2, 2, 3, 3, 4, 4, 6])
        #expect(KMeansParams(numClusters: 8, kmeansPlusPlusNumRetries: 5).effectiveRetries(numToSample: 8) == 5)
    }
}

/// The `KMeansError` thrown by `body`, or nil.
func catchError(_ body: () throws -> Void) -> KMeansError? {
    do { try body(); return nil } catch { return error as? KMeansError }
}
