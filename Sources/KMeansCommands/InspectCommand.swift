import ArgumentParser
import Foundation
import KMeansCore
import KMeansData
import KMeansEstimator
import TFFormats

/// `kmeans inspect DIR`: everything in a model directory, ours or TensorFlow's.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model directory: checkpoints, variables, remembered parameters, event scalars, and cluster sizes with --data.")

    @Argument(help: "The model directory.")
    var directory: String
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var parameters: ModelParameterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var followOptions: FollowOptions

    /// Tensors with more elements are described by shape only.
    static let largestSummarized = 1 << 22

    func validate() throws { try followOptions.validate(for: output.format) }

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        if followOptions.follow {
            return try ModelDirFollow(displayName: directory, url: url, options: followOptions, format: output.format).run()
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError.data("\(directory): no such directory")
        }
        if SavedModelReader.isSavedModel(directory: url) {  // an export: see SavedModelInspection
            return StandardOutput.write(try SavedModelInspection.report(url, displayName: directory, format: output.format))
        }
        let modelDirectory = ModelDirectory(url: url)
        let stored = try ModelDirReader(path: url.path).storedParameters()
        let state = try modelDirectory.checkpointState()
        let checkpoints = try modelDirectory.checkpoints()
        let latest = try modelDirectory.latestCheckpoint()

        var checkpointRows: [JSONValue] = []
        var textCheckpoints: [[String]] = [["checkpoint", "step", "saved"]]
        for checkpoint in checkpoints {
            let index = TensorBundleFiles.indexURL(prefix: checkpoint.prefix)
            let modified = (try? FileManager.default.attributesOfItem(atPath: index.path)[.modificationDate]) as? Date
            let time = modified.map { ISO8601DateFormatter().string(from: $0) }
            checkpointRows.append(.object([
                ("name", .string(checkpoint.name)), ("path", .string(checkpoint.prefix.path)),
                ("step", checkpoint.step.map { .int($0) } ?? .null), ("time", time.map { .string($0) } ?? .null),
            ]))
            textCheckpoints.append([checkpoint.name, checkpoint.step.map { "\($0)" } ?? "-", time ?? "?"])
        }

        var variableRows: [JSONValue] = []
        var textVariables: [[String]] = [["variable", "dtype", "shape", "summary"]]
        if let latest {
            let reader = try modelDirectory.open(latest)
            for entry in reader.entries {
                let dtype = entry.dataType?.name ?? "dtype(\(entry.dataTypeCode))"
                let shape = "[" + entry.shape.map(String.init).joined(separator: ", ") + "]"
                var summary = ""
                var value: JSONValue = .null
                if entry.isSliced {
                    summary = "sliced variable (not read)"
                } else if let count = entry.elementCount, count > Self.largestSummarized {
                    summary = "\(count) elements (not read)"
                } else {
                    do {
                        (summary, value) = describe(try reader.tensor(for: entry))
                    } catch {
                        summary = "unreadable: \(error)"
                    }
                }
                variableRows.append(.object([
                    ("name", .string(entry.name)), ("dtype", .string(dtype)), ("shape", .array(entry.shape.map { .int(Int64($0)) })),
                    ("summary", .string(summary)), ("value", value),
                ]))
                textVariables.append([sanitized(entry.name), dtype, shape, summary])
            }
        }

        // Event files: in the directory and one level below (eval/, eval_<name>/).
        var eventRows: [JSONValue] = []
        var textEvents: [[String]] = [["event file", "tag", "count", "last step", "last value"]]
        var lastLoss: (step: Int64, value: Double)?
        var lastScore: (step: Int64, value: Double)?
        for file in eventFiles(in: url) {
            let relative = String(file.path.dropFirst(url.standardizedFileURL.path.count + 1))
            var tags: [(String, JSONValue)] = []
            do {
                let scalars = try EventFileReader.scalars(file)
                for tag in scalars.keys.sorted() {
                    let series = scalars[tag]!
                    guard let last = series.last else { continue }
                    tags.append((tag, .object([("count", .int(Int64(series.count))), ("last_step", .int(last.step)), ("last_value", .double(last.value)),
                                               ("values", .array(series.map { .array([.int($0.step), .double($0.value)]) }))])))
                    textEvents.append([sanitized(relative), sanitized(tag), "\(series.count)", "\(last.step)", "\(Float(last.value))"])
                    let isEval = relative.hasPrefix("eval")
                    if tag == "loss" && !isEval, lastLoss.map({ last.step >= $0.step }) ?? true { lastLoss = last }
                    if tag == "score", lastScore.map({ last.step >= $0.step }) ?? true { lastScore = last }
                }
                eventRows.append(.object([("file", .string(relative)), ("scalars", .object(tags))]))
            } catch {
                eventRows.append(.object([("file", .string(relative)), ("error", .string("\(error)"))]))
                textEvents.append([sanitized(relative), "unreadable: \(error)", "", "", ""])
            }
        }

        var clusterSizes: [Int]? = nil
        var sizesSource: String? = nil
        if dataOptions.data != nil {
            guard latest != nil else { throw CLIError.data("\(directory): no checkpoint, so no cluster sizes") }
            (clusterSizes, sizesSource) = try computeClusterSizes(url: url)
        }

        switch output.format {
        case .json, .jsonl:
            var fields: [(String, JSONValue)] = [
                ("model_dir", .string(directory)),
                ("latest_checkpoint", latest.map { .string($0.name) } ?? .null),
                ("checkpoint_state", state.map { .object([("model_checkpoint_path", .string($0.modelCheckpointPath)),
                                                          ("all_model_checkpoint_paths", .array($0.allModelCheckpointPaths.map { .string($0) }))]) } ?? .null),
                ("checkpoints", .array(checkpointRows)),
                ("variables", .array(variableRows)),
                ("events", .array(eventRows)),
                ("loss", lastLoss.map { .double($0.value) } ?? .null),
                ("score", lastScore.map { .double($0.value) } ?? .null),
                ("parameters", stored?.jsonValue ?? .null),
            ]
            if let clusterSizes { fields.append(("cluster_sizes", .array(clusterSizes.map { .int(Int64($0)) }))) }
            let value = JSONValue.object(fields)
            StandardOutput.write((output.format == .json ? value.pretty : value.compact) + "\n")
        case .csv:
            var text = "name,dtype,shape,summary\n"
            for row in textVariables.dropFirst() {
                text += row.map { CSVWriter.escape($0) }.joined(separator: ",") + "\n"
            }
            StandardOutput.write(text)
        case .text:
            var text = "model directory: \(sanitized(directory))\n"
            if let stored {
                text += "parameters (\(StoredParameters.fileName)): num_clusters=\(stored.numClusters) initial_clusters=\(stored.initialClusters) "
                text += "distance_metric=\(stored.distanceMetric) use_mini_batch=\(stored.useMiniBatch) "
                text += "mini_batch_steps_per_iteration=\(stored.miniBatchStepsPerIteration) random_seed=\(stored.randomSeed)"
                text += stored.numFeatures.map { " num_features=\($0)" } ?? ""
                text += "\n"
            } else {
                text += "parameters: no \(StoredParameters.fileName) (a TensorFlow-written directory, or never trained by this tool)\n"
            }
            text += "\n"
            if checkpoints.isEmpty {
                text += "checkpoints: none\n"
            } else {
                text += "checkpoints (latest: \(latest?.name ?? "none")):\n" + formatLeft(textCheckpoints)
            }
            if let latest {
                text += "\nvariables of \(latest.name):\n" + formatLeft(textVariables)
            }
            text += "\n"
            if textEvents.count == 1 {
                text += "event scalars: none\n"
            } else {
                text += "event scalars:\n" + formatLeft(textEvents)
            }
            if let lastLoss { text += "last loss: \(Float(lastLoss.value)) (step \(lastLoss.step))\n" }
            if let lastScore { text += "last score: \(Float(lastScore.value)) (step \(lastScore.step))\n" }
            if let clusterSizes {
                text += "\ncluster sizes on \(sizesSource ?? "the data"):\n"
                text += formatLeft([["cluster", "size"]] + clusterSizes.enumerated().map { ["\($0.offset)", "\($0.element)"] })
            }
            StandardOutput.write(text)
        }
    }

    /// Event files of `url` and its immediate subdirectories, sorted by path.
    private func eventFiles(in url: URL) -> [URL] {
        let manager = FileManager.default
        var found: [URL] = []
        let base = url.standardizedFileURL
        for name in (try? manager.contentsOfDirectory(atPath: base.path)) ?? [] {
            let child = base.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: child.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for inner in (try? manager.contentsOfDirectory(atPath: child.path)) ?? [] where EventFileReader.isEventFileName(inner) {
                    found.append(child.appendingPathComponent(inner))
                }
            } else if EventFileReader.isEventFileName(name) {
                found.append(child)
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// How many rows of `--data` fall nearest to each centre.
    private func computeClusterSizes(url: URL) throws -> ([Int], String) {
        let context = try ModelContext.open(ModelDirOptions.make(modelDir: url.path), flags: parameters,
                                            featureColumns: dataOptions.featureColumnList)
        let input = try DataInput(dataOptions, featureColumns: context.parameters.featureColumns)
        var sizes = [Int](repeating: 0, count: context.parameters.numClusters)
        try forEachPrediction(context, input, batchSize: 65536) { _, indices in
            for index in indices where Int(index) < sizes.count { sizes[Int(index)] += 1 }
        }
        return (sizes, input.path)
    }

    /// A short readable summary of a tensor, and its values for small ones.
    private func describe(_ tensor: Tensor) -> (String, JSONValue) {
        let small = tensor.values.count <= 4096
        func range<T: Comparable & CustomStringConvertible>(_ values: [T]) -> String {
            guard let low = values.min(), let high = values.max() else { return "empty" }
            return "min \(low), max \(high)"
        }
        switch tensor.values {
        case .float(let values):
            if tensor.shape.isEmpty, let value = values.first { return ("\(value)", .float(value)) }
            let finite = values.filter(\.isFinite)
            let mean = finite.isEmpty ? Float.nan : finite.reduce(0, +) / Float(finite.count)
            var text = values.isEmpty ? "empty" : "\(range(values)), mean \(mean)"
            if finite.count != values.count { text += ", \(values.count - finite.count) non-finite" }
            return (text, small ? .floats(values) : .null)
        case .double(let values):
            if tensor.shape.isEmpty, let value = values.first { return ("\(value)", .double(value)) }
            return (values.isEmpty ? "empty" : range(values), small ? .array(values.map { .double($0) }) : .null)
        case .int32(let values):
            if tensor.shape.isEmpty, let value = values.first { return ("\(value)", .int(Int64(value))) }
            return (values.isEmpty ? "empty" : "\(range(values)), sum \(values.reduce(0) { $0 + Int64($1) })",
                    small ? .array(values.map { .int(Int64($0)) }) : .null)
        case .int64(let values):
            if tensor.shape.isEmpty, let value = values.first { return ("\(value)", .int(value)) }
            return (values.isEmpty ? "empty" : "\(range(values)), sum \(values.reduce(0, &+))", small ? .array(values.map { .int($0) }) : .null)
        case .bool(let values):
            if tensor.shape.isEmpty, let value = values.first { return ("\(value)", .bool(value)) }
            return ("\(values.filter { $0 }.count) of \(values.count) true", small ? .array(values.map { .bool($0) }) : .null)
        case .string(let values):
            let bytes = values.reduce(0) { $0 + $1.count }
            return ("\(values.count) string\(values.count == 1 ? "" : "s"), \(bytes) bytes", .null)
        }
    }
}

/// Left-aligned columns separated by two spaces, indented by two.
func formatLeft(_ rows: [[String]]) -> String {
    let widths = columnWidths(rows)
    var text = ""
    for row in rows {
        var line = "  "
        for (i, cell) in row.enumerated() {
            line += cell
            if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.count + 2) }
        }
        text += line + "\n"
    }
    return text
}

/// Text from files (names, tags) with control characters escaped, so nothing reaches the terminal as a command.
func sanitized(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

extension ModelDirOptions {
    static func make(modelDir: String, checkpoint: String? = nil) throws -> ModelDirOptions {
        var arguments = ["--model-dir", modelDir]
        if let checkpoint { arguments += ["--checkpoint", checkpoint] }
        return try ModelDirOptions.parse(arguments)
    }
}
