import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator

/// `kmeans sweep`: trains k = lo…hi with restarts and prints one row per k (score, silhouette, iterations, time).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train every k in a range (with restarts, keeping the best score) to help choose k.",
        discussion: """
            Restart r of every k is trained with seed --random-seed + r exactly as `kmeans train` trains the whole \
            file with that k and seed (same defaults: mini-batch unless --use-mini-batch false, relative tolerance \
            1e-4 and 1000 steps when no --steps), so each row's score equals `kmeans train` + `kmeans score`. \
            Text columns and a row id column (integers counting up) are left out with a note. The silhouette is exact \
            up to 10000 rows and over a seeded sample of 10000 above (seed --random-seed). Nothing is written.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "The values of k: LO...HI (e.g. 1...10) or one k.")
    var k: String
    @Option(parsing: .unconditional, help: "Trainings per k, keeping the lowest score (default 3).")
    var restarts: Int = 3
    @Option(help: "A text or integer column to compare each k's clusters with (adjusted Rand index).")
    var truth: String?
    @OptionGroup var parameters: ModelParameterOptions
    @Option(parsing: .unconditional, help: "Train each restart this many steps (default: until the tolerance, at most 1000).")
    var steps: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if dataOptions.data == nil { throw ValidationError("--data FILE is required") }
    }

    /// `LO...HI` (or `LO..HI`, or one k) as a range; a clear error for anything else.
    static func parseRange(_ text: String) throws -> ClosedRange<Int> {
        let trimmed = text.trimmingCharacters(in: " ")
        let parts = trimmed.contains("...") ? trimmed.components(separatedBy: "...") : trimmed.components(separatedBy: "..")
        let numbers = parts.map { Int($0.trimmingCharacters(in: " ")) }
        guard (1...2).contains(parts.count), numbers.allSatisfy({ $0 != nil }) else {
            throw CLIError.parameter("--k '\(text)' is not a range of k; write LO...HI, e.g. --k 1...10")
        }
        let lo = numbers[0]!, hi = numbers.last!!
        if lo < 1 { throw CLIError.parameter("--k '\(text)': k must be ≥ 1; write e.g. --k 1...10") }
        if lo > hi { throw CLIError.parameter("--k '\(text)' is empty: \(lo) is above \(hi); write the low end first (--k \(hi)...\(lo))") }
        return lo...hi
    }

    func run() throws {
        let ks = try Self.parseRange(k)
        try parameters.checkParameters()
        try dataOptions.checkParameters()
        if restarts < 1 { throw CLIError.parameter("--restarts must be ≥ 1, given: \(restarts)") }
        if let steps, steps <= 0 { throw CLIError.parameter("--steps must be > 0, given: \(steps)") }
        if parameters.numClusters != nil { throw CLIError.parameter("--num-clusters does not apply to a sweep; give the range with --k") }
        if let initial = parameters.initialClusters, initial != "random", initial != "kmeans_plus_plus" {
            throw CLIError.parameter("--initial-clusters '\(initial)': a sweep chooses its own centres for each k; use random or kmeans_plus_plus")
        }
        guard let path = dataOptions.data else { throw CLIError.usage("--data FILE is required") }

        // The parameters as `kmeans train` resolves them for a new model directory.
        var flags = parameters
        flags.numClusters = ks.lowerBound
        let resolver = ParameterResolver(directory: URL(fileURLWithPath: "."), displayName: ".", flags: flags,
                                         featureColumns: dataOptions.featureColumnList)
        let resolved = try resolver.resolve(stored: nil, facts: nil, explicitCenters: nil, training: true)
        if resolved.useMiniBatch && parameters.assignmentAlgorithm == .hamerly {
            throw CLIError.parameter("--algorithm hamerly accelerates full-batch training only; this sweep trains in mini-batches (use_mini_batch = true); use --algorithm auto or lloyd")
        }
        let tolerance = resolved.relativeTolerance ?? (steps == nil ? KSweep.defaultTolerance : nil)
        let params = resolved.kmeansParams(relativeTolerance: tolerance, algorithm: parameters.assignmentAlgorithm)

        var readOptions = dataOptions.readOptions(featureColumns: dataOptions.featureColumnList)
        readOptions.rejectAllZeroRows = params.distanceMetric == .cosine
        let table = try TableLoader.load(path: path, options: readOptions, truthColumn: truth)
        let points = table.data.matrix
        if ks.upperBound > points.rows {
            throw CLIError.data("\(path): --k \(ks.lowerBound)...\(ks.upperBound) goes beyond the \(points.rows) row\(points.rows == 1 ? "" : "s") of the data; lower the top of the range to \(points.rows) or less")
        }
        if !output.quiet, !table.notes.isEmpty { StandardError.write("note: \(table.note)\n") }

        let sweep = try KSweep(ks: ks, restarts: restarts, baseSeed: resolved.randomSeed, params: params,
                               steps: steps ?? KSweep.defaultStepCap)
        var configured = sweep
        configured.truth = table.truth?.labels
        let cancellation = SweepCancellation()
        let trap = SignalTrap(quiet: true)
        let draw = !output.quiet && StandardError.isTerminal
        var lastDrawn = Date.distantPast
        let result = try configured.run(points: points, cancellation: cancellation, progress: { progress in
            if trap.stop.signal != nil { cancellation.cancel() }
            guard draw, Date().timeIntervalSince(lastDrawn) >= 0.1 else { return }
            lastDrawn = Date()
            StandardError.write("\r\u{1B}[Kk \(progress.k)  restart \(progress.restart + 1)/\(restarts)  step \(progress.step)  \(Int(progress.fraction * 100))%")
        })
        if draw { StandardError.write("\r\u{1B}[K") }
        SweepReport(rows: result.rows, table: table, path: path, restarts: restarts, baseSeed: resolved.randomSeed).print(output.format)
        if let signal = trap.stop.signal {
            StandardError.write("kmeans: interrupted: the sweep stopped after \(result.rows.count) of \(ks.count) values of k\n")
            throw ExitCode(128 + signal)
        }
    }
}

/// The printed forms of a sweep's rows.
struct SweepReport {
    let rows: [KSweepRow]
    let table: LoadedTable
    let path: String
    let restarts: Int
    let baseSeed: Int64

    func json(_ row: KSweepRow) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("k", .int(Int64(row.k))), ("score", .float(row.score)), ("silhouette", row.silhouette.map { .double($0.score) } ?? .null),
            ("iterations", .int(Int64(row.iterations))), ("seconds", .double(row.seconds)), ("seed", .int(row.seed)),
            ("restart_scores", .floats(row.restartScores)),
            ("silhouette_points", row.silhouette.map { .int(Int64($0.evaluatedPoints)) } ?? .null),
            ("silhouette_sampled", row.silhouette.map { .bool($0.isSampled) } ?? .null),
        ]
        if table.truth != nil { fields.append(("adjusted_rand_index", row.adjustedRandIndex.map { .double($0) } ?? .null)) }
        return .object(fields)
    }

    /// How the silhouette was computed, for the header.
    var silhouetteKind: String {
        guard let first = rows.compactMap(\.silhouette).first else { return "none" }
        return first.isSampled ? "sampled \(first.evaluatedPoints) of \(first.totalPoints) rows (seed \(baseSeed))" : "exact"
    }

    func print(_ format: OutputFormat) {
        let matrix = table.data.matrix
        switch format {
        case .json:
            let value = JSONValue.object([
                ("data", .string(path)), ("rows", .int(Int64(matrix.rows))), ("skipped_rows", .int(Int64(table.data.skippedRows))),
                ("features", .array(table.data.featureNames.map { .string($0) })), ("restarts", .int(Int64(restarts))),
                ("base_seed", .int(baseSeed)), ("silhouette", .string(silhouetteKind)),
                ("notes", .array(table.notes.map { .string($0) })), ("sweep", .array(rows.map(json))),
            ])
            StandardOutput.write(value.pretty + "\n")
        case .jsonl:
            StandardOutput.write(rows.map { json($0).compact + "\n" }.joined())
        case .csv:
            var text = "k,score,silhouette,iterations,seconds,seed" + (table.truth != nil ? ",adjusted_rand_index" : "") + "\n"
            for row in rows {
                text += "\(row.k),\(row.score),\(row.silhouette.map { "\($0.score)" } ?? ""),\(row.iterations),\(row.seconds),\(row.seed)"
                text += table.truth != nil ? ",\(row.adjustedRandIndex.map { "\($0)" } ?? "")\n" : "\n"
            }
            StandardOutput.write(text)
        case .text:
            var text = "sweep of \(path): \(matrix.rows) rows × \(matrix.columns) features, \(restarts) restart\(restarts == 1 ? "" : "s") per k (restart r seeded \(baseSeed) + r), best score kept\n"
            text += "silhouette: \(silhouetteKind)\n"
            var cells: [[String]] = [["k", "score", "silhouette", "iterations", "seconds", "seed"] + (table.truth != nil ? ["ARI"] : [])]
            for row in rows {
                cells.append(["\(row.k)", "\(row.score)", row.silhouette.map { String(format: "%.4f", $0.score) } ?? "–",
                              "\(row.iterations)", String(format: "%.3f", row.seconds), "\(row.seed)"]
                             + (table.truth != nil ? [row.adjustedRandIndex.map { String(format: "%.4f", $0) } ?? "–"] : []))
            }
            text += formatTextRows(cells)
            StandardOutput.write(text)
        }
    }
}
