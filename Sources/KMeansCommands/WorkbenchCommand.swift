import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import WorkbenchCore
import WorkbenchTerminal

/// Opens the interactive workbench, or renders it headless with `--snapshot`.
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Open the interactive workbench: watch k-means iterate, step by step.",
        discussion: """
            With no --data it opens on built-in samples (uniform-100, blobs, old-faithful, iris; pick one with \
            --sample). Keys: n step, h half-step, Space run/pause, ←/→ history, s settings, ? help, q quit.
            --snapshot renders frames without a terminal, e.g. \
            `kmeans workbench --snapshot out.txt --size 100x30 --steps 3 --keys "h?"`.
            """
    )

    @Option(help: "A CSV/TSV or .npy file of points (one row per point).")
    var data: String?

    @Option(help: "Columns of --data to cluster, by header name or 0-based index, comma-separated (default: every numeric column but a row id).")
    var featureColumns: String?

    @Flag(help: "Skip rows of --data holding NaN, infinity or empty fields instead of failing.")
    var skipInvalid = false

    @Option(help: "A text or integer column of --data (header name or 0-based index) holding the true classes: left out of the clustering; g colours by it and the side panel shows the agreement (ARI, confusion table).")
    var truth: String?

    @Option(help: "Built-in sample to open: uniform-100, blobs, old-faithful, iris.")
    var sample: String = DataSet.BuiltIn.uniform100.rawValue

    @Option(help: "A model_dir (ours or TensorFlow's): its model's settings and checkpoints are opened as the CLI sees them, and a run continued from it (or on a new directory) is saved there as `kmeans train` would.")
    var modelDir: String?

    @Option(help: "Save the run into this new directory instead of --model-dir (a model continued from --model-dir's checkpoint keeps its parameters).")
    var saveTo: String?

    @Option(help: "Colour tier: truecolor, 256, 8 or mono (default: detected; NO_COLOR selects mono).")
    var colors: String?

    @Option(parsing: .unconditional, help: "Number of clusters.")
    var k: Int = 3

    @Option(help: "Initialisation: random, kmeans_plus_plus, manual.")
    var initialization: String = "kmeans_plus_plus"

    @Option(help: "Distance: squared_euclidean or cosine.")
    var metric: String = "squared_euclidean"

    @Option(parsing: .unconditional, help: "Use mini-batch training with this batch size.")
    var batchSize: Int?

    @Flag(inversion: .prefixedNo, help: "Mini-batches visit the rows in a seeded order per epoch (as `kmeans train --shuffle`).")
    var shuffle = true

    @Option(parsing: .unconditional, help: "Mini-batch steps per iteration (M).")
    var stepsPerIteration: Int = 1

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Write a headless rendering to this file ('-' for standard output) instead of opening the terminal.")
    var snapshot: String?

    @Option(help: "Snapshot format: text, styled, ansi or svg (a picture of the screen).")
    var format: String = "text"

    @Option(help: "Snapshot size, COLUMNSxROWS.")
    var size: String = "100x30"

    @Option(parsing: .unconditional, help: "Snapshot: full iterations to run before the keys.")
    var steps: Int = 0

    @Option(help: "Snapshot: keys to press, e.g. \"nnh?<esc><left>\" (<esc>, <enter>, <space>, <left>, <tick>, <click:X,Y>).")
    var keys: String = ""

    @Flag(help: "ASCII only (no braille, blocks or box drawing).")
    var ascii = false

    @Option(help: ArgumentHelp("Measure step and frame times on this many generated 2-D points at --size, then exit.", visibility: .hidden))
    var benchmarkPoints: Int?

    @Option(help: "Record what the terminal receives to this asciicast v2 file (`asciinema play FILE.cast`); with --snapshot, a reproducible headless recording on virtual time.")
    var record: String?

    @Flag(help: "Leave the mouse to the terminal (text selection) instead of clicks placing centres.")
    var noMouse = false

    @Option(help: "Open side by side: one run per --compare (2 to 4), each the settings above with key=value changes, e.g. --compare \"init=random,seed=5\" --compare \"init=kmeans_plus_plus\" (keys: init, seed, k, metric, mode, batch, M, retries, tolerance, empty, shuffle).")
    var compare: [String] = []

    @Option(help: "Replay a lesson file (format in docs/WORKBENCH.md): Space next stop, ← back, q quit; headless with --snapshot at the lesson's own size.")
    var lesson: String?

    func validate() throws {
        if let colors, ColorTier(rawValue: colors) == nil {
            throw ValidationError("--colors must be truecolor, 256, 8 or mono (got \"\(colors)\")")
        }
        guard CenterInitialization(name: initialization) != nil else {
            throw ValidationError("--initialization must be random, kmeans_plus_plus or manual (got \"\(initialization)\")")
        }
        guard DistanceMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be squared_euclidean or cosine (got \"\(metric)\")")
        }
        guard format == "svg" || SnapshotFormat(rawValue: format) != nil else { throw ValidationError("--format must be text, styled, ansi or svg (got \"\(format)\")") }
        _ = try WorkbenchLaunch.parseSize(size)
        do { _ = try Key.parseScript(keys) } catch { throw ValidationError("--keys: \(error)") }
        if k < 1 { throw ValidationError("--k must be at least 1 (got \(k))") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1 (got \(batchSize))") }
        if stepsPerIteration < 1 { throw ValidationError("--steps-per-iteration must be at least 1 (got \(stepsPerIteration))") }
        if steps < 0 { throw ValidationError("--steps must not be negative (got \(steps))") }
        if !compare.isEmpty || lesson != nil { try validateScreens() }
    }

    func run() throws {
        if !compare.isEmpty { _ = try WorkbenchScreens.specs(compare) }
        var settings = WorkbenchSettings()
        settings.k = k
        settings.initialization = CenterInitialization(name: initialization) ?? .kmeansPlusPlus
        settings.metric = DistanceMetric(rawValue: metric) ?? .squaredEuclidean
        settings.seed = seed
        if let batchSize {
            settings.useMiniBatch = true
            settings.batchSize = batchSize
        }
        settings.miniBatchStepsPerIteration = stepsPerIteration
        settings.shuffle = shuffle

        // The model's remembered columns decide which columns of the file are read.
        let remembered = try modelDir.flatMap { try ModelDirReader(path: $0).storedParameters()?.featureColumns }
        // Columns: the flag, else those the model was trained on.
        let columns = featureColumns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: " ") } }
            ?? remembered
        if truth != nil, data == nil { throw ValidationError("--truth needs --data FILE (the iris sample has its species as truth already)") }
        let dataSet = try WorkbenchLaunch.loadData(path: data, sample: sample, options: DataReadOptions(featureColumns: columns, skipInvalid: skipInvalid), truth: truth)
        var model = try modelDir.map { try WorkbenchModelDir.open($0, dataColumns: dataSet.points.columns) }
        if let saveTo {
            if model == nil { model = try WorkbenchModelDir.open(saveTo, dataColumns: dataSet.points.columns) } else { model?.saveTo = saveTo }
        }
        if let parameters = model?.parameters { settings = settings.adopting(parameters) }
        let checkpoints = model?.checkpoints ?? WorkbenchLaunch.loadCheckpoints(modelDir: nil)
        let environment = ProcessInfo.processInfo.environment
        var view = ViewOptions()
        view.unicode = !ascii && WorkbenchLaunch.localeIsUTF8(environment)
        let override = colors.flatMap(ColorTier.init(rawValue:))

        if let benchmarkPoints {
            let (width, height) = try WorkbenchLaunch.parseSize(size)
            print(WorkbenchBenchmark.run(points: benchmarkPoints, width: width, height: height, settings: settings))
            return
        }

        if let snapshot {
            // A snapshot is a UTF-8 file, not a terminal: Unicode unless --ascii, whatever the locale.
            view.unicode = !ascii
            let (width, height) = try WorkbenchLaunch.parseSize(size)
            let tier = ColorTier.detect(override: override, environment: environment, terminalColors: 256)
            view.marker = tier == .mono || !view.unicode ? .glyphs : .braille
            var session = Session(dataSet: dataSet, settings: settings, width: width, height: height, view: view)
            session.setCheckpoints(checkpoints.entries, origin: checkpoints.origin)
            if let model { session.follow(ModelDirUpdate(scalars: model.eventScalars())) }
            if let screen = try WorkbenchScreens.open(session: session, compare: compare, lesson: lesson, width: width, height: height) {
                let size = screen.lesson.map { ($0.lesson.width, $0.lesson.height) } ?? (width, height)
                var sized = screen
                sized.resize(width: size.0, height: size.1)
                let grid = try WorkbenchScreens.drive(sized, steps: steps, keys: try Key.parseScript(keys), tier: tier, record: record,
                                                      width: size.0, height: size.1)
                return try writeSnapshot(grid, to: snapshot)
            }
            // Steps on a model directory continue from its latest checkpoint, as `kmeans train --steps N` would.
            if steps > 0, let latest = model?.latest { session.continueRun(from: latest) }
            // Driven as the terminal drives it, so `C` opens the comparison headless too.
            var screen = WorkbenchScreen(session: session)
            if let record {
                screen = try Self.recording { try HeadlessRecording.record(screen, width: width, height: height, steps: steps,
                                                                           script: try Key.parseScript(keys), tier: tier, path: record) }
            } else {
                screen = Headless.drive(screen, steps: steps, script: try Key.parseScript(keys))
            }
            session = screen.session
            if let model, session.frames.contains(where: { $0.phase == .updated }) {
                StandardError.write("workbench: " + (try model.record(session)) + "\n")
            }
            if screen.exportRequested { screen.exportWritten(screen.runsToExport.map { RunExport.write($0, modelDir: model) }) }
            return try writeSnapshot(Renderer(tier: tier).render(screen), to: snapshot)
        }

        // The recording file is created before the terminal is touched, so a bad path is a plain one-line error.
        let size = TerminalScreen.standardOutputSize() ?? (80, 24)
        let opened = try WorkbenchScreens.open(session: Session(dataSet: dataSet, settings: settings, width: size.width, height: size.height, view: view),
                                               compare: compare, lesson: lesson, width: size.width, height: size.height)
        let recorder = try record.map { path in
            try Self.recording { try AsciicastWriter(path: path, width: size.width, height: size.height, timestamp: Int(Date().timeIntervalSince1970), environment: environment) }
        }
        let terminal: TerminalScreen
        do {
            terminal = try TerminalScreen.open(colorOverride: override, environment: environment, unicode: view.unicode, mouse: !noMouse, recorder: recorder)
        } catch {
            throw CLIError.data("cannot open the workbench: \(error); for a headless rendering try `kmeans workbench --snapshot - --size 100x30`")
        }
        defer { terminal.close() }
        view.marker = terminal.tier == .mono || !view.unicode ? .glyphs : .braille
        var session = Session(dataSet: dataSet, settings: settings, width: terminal.width, height: terminal.height, view: view)
        session.setCheckpoints(checkpoints.entries, origin: checkpoints.origin)
        var final: Session?
        let follow = model.flatMap { $0.isExport ? nil : $0.catalog.map(CheckpointFollow.init(catalog:)) }
        if let follow { session.follow(ModelDirUpdate(scalars: follow.scalars)) }
        // Opened again on the terminal's session (its marker and size); the checks above already passed.
        var screen = try opened?.lesson == nil ? WorkbenchScreens.open(session: session, compare: compare, lesson: nil, width: terminal.width, height: terminal.height)
            ?? WorkbenchScreen(session: session) : opened ?? WorkbenchScreen(session: session)
        screen.resize(width: terminal.width, height: terminal.height)
        let ending = WorkbenchLoop.run(screen: screen, terminal: terminal, followCheckpoints: follow.map { follow in { follow.poll() } },
                                       exportRun: { RunExport.write($0, modelDir: model) }, finished: { final = $0 })
        let recordingError = terminal.recordingError
        terminal.close()
        if let model, let final {
            do { StandardError.write("workbench: " + (try model.record(final)) + "\n") } catch {
                StandardError.write("workbench: the run was not saved to \(model.path): \(error)\n")
            }
        }
        if case let .signal(number) = ending { throw ExitCode(128 + number) }
        if let recordingError { throw CLIError.data(recordingError) }
    }

    /// `--compare` and `--lesson` checks that need no data: the spec count and syntax, and what they exclude.
    private func validateScreens() throws {
        if lesson != nil, !compare.isEmpty { throw ValidationError("--lesson and --compare cannot be combined (a lesson says what it compares)") }
        if modelDir != nil || saveTo != nil { throw ValidationError("--\(lesson != nil ? "lesson" : "compare") cannot be combined with --model-dir or --save-to") }
        if lesson != nil, steps > 0 { throw ValidationError("--steps does not apply to --lesson (press <space> in --keys for the next stop)") }
    }

    /// Writes a headless frame to `path` ('-': standard output) in `--format`.
    private func writeSnapshot(_ grid: CellGrid, to path: String) throws {
        let text = format == "svg" ? ScreenSVG().render(grid) : (SnapshotFormat(rawValue: format) ?? .text).render(grid)
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            do { try writeFile(Array(text.utf8), to: path) } catch {
                throw CLIError.data("cannot write snapshot \(path): \(error)")
            }
        }
    }

    /// Runs `body`, turning a recording error into the CLI's one-line error.
    private static func recording<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as AsciicastWriter.WriteError { throw CLIError.data(error.description) }
    }
}

