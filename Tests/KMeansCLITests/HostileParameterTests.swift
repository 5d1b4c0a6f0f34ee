import Foundation
import Testing

/// Parameters no run can accept, beyond the owners' usage tests: each is refused with its flag or file named,
/// exit 2 when the command line does not parse, 1 for a value no model accepts (as TF's ValueError) and for files,
/// and no model directory appears.
@Suite("Hostile parameters")
struct HostileParameterTests {
    static let usageCases: [([String], String, Int32)] = [
        (["--num-clusters", "-1"], "num-clusters", 1),
        (["--num-clusters", "two"], "num-clusters", 2),
        (["--num-clusters", "99999999999999999999999"], "num-clusters", 2),
        (["--num-clusters", "2", "--mini-batch-steps-per-iteration", "x"], "mini-batch-steps-per-iteration", 2),
        (["--num-clusters", "2", "--relative-tolerance", "nan"], "relative-tolerance", 1),
        (["--num-clusters", "2", "--relative-tolerance", "-0.5"], "relative-tolerance", 1),
        (["--num-clusters", "2", "--relative-tolerance", "inf"], "relative-tolerance", 1),
        (["--num-clusters", "2", "--random-seed", "abc"], "random-seed", 2),
        (["--num-clusters", "2", "--batch-size", "-5"], "batch-size", 1),
        (["--num-clusters", "2", "--max-steps", "0"], "max-steps", 1),
        (["--num-clusters", "2", "--max-steps", "-3"], "max-steps", 1),
        (["--num-clusters", "2", "--steps", "-1"], "steps", 1),
        (["--num-clusters", "2", "--save-checkpoints-steps", "0"], "save-checkpoints-steps", 1),
        (["--num-clusters", "2", "--keep-checkpoint-max", "-1"], "keep-checkpoint-max", 1),
        (["--num-clusters", "2", "--distance-metric", "COSINE"], "distance-metric", 1),
        (["--num-clusters", "2", "--distance-metric", ""], "distance-metric", 1),
        (["--num-clusters", "2", "--initial-clusters", ""], "initial-clusters", 1),
        (["--num-clusters", "2", "--feature-columns", "a,,b"], "feature-columns", 1),
        (["--num-clusters", "2", "--use-mini-batch", "yes"], "use-mini-batch", 2),
        (["--num-clusters", "2", "--format", "xml"], "format", 2),
        (["--num-clusters", "2", "--steps"], "steps", 2),
        (["--num-clusters", "2", "--steps", "--max-steps", "3"], "steps", 2),
    ]

