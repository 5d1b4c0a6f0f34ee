import KMeansCore

/// One run of a side-by-side comparison, written as `key=value` pairs over the base settings
/// (`kmeans workbench --compare "init=random,seed=5"`): `init` (random, kmeans_plus_plus), `seed`, `k`, `metric`
/// (squared_euclidean, cosine), `mode` (full, mini-batch), `batch` (a batch size: mini-batch), `M`, `retries`,
/// `tolerance`, `empty` (origin, farthest), `shuffle` (true, false).
public struct CompareSpec: Sendable, Equatable {
    /// The pairs as given, in order.
    public var pairs: [(key: String, value: String)]

    /// Equal pairs in the same order.
    public static func == (a: CompareSpec, b: CompareSpec) -> Bool {
        a.pairs.map(\.key) == b.pairs.map(\.key) && a.pairs.map(\.value) == b.pairs.map(\.value)
    }

    /// Why a spec cannot be used, naming the pair.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The one-line message.
        public var description: String
    }

    /// The keys a spec may set.
    public static let keys = ["init", "seed", "k", "metric", "mode", "batch", "M", "retries", "tolerance", "empty", "shuffle"]

    /// Parses `key=value[,key=value…]`; every key known and every value valid for `base`.
    public static func parse(_ text: String) throws(ParseError) -> CompareSpec {
        var pairs: [(key: String, value: String)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ParseError(description: "--compare \"\(TerminalText.sanitized(text))\": \"\(TerminalText.sanitized(String(item)))\" is not key=value (keys: \(keys.joined(separator: ", ")))")
            }
            guard keys.contains(parts[0]) else {
                throw ParseError(description: "--compare \"\(TerminalText.sanitized(text))\": unknown key \"\(TerminalText.sanitized(parts[0]))\" (keys: \(keys.joined(separator: ", ")))")
            }
            pairs.append((parts[0], parts[1]))
        }
        let spec = CompareSpec(pairs: pairs)
        _ = try spec.apply(to: WorkbenchSettings())
        return spec
    }

    /// `base` with the pairs applied.
    public func apply(to base: WorkbenchSettings) throws(ParseError) -> WorkbenchSettings {
        var settings = base
        for (key, value) in pairs {
            func bad(_ expected: String) -> ParseError {
                ParseError(description: "--compare: \(key)=\(TerminalText.sanitized(value)) is not valid; expected \(expected)")
            }
            func integer(_ range: ClosedRange<Int>) throws(ParseError) -> Int {
                guard let number = Int(value), range.contains(number) else { throw bad("an integer in \(range.lowerBound)…\(range.upperBound)") }
                return number
            }
            switch key {
            case "init":
                let name = value == "kmeans++" ? "kmeans_plus_plus" : value
                guard name != "manual", let choice = CenterInitialization(name: name) else { throw bad("random or kmeans_plus_plus") }
                settings.initialization = choice
            case "seed":
                guard let seed = UInt64(value) else { throw bad("a non-negative integer") }
                settings.seed = seed
            case "k": settings.k = try integer(1...10_000)
            case "metric":
                guard let metric = DistanceMetric(rawValue: value) else { throw bad("squared_euclidean or cosine") }
                settings.metric = metric
            case "mode":
                guard value == "full" || value == "mini-batch" else { throw bad("full or mini-batch") }
                settings.useMiniBatch = value == "mini-batch"
            case "batch":
                settings.batchSize = try integer(1...Int(Int32.max))
                settings.useMiniBatch = true
            case "M": settings.miniBatchStepsPerIteration = try integer(1...1000)
            case "retries": settings.kmeansPlusPlusRetries = try integer(0...100)
            case "tolerance":
                guard let tolerance = Double(value), tolerance >= 0, tolerance.isFinite else { throw bad("a number ≥ 0") }
                settings.relativeTolerance = tolerance
            case "empty":
                guard let policy = EmptyClusterPolicy(workbenchName: value) else { throw bad("origin or farthest") }
                settings.emptyClusterPolicy = policy
            case "shuffle":
                guard let flag = Bool(value) else { throw bad("true or false") }
                settings.shuffle = flag
            default: throw bad("one of \(Self.keys.joined(separator: ", "))")
            }
        }
        return settings
    }

    /// The spec as written on the command line, "init=random,seed=5".
    public var text: String { pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }

    /// A short name for the run: "random, seed 5", "k-means++", "cosine, k 4".
    public var label: String {
        guard !pairs.isEmpty else { return "base" }
        return pairs.map { key, value -> String in
            switch key {
            case "init": return CenterInitialization(name: value == "kmeans++" ? "kmeans_plus_plus" : value)?.label ?? value
            case "metric": return DistanceMetric(rawValue: value)?.label ?? value
            case "batch": return "B=\(value)"
            case "M": return "M=\(value)"
            case "mode": return value
            default: return "\(key) \(value)"
            }
        }.joined(separator: ", ")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
