import Foundation
import KMeansCore
import KMeansEstimator

/// `KMeansBenchmarks --sweep [full]`: times what `kmeans sweep --k 1...16 --restarts 3` runs on case C's
/// 1M × 16 points (its defaults: TF's mini-batch steps on the whole data as one batch, random initial centres,
/// relative tolerance 1e-4, at most 1000 steps; `full` adds `--use-mini-batch false`), and prints each row and the
/// total wall time.
enum SweepBenchmark {
    /// Whether the command line asks for this benchmark.
    static var requested: Bool { CommandLine.arguments.contains("--sweep") }

    static func run() throws {
        let fullBatch = CommandLine.arguments.contains("full")
        guard let c = BenchmarkCase.named("C") else { throw BenchmarkError(description: "case C is missing") }
        let points = DataSets.blobs(c)
        let params = KMeansParams(numClusters: 1, useMiniBatch: !fullBatch, relativeTolerance: KSweep.defaultTolerance)
        let sweep = try KSweep(ks: 1...16, restarts: 3, params: params)
        log("sweep benchmark: \(points.rows) × \(points.columns), k = 1...16, 3 restarts, \(fullBatch ? "full batch" : "mini-batch (the default)"), load \(Measure.loadAverage())")
        print("   k         score  silhouette  iterations  seconds")
        let started = Date()
        let result = try sweep.run(points: points, row: { row in
            let silhouette = row.silhouette.map { String(format: "%.4f", $0.score) + ($0.isSampled ? "*" : "") } ?? "-"
            let padded = String(repeating: " ", count: max(0, 10 - silhouette.count)) + silhouette
            print(String(format: "%4d  %12.5g  ", row.k, Double(row.score)) + padded + String(format: "  %10d  %7.2f", row.iterations, row.seconds))
        })
        let total = Date().timeIntervalSince(started)
        print(String(format: "sweep total: %.1f s for %d values of k (* = silhouette over a seeded sample of %d points)",
                     total, result.rows.count, Silhouette.exactLimit) + ", load \(Measure.loadAverage())")
    }
}