/// Helpers for starting the workbench: argument parsing and data loading.
enum WorkbenchLaunch {
    /// Parses `COLUMNSxROWS`.
    static func parseSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1000, h <= 1000 else {
            throw ValidationError("--size must look like 100x30 (got \"\(text)\")")
        }
        return (w, h)
    }

    /// Whether the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG); an unset locale is the C locale, so ASCII.
    static func localeIsUTF8(_ environment: [String: String]) -> Bool {
        let value = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LANG"] ?? ""
        let lower = value.lowercased()
        return lower.contains("utf-8") || lower.contains("utf8")
    }

    /// The data set for `--data` (a file) or `--sample` (a built-in).
    static func loadData(path: String?, sample: String, options: DataReadOptions = DataReadOptions(), truth: String? = nil) throws -> DataSet {
        if let path { return try WorkbenchDataFile.load(path: path, options: options, truth: truth) }
        guard let builtIn = DataSet.BuiltIn(rawValue: sample) else {
            let names = DataSet.BuiltIn.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown --sample \"\(TerminalText.sanitized(sample))\"; built-in samples: \(names)")
        }
        return builtIn.dataSet
    }

    /// The checkpoints of `--model-dir`, or why there are none.
    static func loadCheckpoints(modelDir: String?) -> (entries: [CheckpointEntry], origin: String) {
        guard let modelDir else { return ([], "no model_dir opened (use --model-dir DIR)") }
        return ModelDirCheckpoints.load(modelDir: modelDir)
    }
}
