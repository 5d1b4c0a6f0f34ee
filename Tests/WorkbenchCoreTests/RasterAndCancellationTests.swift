import KMeansCore
import Testing
@testable import WorkbenchCore

/// The cached, multi-threaded rasterisation of the scatter plot, and cancelling computations in flight.
@Suite("Rasterisation and cancellation")
struct RasterAndCancellationTests {
    static func session(_ sample: DataSet.BuiltIn = .blobs, width: Int = 100, height: Int = 30,
                        configure: (inout WorkbenchSettings) -> Void = { _ in }) -> Session {
        var settings = WorkbenchSettings()
        configure(&settings)
        return Session(dataSet: sample.dataSet, settings: settings, width: width, height: height)
    }

    static func press(_ session: inout Session, _ script: String) throws {
        session = Headless.drive(session, steps: 0, script: try Key.parseScript(script))
    }

    // MARK: rasterisation

    /// A renderer that keeps its cache across frames draws exactly what a renderer without a cache draws, through
    /// steps, history moves, marker and Voronoi toggles, projections, overlays, mini-batch and resizes.
    @Test(arguments: [
        ("blobs", "nn<left><left>h<right><right>m<left>m<right>mvv<end>?<esc>n"),
        ("iris", "nnppp<left>m<home>v<end>nn"),
        ("mini-batch", "nnn<left><left>h<right>m<end>vn"),
    ])
    func cachedFramesEqualFreshFrames(_ name: String, _ script: String) throws {
        var session: Session
        switch name {
        case "iris": session = Self.session(.iris) { $0.k = 3 }
        case "mini-batch": session = Self.session(.blobs) { $0.k = 4; $0.useMiniBatch = true; $0.batchSize = 32; $0.miniBatchStepsPerIteration = 2 }
        default: session = Self.session(.blobs) { $0.k = 4 }
        }
        let cached = Renderer(tier: .palette256)
        let keys = try Key.parseScript(script)
        for (index, key) in keys.enumerated() {
            session = Headless.drive(session, steps: 0, script: [key])
            if index == keys.count / 2 { session.resize(width: 90, height: 28) }
            let fresh = Renderer(tier: .palette256, cachesRasterisation: false)
            let a = SnapshotFormat.styled.render(cached.render(session))
            let b = SnapshotFormat.styled.render(fresh.render(session))
            #expect(a == b, "after key \(index) of \(name)")
        }
    }

    /// The checkpoint view's cached evaluations (scores in the panel, labels of the one shown) draw what fresh ones
    /// draw, while the selection moves back and forth and for either metric.
    @Test(arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func cachedCheckpointViewEqualsFresh(_ metric: DistanceMetric) {
        var session = Self.session(.uniform100) { $0.k = 3; $0.metric = metric }
        session.setCheckpoints(CheckpointFixtures.entries, origin: "demo_model_dir")
        let cached = Renderer(tier: .palette256)
        for selected in [2, 1, 0, 1, 2, 2] {
            session.openCheckpoints(selected: selected)
            let fresh = Renderer(tier: .palette256, cachesRasterisation: false)
            #expect(SnapshotFormat.styled.render(cached.render(session)) == SnapshotFormat.styled.render(fresh.render(session)),
                    "checkpoint \(selected), \(metric)")
        }
    }