    @Test("a negative number after a space is the flag's value (as with `=`), not a missing value")
    func negativeValuesAfterASpace() throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n7,8\n")
        let spaced = try scratch.run(["train", "--data", data, "--model-dir", "spaced", "--num-clusters", "2",
                                      "--initial-clusters", "kmeans_plus_plus", "--kmeans-plus-plus-num-retries", "-1",
                                      "--random-seed", "-7", "--steps", "1", "--format", "json"])
        let joined = try scratch.run(["train", "--data", data, "--model-dir", "joined", "--num-clusters", "2",
                                      "--initial-clusters", "kmeans_plus_plus", "--kmeans-plus-plus-num-retries=-1",
                                      "--random-seed=-7", "--steps", "1", "--format", "json"])
        #expect(spaced.status == 0, "\(spaced.stderr)")
        #expect(joined.status == 0, "\(joined.stderr)")
        let centers = { (dir: String) in try scratch.run(["centers", "--model-dir", dir, "--format", "json"]) }
        let fromSpaced = try centers("spaced"), fromJoined = try centers("joined")
        #expect(fromSpaced.status == 0 && !fromSpaced.stdout.isEmpty, "\(fromSpaced.stderr)")
        #expect(fromSpaced.stdout == fromJoined.stdout)
    }

    @Test("flags no run can accept: exit 2 (unparsable) or 1 (invalid value) naming the flag, no model directory", arguments: usageCases)
    func usage(flags: [String], fragment: String, expectedStatus: Int32) throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n7,8\n")
        let result = try scratch.run(["train", "--data", data, "--model-dir", "m"] + flags)
        #expect(result.status == expectedStatus, "\(flags): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(flags): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!scratch.exists("m"), "\(flags) created the model directory")
    }

    /// Initial-centre files that cannot seed a model: (name, contents, extra flags, fragment). More centres than
    /// points is not among them: TensorFlow takes k from the array and leaves the extra clusters empty.
    static let centerFiles: [(String, String, [String], String)] = [
        ("nan-centres.csv", "1,2\nnan,4\n", [], "nan-centres.csv:2:1"),
        ("empty-centres.csv", "", [], "empty-centres.csv"),
        ("header-only-centres.csv", "a,b\n", [], "header-only-centres.csv"),
        ("wide-centres.csv", "1,2,3\n4,5,6\n", [], "3 columns"),
        ("narrow-centres.csv", "1\n2\n", [], "1 column"),
        ("ragged-centres.csv", "1,2\n3\n", [], "ragged-centres.csv:2"),
        ("too-few-centres.csv", "1,2\n", ["--num-clusters", "3"], "too-few-centres.csv"),
    ]

    @Test("initial-centre files of the wrong shape or content: exit 1 naming the file, no model directory", arguments: centerFiles)
    func badCenters(name: String, contents: String, flags: [String], fragment: String) throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n7,8\n")
        let centers = try scratch.write(name, contents)
        let result = try scratch.run(["train", "--data", data, "--model-dir", "m", "--initial-clusters", centers,
                                      "--use-mini-batch", "false", "--steps", "1"] + flags)
        #expect(result.status == 1 || result.status == 2, "\(name): \(result.status) \(result.stderr)")
        #expect(result.stderr.hasPrefix("kmeans: error: ") || result.status == 2, "\(name): \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(name): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!scratch.exists("m"), "\(name) left a model directory")
    }

    @Test("data that cannot feed the model: dimension mismatches, k above the rows after skipping, all rows invalid")
    func dataAgainstModel() throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n7,8\n")
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--num-clusters", "2", "--use-mini-batch", "false",
                                 "--steps", "1", "--quiet"])
        let before = snapshotFiles(scratch.url.appendingPathComponent("m"))
        let narrow = try scratch.write("narrow.csv", "1\n2\n3\n")
        let wideNPY = try scratch.write("wide.npy", bytes: npy(descr: "<f4", shape: "(1, 3)", data: [UInt8](repeating: 0, count: 12)))
        let cases: [([String], String)] = [
            (["train", "--data", narrow, "--model-dir", "m", "--steps", "1"], "narrow.csv"),
            (["predict", "--data", narrow, "--model-dir", "m"], "narrow.csv"),
            (["evaluate", "--data", wideNPY, "--model-dir", "m"], "wide.npy"),
            (["transform", "--data", wideNPY, "--model-dir", "m"], "wide.npy"),
            (["score", "--data", narrow, "--model-dir", "m"], "narrow.csv"),
        ]
        for (arguments, fragment) in cases {
            let result = try scratch.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("kmeans: error: ") && result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("dimension mismatch") || result.stderr.contains("column"), "\(arguments): \(result.stderr)")
        }
        #expect(snapshotFiles(scratch.url.appendingPathComponent("m")) == before, "a refused command changed the model directory")

        let mostlyNaN = try scratch.write("mostly-nan.csv", "1,2\nnan,1\ninf,2\n3,nan\n")
        let few = try scratch.run(["train", "--data", mostlyNaN, "--model-dir", "f", "--num-clusters", "2", "--skip-invalid"])
        #expect(few.status == 1 && few.stderr.contains("k = 2 is more than the 1 point"), "\(few.stderr)")
        let allNaN = try scratch.write("all-nan.csv", "nan,1\ninf,2\n")
        let none = try scratch.run(["train", "--data", allNaN, "--model-dir", "g", "--num-clusters", "1", "--skip-invalid"])
        #expect(none.status == 1 && none.stderr.contains("all-nan.csv"), "\(none.stderr)")
        #expect(!scratch.exists("f") && !scratch.exists("g"))
    }
}
