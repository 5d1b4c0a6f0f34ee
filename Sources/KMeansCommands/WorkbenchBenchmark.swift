import Dispatch
import Foundation
import KMeansCore
import WorkbenchCore

/// Frame-render and step timings of the workbench on generated data (`kmeans workbench --benchmark-points N`).
enum WorkbenchBenchmark {
    /// Runs the measurement and returns one line per quantity (min and median of several runs, and the load).
    static func run(points: Int, width: Int, height: Int, settings: WorkbenchSettings) -> String {
        let centers: [[Float]] = [[-6, -4], [5, -5], [0, 6], [7, 4]]
        let data = DataSet.gaussianBlobs(count: points, centers: centers, spread: 1.6, seed: 7)
        var settings = settings
        settings.relativeTolerance = 0
        let loadBefore = loadAverage()
        let started = DispatchTime.now()
        var session = Session(dataSet: data, settings: settings, width: width, height: height)
        let setup = seconds(since: started)

        // Steps: each iteration's two half-steps, computed as the UI loop does (one job per half-step).
        var stepTimes: [Double] = []
        for _ in 0..<7 {
            let start = DispatchTime.now()
            session.requestIteration()
            session.runPendingWork()
            stepTimes.append(seconds(since: start))
        }
        // Core's two half-steps alone on the same state (as the workbench calls them), for the workbench's share.
        var coreTimes: [Double] = []
        if let state = session.frames.last?.state {
            let model = session.engine.modelFunction
            let batch = settings.useMiniBatch ? session.engine.data.gathering(rows: session.engine.batch(forStep: Int(state.globalStep))) : session.engine.data
            var engine = AssignmentEngine()
            for _ in 0..<8 {
                let start = DispatchTime.now()
                if let pending = try? model.beginStep(state, batch: batch, engine: &engine) { _ = model.finishStep(pending) }
                coreTimes.append(seconds(since: start))
            }
            coreTimes.removeFirst() // the first call validates (and for cosine normalises) the data
        }

        // Frames while stepping back and forth through the history (the raster is reused: same labels).
        let renderer = Renderer(tier: .palette256)
        var frameTimes: [Double] = []
        var previous: CellGrid?
        var changed = 0
        for round in 0..<20 {
            if round % 2 == 1 { session.handle(.left) } else { session.handle(.right) }
            let start = DispatchTime.now()
            let grid = renderer.render(session)
            changed = grid.changedPositions(since: previous).count
            frameTimes.append(seconds(since: start))
            previous = grid
        }
        // Frames after a new assignment: positions reused, every point's label counted again (alternating between
        // the first frame, all points unassigned, and the latest one).
        var revoteTimes: [Double] = []
        for round in 0..<10 {
            session.handle(round % 2 == 0 ? .home : .end)
            let start = DispatchTime.now()
            _ = renderer.render(session)
            revoteTimes.append(seconds(since: start))
        }
        // Frames with nothing reused (first frame after a resize or projection change).
        let cold = Renderer(tier: .palette256, cachesRasterisation: false)
        var coldTimes: [Double] = []
        for _ in 0..<10 {
            let start = DispatchTime.now()
            _ = cold.render(session)
            coldTimes.append(seconds(since: start))
        }
        session.view.voronoi = true
        var voronoiColdTimes: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now()
            _ = cold.render(session)
            voronoiColdTimes.append(seconds(since: start))
        }
        var voronoiTimes: [Double] = []
        for _ in 0..<10 {
            let start = DispatchTime.now()
            _ = renderer.render(session)
            voronoiTimes.append(seconds(since: start))
        }
        // The compare screen (k-means++ vs random, three iterations each): history frames with each pane's cache,
        // interleaved with frames drawn with nothing cached.
        var compareTimes: [Double] = [], compareColdTimes: [Double] = []
        let specs = WorkbenchScreen.quickComparisonSpecs(settings)
        if var comparison = try? RunComparison(dataSet: data, base: settings, specs: specs, width: width, height: height) {
            for _ in 0..<3 { comparison.handle(.character("n")); comparison.runPendingWork() }
            for round in 0..<20 {
                comparison.handle(round % 2 == 1 ? .left : .right)
                var start = DispatchTime.now()
                _ = renderer.render(comparison)
                compareTimes.append(seconds(since: start))
                start = DispatchTime.now()
                _ = cold.render(comparison)
                compareColdTimes.append(seconds(since: start))
            }
        }
        let loadAfter = loadAverage()
        func ms(_ values: [Double]) -> String {
            guard let low = values.min() else { return "n/a" }
            return "min " + fixed(low * 1000, 2) + " ms, median " + fixed(values.sorted()[values.count / 2] * 1000, 2) + " ms"
        }
        return """
            workbench benchmark: \(points) 2-D points, k = \(settings.k), \(settings.useMiniBatch ? "mini-batch \(settings.batchSize)" : "full batch"), \(width)×\(height), load average \(loadBefore) → \(loadAfter)
              setup (data, projection, init): \(fixed(setup * 1000, 1)) ms
              step (assign + update, 7 runs): \(ms(stepTimes))
              core's beginStep(engine:) + finishStep alone: \(ms(coreTimes))
              frame, history back/forward (20): \(ms(frameTimes)) (last frame changed \(changed) cells)
              frame after a step (labels counted afresh, 10): \(ms(revoteTimes))
              frame with nothing cached (positions and labels, 10): \(ms(coldTimes))
              frame with Voronoi shading, cached (10): \(ms(voronoiTimes)); afresh (5): \(ms(voronoiColdTimes))
              compare screen (2 runs), history back/forward (20): \(ms(compareTimes)); nothing cached (20): \(ms(compareColdTimes))
            """
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// The 1-minute load average, as `uptime` prints it first ("?" where /proc is not available).
    private static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return String(text.split(separator: " ").first ?? "?")
    }
}