    /// The threaded raster (more points than the parallel threshold) equals a direct per-point count, including
    /// points outside the bounds or not finite, missing labels and out-of-range labels.
    @Test(arguments: [MarkerMode.braille, .halfBlock, .glyphs])
    func rasterEqualsADirectCount(_ marker: MarkerMode) {
        let n = PointGeometry.parallelThreshold + 1_001
        var generator = SeededGenerator(seed: 42)
        var projected = [Float](repeating: 0, count: 2 * n)
        for i in 0..<(2 * n) { projected[i] = Float(Double(generator.next() % 20_000) / 1000 - 9) } // −9 … 11
        projected[10] = .nan
        projected[13] = .infinity
        let k = 5
        var labels = (0..<(n * 3 / 4)).map { _ in Int32(generator.next() % UInt64(k)) }
        labels[7] = 9 // out of range: counted as not assigned
        labels[8] = -1
        let bounds = PlotBounds(points: Matrix(rows: 2, columns: 2, values: [-8, -8, 10, 10]), map: PlaneMap(projection: .axes(x: 0, y: 1), points: Matrix([[0, 0]])))
        let width = 37, height = 11
        let batch = [3, 5, 99_999, n - 1]
        let geometry = PointGeometry(projected: projected, bounds: bounds, width: width, height: height, marker: marker)
        let raster = PointRaster(geometry: geometry, labels: labels, batch: batch, k: k)

        // Direct count, written independently.
        let subColumns = marker == .braille ? 2 : 1, subRows = marker == .braille ? 4 : (marker == .halfBlock ? 2 : 1)
        let bands = marker == .halfBlock ? 2 : 1
        var votes = [[Int]](repeating: [Int](repeating: 0, count: k + 1), count: width * height * bands)
        var dots = [UInt8](repeating: 0, count: width * height)
        var inBatch = [Bool](repeating: false, count: width * height)
        let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        for i in 0..<n {
            let fx = (projected[2 * i] - bounds.minX) / (bounds.maxX - bounds.minX)
            let fy = (bounds.maxY - projected[2 * i + 1]) / (bounds.maxY - bounds.minY)
            guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { continue }
            let sx = min(width * subColumns - 1, Int(fx * Float(width * subColumns)))
            let sy = min(height * subRows - 1, Int(fy * Float(height * subRows)))
            let cell = (sy / subRows) * width + sx / subColumns
            var label = i < labels.count ? Int(labels[i]) : k
            if label < 0 || label > k { label = k }
            votes[cell * bands + (bands == 2 ? sy % 2 : 0)][label] += 1
            if marker == .braille { dots[cell] |= brailleBits[sx % 2][sy % 4] }
            if batch.contains(i) { inBatch[cell] = true }
        }
        let owners = votes.map { counts -> Int16 in
            guard let top = counts.max(), top > 0 else { return -1 }
            return Int16(counts.firstIndex(of: top)!)
        }
        #expect(raster.owners == owners)
        #expect(geometry.dots == dots)
        #expect(raster.inBatch == inBatch)
        #expect(owners.contains(Int16(k))) // the unlabelled tail shows up as "not assigned"
    }

    /// The display labels computed in chunks equal one pass over all points; a cancelled pass stops between chunks.
    @Test func chunkedNearestEqualsOnePassAndStopsWhenCancelled() throws {
        let points = DataSet.BuiltIn.blobs.dataSet.points
        let centers = Matrix([[0, 0], [5, 5], [-5, 3]])
        let whole = try #require(StepEngine.nearest(points: points, centers: centers, metric: .squaredEuclidean, chunkRows: points.rows, isCancelled: { false }))
        let chunked = try #require(StepEngine.nearest(points: points, centers: centers, metric: .squaredEuclidean, chunkRows: 64, isCancelled: { false }))
        #expect(whole.labels == chunked.labels)
        #expect(whole.loss == chunked.loss)
        var asked = 0
        let cancelled = StepEngine.nearest(points: points, centers: centers, metric: .squaredEuclidean, chunkRows: 64) {
            asked += 1
            return asked > 2
        }
        #expect(cancelled == nil)
        #expect(asked == 3) // two chunks ran, the third was not started
        // The chunked kernel pass agrees with the reference loop over selected rows.
        let reference = StepEngine.nearest(points: points, rows: Array(0..<points.rows), centers: centers, metric: .squaredEuclidean)
        #expect(reference.labels == whole.labels)
    }

