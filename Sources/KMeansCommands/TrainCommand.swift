import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// `kmeans train`: trains (or continues training) a model in a model directory.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a K-Means model on a data file into a model directory.",
        discussion: """
            Options are TensorFlow's KMeans constructor parameters in kebab case. The model directory remembers them \
            (kmeans_params.json), so later commands need only --model-dir; giving a different value later is an error. \
            With neither --steps nor --max-steps, training runs until the relative loss change falls below \
            --relative-tolerance (default 1e-4) or 1000 steps pass, and says which.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "The model directory (created if missing).")
    var modelDir: String
    @OptionGroup var parameters: ModelParameterOptions

    @Option(parsing: .unconditional, help: "Train this many more steps.")
    var steps: Int?
    @Option(parsing: .unconditional, help: "Train until the global step reaches this.")
    var maxSteps: Int?
    @Option(parsing: .unconditional, help: "Rows per training batch (default: the whole file as one batch).")
    var batchSize: Int?
    @Flag(help: "Visit rows in a seeded random order (seed: --random-seed).")
    var shuffle = false
    @Option(parsing: .unconditional, help: "Save a checkpoint every N steps (default: every 600 s and at the end).")
    var saveCheckpointsSteps: Int?
    @Option(parsing: .unconditional, help: "Checkpoints to keep (0 keeps all; default 5).")
    var keepCheckpointMax: Int?
    @Option(parsing: .unconditional, help: "Write the loss to the event file every N steps (0 disables; default 100, as TF).")
    var saveSummarySteps: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Memory the data may take in a full-batch run (512M, 2G or bytes; default: half of MemAvailable in /proc/meminfo, 1G where unreadable). A .npy larger than this is streamed from the file on every step, in chunks that fit (random or explicit initial centres; same numbers as in memory).", valueName: "size"))
    var memoryLimit: String?
    @OptionGroup var output: OutputOptions

    /// Steps run when neither --steps nor --max-steps is given (with the relative-tolerance stop).
    static let defaultStepCap = 1000
    /// The relative tolerance used when neither steps nor a tolerance is given.
    static let defaultTolerance = 1e-4

    func validate() throws {
        if dataOptions.data == nil { throw ValidationError("--data FILE is required ('-' reads standard input)") }
    }

    /// Throws a parameter error (exit 1) for values no run can accept, before anything is read or written.
    func checkParameters() throws {
        try parameters.checkParameters()
        try dataOptions.checkParameters()
        if steps != nil && maxSteps != nil { throw CLIError.parameter("give --steps or --max-steps, not both") }
        if let steps, steps <= 0 { throw CLIError.parameter("--steps must be > 0, given: \(steps)") }
        if let maxSteps, maxSteps <= 0 { throw CLIError.parameter("--max-steps must be > 0, given: \(maxSteps)") }
        if let batchSize, batchSize <= 0 { throw CLIError.parameter("--batch-size must be > 0, given: \(batchSize)") }
        if let saveCheckpointsSteps, saveCheckpointsSteps <= 0 {
            throw CLIError.parameter("--save-checkpoints-steps must be > 0, given: \(saveCheckpointsSteps)")
        }
        if let keepCheckpointMax, keepCheckpointMax < 0 { throw CLIError.parameter("--keep-checkpoint-max must be ≥ 0, given: \(keepCheckpointMax)") }
        if let saveSummarySteps, saveSummarySteps < 0 { throw CLIError.parameter("--save-summary-steps must be ≥ 0, given: \(saveSummarySteps)") }
        if let memoryLimit { _ = try MemoryBudget.parse(memoryLimit) }
    }

    func run() throws {
        try checkParameters()
        let directory = URL(fileURLWithPath: modelDir)
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory)
        if existed && !isDirectory.boolValue { throw CLIError.data("\(modelDir): exists and is not a directory; give --model-dir a directory path") }

        // The trainer lock is taken before the remembered parameters are read: only its holder decides them and
        // writes kmeans_params.json, so two trainers starting together on a new directory cannot leave the loser's
        // parameters beside the winner's checkpoints. A locked-out trainer writes and removes nothing.
        let hold = try TrainerLockHold(modelDir: modelDir)
        // Decided under the lock: a directory holding nothing but the lock file is this run's to remove if it fails.
        let fresh = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).allSatisfy { $0 == ModelDirectory.lockFileName }
        var trained = false
        do {
            try withExtendedLifetime(hold) { try train(in: directory, trained: &trained) }
        } catch {
            // What a finished (or interrupted) training saved is kept, whatever happens after.
            if fresh, !trained, !isLockError(error) {
                if existed {
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
                        try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
                    }
                } else {
                    try? FileManager.default.removeItem(at: directory)
                }
            }
            throw error
        }
    }

    /// The run proper, with the trainer lock held; sets `trained` once training has returned.
    private func train(in directory: URL, trained: inout Bool) throws {
        let reader = ModelDirReader(path: modelDir)
        let stored = try reader.storedParameters()
        let facts = try reader.checkpointFacts()
        let resolver = ParameterResolver(directory: directory, displayName: modelDir, flags: parameters, featureColumns: dataOptions.featureColumnList)
        let centers = try resolver.explicitCenters(dataOptions: dataOptions)
        var resolved = try resolver.resolve(stored: stored, facts: facts, explicitCenters: centers, training: true,
                                            batchSize: batchSize, shuffle: shuffle ? true : nil)

        // Read and check all the data before anything is written.
        // Cosine training refuses all-zero rows (they have no direction); --skip-invalid skips them.
        let input = try DataInput(dataOptions, featureColumns: resolved.featureColumns,
                                  rejectAllZeroRows: resolved.distanceMetric == DistanceMetric.cosine.rawValue, quiet: output.quiet)
        // Columns left out (text, a row id) stay out for every later command on this model.
        if input.leftOut != nil { resolved.featureColumns = input.options.featureColumns }
        let trainingInput: InputFunction
        let rowCount: Int
        let columns: Int
        var skipped = 0
        var names: [String]? = nil
        let batchSize = resolved.batchSize
        let budget = try memoryLimit.map(MemoryBudget.parse) ?? MemoryBudget.machineDefault()
        if batchSize == nil, !resolved.useMiniBatch,
           let streamed = try input.streamedRows(budget: budget, threads: Parallel.processorCount, expectedColumns: resolved.numFeatures) {
            try checkStreamable(resolved, fresh: facts == nil, budget: budget, file: input.path)
            (rowCount, columns, names) = (streamed.rows, streamed.columns, resolved.featureColumns)
            trainingInput = .streamed(streamed)
            if !output.quiet {
                StandardError.write("streaming \(input.path) from the file on every step (larger than --memory-limit \(budget.description)): chunks of \(streamed.chunkRows) rows per core\n")
            }
        } else if batchSize == nil || resolved.shuffle == true || input.path == "-" {
            let data = try input.loadAll(expectedColumns: resolved.numFeatures)
            rowCount = data.matrix.rows
            columns = data.matrix.columns
            skipped = data.skippedRows
            names = data.featureNames.count == data.matrix.columns && data.columnNames != nil ? data.featureNames : resolved.featureColumns
            if let batchSize {
                let seed = resolved.shuffle == true ? UInt64(bitPattern: resolved.randomSeed) : nil
                trainingInput = .batches(data.matrix, batchSize: batchSize, epochs: nil, shuffleSeed: seed)
            } else {
                trainingInput = .wholeArray(data.matrix, epochs: nil)
            }
        } else {
            (rowCount, columns, skipped, names) = try input.validatedRowCount(expectedColumns: resolved.numFeatures)
            trainingInput = input.streamingInput(try resolved.schedule(rows: rowCount), expectedColumns: columns)
        }
        if let centers, centers.columns != columns {
            throw DataError(file: parameters.initialClusters ?? "", location: .file, kind: .dimensionMismatch,
                            message: "initial centres have \(centers.columns) columns but \(input.path) has \(columns) feature columns")
        }
        let k = resolved.numClusters
        if facts == nil && centers == nil && k > rowCount {
            throw CLIError.data("\(input.path): k = \(k) is more than the \(rowCount) point\(rowCount == 1 ? "" : "s") in the data; lower --num-clusters")
        }
        if resolved.initialClusters == "kmeans_plus_plus", facts == nil, let batchSize, batchSize < k {
            throw CLIError.data("kmeans_plus_plus needs a first batch of at least k = \(k) points; --batch-size is \(batchSize): raise it to \(k) or more, or use --initial-clusters random")
        }
        resolved.numFeatures = columns
        if resolved.featureNames == nil { resolved.featureNames = names }

        let noStepLimit = steps == nil && maxSteps == nil
        let tolerance = resolved.relativeTolerance ?? (noStepLimit ? Self.defaultTolerance : nil)
        if resolved.useMiniBatch && parameters.assignmentAlgorithm.needsFullBatch {
            throw CLIError.parameter("--algorithm \(parameters.assignmentAlgorithm.rawValue) accelerates full-batch training only; this model trains in mini-batches (use_mini_batch = true); use --algorithm auto or lloyd")
        }
        let params = resolved.kmeansParams(relativeTolerance: tolerance, algorithm: parameters.assignmentAlgorithm)
        let config = RunConfig(saveCheckpointsSteps: saveCheckpointsSteps, saveSummarySteps: saveSummarySteps ?? 100,
                               keepCheckpointMax: keepCheckpointMax ?? 5, logStepCountSteps: nil)
        let trap = SignalTrap(quiet: output.quiet)

        let estimator = try KMeansClustering(params: params, modelDir: modelDir, config: config)
        // Unchanged parameters are not rewritten: a run that then fails leaves the directory as it was.
        if resolved != stored { try resolved.save(in: directory) }
        let startStep = try currentGlobalStep(estimator)
        let runSteps = steps ?? (noStepLimit ? Self.defaultStepCap : nil)
        let targetStep = runSteps.map { startStep + Int64($0) } ?? maxSteps.map { Int64($0) }
        let monitor = TrainingMonitor(stop: trap.stop, showProgress: !output.quiet && StandardError.isTerminal, lastStep: targetStep)
        try estimator.train(input: trainingInput, hooks: [monitor], steps: runSteps, maxSteps: maxSteps)
        trained = true

        let globalStep = try currentGlobalStep(estimator)
        let clusterCenters = try estimator.clusterCenters()
        let checkpoint = try estimator.latestCheckpoint()
        let reason = stopReason(monitor: monitor, globalStep: globalStep, startStep: startStep, targetStep: targetStep,
                                tolerance: tolerance, signal: trap.stop.signal, noStepLimit: noStepLimit)
        let lastLoss = monitor.losses.last

        switch output.format {
        case .json, .jsonl:
            var fields: [(String, JSONValue)] = [
                ("global_step", .int(globalStep)),
                ("loss", lastLoss.map { .float($0) } ?? .null),
                ("stop_reason", .string(reason.code)),
                ("steps_run", .int(Int64(monitor.losses.count))),
                ("rows", .int(Int64(rowCount))),
                ("skipped_rows", .int(Int64(skipped))),
                ("checkpoint", checkpoint.map { .string($0) } ?? .null),
                ("cluster_centers", .matrix(clusterCenters.nestedRows)),
            ]
            if output.format == .json { fields.append(("message", .string(reason.message))) }
            let value = JSONValue.object(fields)
            StandardOutput.write((output.format == .json ? value.pretty : value.compact) + "\n")
        case .csv:
            StandardOutput.write(CSVWriter.format(clusterCenters, header: featureHeader(resolved, columns: clusterCenters.columns)))
        case .text:
            var text = "trained \(modelDir) to global step \(globalStep) (\(monitor.losses.count) step\(monitor.losses.count == 1 ? "" : "s") this run)\n"
            text += "stopped: \(reason.message)\n"
            if let lastLoss { text += "loss of the last step: \(lastLoss)\n" }
            text += "data: \(rowCount) rows × \(columns) features from \(input.path)"
            text += skipped > 0 ? ", \(skipped) invalid rows skipped\n" : "\n"
            text += "checkpoint: \(checkpoint ?? "none")\n"
            text += "cluster centers:\n" + formatSummaryTable(clusterCenters, header: featureHeader(resolved, columns: clusterCenters.columns))
            if clusterCenters.rows > summaryEdge * 2 + 2 || clusterCenters.columns > summaryEdge * 2 + 2 {
                text += "(\(clusterCenters.rows) × \(clusterCenters.columns) centres summarised; `kmeans centers --model-dir \(modelDir)` prints them all)\n"
            }
            StandardOutput.write(text)
        }
        if let signal = trap.stop.signal {
            throw InterruptedExit(signal: signal, globalStep: globalStep)
        }
    }

    /// Throws a parameter error for what a streamed full-batch run cannot do, before anything is written.
    private func checkStreamable(_ resolved: StoredParameters, fresh: Bool, budget: MemoryBudget, file: String) throws {
        let past = "\(file) is larger than --memory-limit \(budget.description), so each step streams it"
        if fresh, resolved.initialClusters == "kmeans_plus_plus" {
            throw CLIError.parameter("\(past), and kmeans_plus_plus needs every point in memory: use --initial-clusters random or a file of centres, or raise --memory-limit")
        }
        if resolved.emptyClusterPolicy == EmptyClusterPolicy.farthestPoint.rawValue {
            throw CLIError.parameter("\(past), and the farthest-point empty-cluster policy needs every point in memory: raise --memory-limit")
        }
        if parameters.assignmentAlgorithm == .incremental {
            throw CLIError.parameter("\(past) with Lloyd's pass; --algorithm incremental needs the data in memory: use auto or lloyd, or raise --memory-limit")
        }
    }

    private func stopReason(monitor: TrainingMonitor, globalStep: Int64, startStep: Int64, targetStep: Int64?,
                            tolerance: Double?, signal: Int32?, noStepLimit: Bool) -> (code: String, message: String) {
        if let signal {
            return ("interrupted", "\(signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"); checkpoint saved at step \(globalStep)")
        }
        if let tolerance, monitor.losses.count >= 2 {
            let previous = monitor.losses[monitor.losses.count - 2]
            let last = monitor.losses[monitor.losses.count - 1]
            let change = RelativeLossChange.change(loss: last, previous: previous)
            if RelativeLossChange(tolerance: tolerance).isConverged(loss: last, previous: previous), targetStep.map({ globalStep < $0 }) ?? true {
                return ("converged", "converged: relative loss change \(change) < tolerance \(tolerance)")
            }
        }
        if let targetStep, globalStep >= targetStep {
            if noStepLimit {
                return ("step_cap", "reached the cap of \(Self.defaultStepCap) steps before the relative loss change fell below \(tolerance ?? 0)")
            }
            if globalStep == startStep { return ("max_steps", "global step \(globalStep) had already reached --max-steps; nothing to do") }
            return (steps != nil ? "steps" : "max_steps", steps != nil ? "ran --steps \(steps!)" : "reached --max-steps \(targetStep)")
        }
        return ("input_ended", "the input ended")
    }
}

/// Whether `error` says another trainer holds the model directory.
func isLockError(_ error: any Error) -> Bool {
    if case TFFormatError.directoryLocked = error { return true }
    return false
}

/// The global step of the latest checkpoint (0 when there is none yet).
func currentGlobalStep(_ estimator: KMeansClustering) throws -> Int64 {
    guard try estimator.latestCheckpoint() != nil else { return 0 }
    return try estimator.variableValue(KMeansState.VariableName.globalStep).int64Values?.first ?? 0
}

/// Column names for the centres: the selected feature columns, else `f0`, `f1`, ….
func featureHeader(_ parameters: StoredParameters?, columns: Int) -> [String] {
    if let names = parameters?.featureNames, names.count == columns { return names }
    if let names = parameters?.featureColumns, names.count == columns { return names }
    return (0..<columns).map { "f\($0)" }
}

/// A right-aligned text table with a leading row-number column.
func formatTable(_ matrix: Matrix, header: [String], indexTitle: String = "#") -> String {
    var rows: [[String]] = [[indexTitle] + header]
    for r in 0..<matrix.rows {
        rows.append(["\(r)"] + matrix.row(r).map { "\($0)" })
    }
    return formatTextRows(rows)
}

/// Rows or columns kept at each end when a centre table is summarised.
let summaryEdge = 3

/// `formatTable`, summarised past a screenful as numpy does: beyond 2·3 + 2 rows (or columns) only the first and
/// last three are shown, with `…` between.
func formatSummaryTable(_ matrix: Matrix, header: [String], indexTitle: String = "#") -> String {
    func kept(_ count: Int) -> [Int?] {
        count > summaryEdge * 2 + 2 ? Array(0..<summaryEdge) + [nil] + Array((count - summaryEdge)..<count) : Array(0..<count)
    }
    let columns = kept(matrix.columns)
    var rows: [[String]] = [[indexTitle] + columns.map { $0.map { header[$0] } ?? "…" }]
    for r in kept(matrix.rows) {
        guard let r else { rows.append(["…"] + columns.map { _ in "…" }); continue }
        rows.append(["\(r)"] + columns.map { $0.map { "\(matrix[r, $0])" } ?? "…" })
    }
    return formatTextRows(rows)
}

/// The width of each column of `rows`: its widest cell (rows may have fewer cells than others).
func columnWidths(_ rows: [[String]]) -> [Int] {
    var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
    for row in rows {
        for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    return widths
}

/// Right-aligns `rows` into columns separated by two spaces.
func formatTextRows(_ rows: [[String]]) -> String {
    let widths = columnWidths(rows)
    var text = ""
    for row in rows {
        let cells = row.enumerated().map { i, cell in String(repeating: " ", count: widths[i] - cell.count) + cell }
        text += "  " + cells.joined(separator: "  ") + "\n"
    }
    return text
}
