import Dispatch
import KMeansCore
import WorkbenchCore

/// Frame-render and step timings of the workbench on generated data (`kmeans workbench --benchmark-points N`).
enum WorkbenchBenchmark {
    /// Runs the measurement and returns one line per quantity.
    static func run(points: Int, width: Int, height: Int, settings: WorkbenchSettings) -> String {
        let centres: [[Float]] = [[-6, -4], [5, -5], [0, 6], [7, 4]]
        let data = DataSet.gaussianBlobs(count: points, centres: centres, spread: 1.6, seed: 7)
        var settings = settings
        settings.relativeTolerance = 0
        let started = DispatchTime.now()
        var session = Session(dataSet: data, settings: settings, width: width, height: height)
        let setup = seconds(since: started)
        // Steps: each iteration's two half-steps, computed as the UI loop does (one job per half-step).
        var stepTimes: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now()
            session.requestIteration()
            session.runPendingWork()
            stepTimes.append(seconds(since: start))
        }
        let renderer = Renderer(tier: .palette256)
        var frameTimes: [Double] = []
        var previous: CellGrid?
        var changed = 0
        for round in 0..<10 {
            if round % 2 == 1 { session.handle(.left) } else { session.handle(.right) }
            let start = DispatchTime.now()
            let grid = renderer.render(session)
            changed = grid.changedPositions(since: previous).count
            frameTimes.append(seconds(since: start))
            previous = grid
        }
        session.view.voronoi = true
        let voronoiStart = DispatchTime.now()
        _ = renderer.render(session)
        let voronoi = seconds(since: voronoiStart)
        func ms(_ s: Double) -> String { fixed(s * 1000, 1) + " ms" }
        let median = { (values: [Double]) -> Double in values.sorted()[values.count / 2] }
        return """
            workbench benchmark: \(points) 2-D points, k = \(settings.k), \(settings.useMiniBatch ? "mini-batch \(settings.batchSize)" : "full batch"), \(width)×\(height)
              setup (data, projection, init): \(ms(setup))
              step (assign + update), median of 5: \(ms(median(stepTimes)))
              frame render, median of 10: \(ms(median(frameTimes))) (last frame changed \(changed) cells)
              frame render with Voronoi shading: \(ms(voronoi))
            """
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
