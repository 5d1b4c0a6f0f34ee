import KMeansCore

/// Where the session's points and centres land on the plane, and which cluster each point shows.
extension Session {
    /// Centres as drawn for `frame`.
    public func displayCenters(_ frame: Frame) -> Matrix { inOriginalUnits(FrameJob.displayCenters(engine: engine, state: frame.state)) }

    /// The checkpoint on screen and the session's evaluation of it, if the checkpoint view shows an evaluated one.
    var shownCheckpoint: (entry: CheckpointEntry, labels: [Int32], score: Double)? {
        guard case let .checkpoints(selected) = overlay, let shown = checkpointBrowser.shown, shown.index == selected,
              let evaluation = shown.evaluation else { return nil }
        return (checkpoints[selected], evaluation.labels, evaluation.score)
    }

    /// The centres on screen (data space): the shown checkpoint's, else the current frame's; nil without either.
    var shownCenters: Matrix? { shownCheckpoint?.entry.centers ?? currentFrame.map(displayCenters) }

    /// Plane positions of the centres at every updated frame up to the cursor, oldest first (for trails).
    public var centerTrail: [[(x: Float, y: Float)]] {
        guard !frames.isEmpty else { return [] }
        return frames[0...cursor].filter { $0.phase != .assigned }.map { frame in
            let c = displayCenters(frame)
            return centerPlanePositions(c, frame: frame)
        }
    }

    /// Where centre `j` is drawn. For cosine, centres are unit vectors: they are drawn along their direction at the
    /// mean length of their cluster's points so they land among the data.
    public func centerPlanePosition(_ centers: Matrix, _ j: Int, frame: Frame) -> (x: Float, y: Float) {
        var row = Array(centers.row(j))
        if settings.metric == .cosine {
            let scale = meanNorms(frame: frame, clusters: centers.rows)[j]
            row = row.map { $0 * scale }
        }
        return planeMap.project(row[...])
    }

    /// Where every centre is drawn (as `centrePlanePosition`, with one pass over the sampled points for cosine).
    public func centerPlanePositions(_ centers: Matrix, frame: Frame) -> [(x: Float, y: Float)] {
        let scales = settings.metric == .cosine ? meanNorms(frame: frame, clusters: centers.rows) : []
        return (0..<centers.rows).map { j in
            var row = Array(centers.row(j))
            if !scales.isEmpty { row = row.map { $0 * scales[j] } }
            return planeMap.project(row[...])
        }
    }

    /// Mean length of each cluster's points (of all points before the first assignment), over a sample of at most
    /// about 5000 rows; 1 for a cluster without sampled points.
    private func meanNorms(frame: Frame, clusters k: Int) -> [Float] {
        let points = dataSet.points
        var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
        var allSum = 0.0, allCount = 0
        let stride = max(1, points.rows / 5000)
        for i in Swift.stride(from: 0, to: points.rows, by: stride) {
            var s: Float = 0
            for v in points.row(i) { s += v * v }
            let norm = Double(s.squareRoot())
            if frame.labels.isEmpty {
                allSum += norm; allCount += 1
            } else if i < frame.labels.count, Int(frame.labels[i]) >= 0, Int(frame.labels[i]) < k {
                sums[Int(frame.labels[i])] += norm; counts[Int(frame.labels[i])] += 1
            }
        }
        if frame.labels.isEmpty { return [Float](repeating: allCount > 0 ? Float(allSum / Double(allCount)) : 1, count: k) }
        return (0..<k).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : 1 }
    }

    /// The label every point is coloured by for the frame on screen: its truth class while colouring by truth
    /// (`g`), else its cluster (``clusterLabels``).
    public var displayLabels: [Int32] { displayLabels(cache: nil) }

    /// ``displayLabels``, with a trimmed frame's recomputed clusters kept in `cache` (the renderer's).
    func displayLabels(cache: RasterCache?) -> [Int32] {
        if let truth = shownTruth { return truth.labels.map { Int32($0) } }
        return clusterLabels(cache: cache)
    }

    /// The cluster of every point as shown for the frame on screen (recomputed for trimmed history frames).
    public var clusterLabels: [Int32] { clusterLabels(cache: nil) }

    /// ``clusterLabels``, with the recomputation for a trimmed frame kept in `cache` (the renderer's), so a frame
    /// redrawn while it stays on screen costs one assignment pass, not one per render.
    func clusterLabels(cache: RasterCache?) -> [Int32] {
        guard let frame = currentFrame else { return [] }
        if !frame.labels.isEmpty || frame.phase == .initialized { return frame.labels }
        // A full-batch update shows the assignment it used, made against the previous (assigned) frame's centres.
        let state = frame.phase == .updated && !settings.useMiniBatch && cursor > 0 ? frames[cursor - 1].state : frame.state
        let centers = engine.assignmentCenters(state)
        let compute = { StepEngine.nearest(points: self.engine.points, rows: nil, centers: centers, metric: self.settings.metric).labels }
        guard let cache else { return compute() }
        let key = RasterCache.EvaluationKey(centers: centers, points: engine.points, dataColumns: engine.points.columns,
                                            metric: settings.metric)
        return cache.assignment(for: key, make: compute)
    }

    /// Plane positions of all rows, interleaved.
    static func project(_ points: Matrix, map: PlaneMap) -> [Float] {
        var out = [Float](repeating: 0, count: points.rows * 2)
        if case let .axes(x, y) = map.projection, x < points.columns, y < points.columns {
            let d = points.columns
            points.values.withUnsafeBufferPointer { v in
                for i in 0..<points.rows { out[2 * i] = v[i * d + x]; out[2 * i + 1] = v[i * d + y] }
            }
            return out
        }
        for i in 0..<points.rows {
            let p = map.project(points.row(i))
            out[2 * i] = p.x; out[2 * i + 1] = p.y
        }
        return out
    }
}