    /// Full-batch steps go through core's `AssignmentEngine` (data validated and normalised once, buffers kept);
    /// the states and losses equal core's plain `trainStep` bit for bit, for both metrics and both empty policies.
    @Test(arguments: [DistanceMetric.squaredEuclidean, .cosine])
    func engineStepsEqualPlainTrainSteps(_ metric: DistanceMetric) throws {
        for policy in EmptyClusterPolicy.allCases {
            var session = Self.session(.oldFaithful) { $0.k = 5; $0.metric = metric; $0.emptyClusterPolicy = policy; $0.relativeTolerance = 0 }
            try Self.press(&session, "nnnhh<left><left>nn")
            let model = try session.engine.model()
            var state = session.frames[0].state
            var losses: [Double] = []
            for _ in 0..<5 {
                let result = try model.trainStep(state, batch: DataSet.BuiltIn.oldFaithful.dataSet.points)
                losses.append(Double(result.loss))
                state = result.state
            }
            #expect(session.frames.last?.state == state, "\(metric) \(policy)")
            #expect(session.statsUpToCursor.map(\.score) == losses)
        }
    }

    // MARK: cancellation

    @Test func aCancelledJobEndsWithoutAFrame() throws {
        let session = Self.session { $0.k = 4 }
        let frame = try #require(session.currentFrame)
        let flag = CancellationFlag()
        flag.cancel()
        let job = FrameJob(engine: session.engine, frame: frame, previousScore: nil, cancellation: flag)
        guard case let .failure(error) = job.run() else { Issue.record("a cancelled job produced a frame"); return }
        #expect(error is FrameJobCancelled)
        // The same job without the flag computes the assignment.
        let uncancelled = FrameJob(engine: session.engine, frame: frame, previousScore: nil)
        #expect(try uncancelled.run().get().phase == .assigned)
    }

    @Test func escapeTellsTheJobInFlightToStop() throws {
        var session = Self.session { $0.k = 4 }
        session.handle(.character("n"))
        let job = try #require(session.nextJob())
        #expect(!job.cancellation.isCancelled)
        session.handle(.escape)
        #expect(job.cancellation.isCancelled)
        #expect(session.message == "stopped: pending computation cancelled")
        // The user asks again before the old job has returned: its cancelled result is ignored silently, and the
        // new request gets a fresh flag and computes normally.
        session.handle(.character("n"))
        let old = job.run()
        session.accept(old, for: job)
        #expect(session.frames.count == 1)
        #expect(session.pendingHalfSteps == 2)
        #expect(session.message == nil)
        let next = try #require(session.nextJob())
        #expect(!next.cancellation.isCancelled)
        session.runPendingWork()
        #expect(session.currentFrame?.state.globalStep == 1)
    }

    @Test(arguments: ["<left>", "<home>", "r", "<end>"])
    func historyMovesAndRestartsCancelWorkInFlight(_ script: String) throws {
        var session = Self.session { $0.k = 4 }
        try Self.press(&session, "n")
        session.handle(.character("n"))
        let job = try #require(session.nextJob())
        try Self.press(&session, script)
        #expect(job.cancellation.isCancelled)
        #expect(session.pendingHalfSteps == 0)
    }

    /// Only the latest assigned frame keeps the per-point assignment (the next update needs it); older ones free it.
    @Test func finishedAssignmentsAreFreed() throws {
        var session = Self.session { $0.k = 4; $0.relativeTolerance = 0 }
        try Self.press(&session, "nnnh")
        #expect(session.frames.dropLast().allSatisfy { $0.pending == nil && $0.previousLabels == nil })
        #expect(session.frames.last?.pending != nil)
        try Self.press(&session, "h")
        #expect(session.frames.allSatisfy { $0.pending == nil })
        // Moved counts were still computed from the previous labels.
        let fresh = Self.session { $0.k = 4; $0.relativeTolerance = 0 }
        var recomputed = fresh
        try Self.press(&recomputed, "nnnn")
        #expect(session.statsUpToCursor == recomputed.statsUpToCursor)
        #expect(session.statsUpToCursor.first?.moved == session.dataSet.points.rows)
    }
}
