import Foundation
import Testing

/// Bad data and bad flags: one clear line naming the file, line, column or value; the right exit code; nothing written.
@Suite("kmeans bad input")
struct BadInputTests {
    /// A data error: exit 1, `kmeans: error:` and the fragment on standard error, no model directory left behind.
    private func expectDataError(_ scratch: Scratch, _ arguments: [String], _ fragment: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try scratch.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("kmeans: error: "), sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Stack") && !result.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("bad data files name file:line:column and the value, exit 1, and leave no model directory")
    func badData() throws {
        let scratch = try Scratch()
        let cases: [(String, String, String)] = [
            ("word.csv", "x,y\n1,2\n3,abc\n", "word.csv:3:2: \"abc\" is not a number"),
            ("ragged.csv", "1,2,3\n4,5\n", "ragged.csv:2:3: row has 2 fields, expected 3"),
            ("nan.csv", "1,2\nnan,3\n", "nan.csv:2:1: \"nan\" is not a finite number"),
            ("inf.csv", "1,2\n3,-inf\n", "inf.csv:2:2: \"-inf\" is not a finite number"),
            ("empty.csv", "", "empty.csv: file is empty"),
            ("header.csv", "a,b\n", "header.csv:2: header but no data rows"),
            ("mixed.csv", "1,2\n3;4\n", "mixed delimiters"),
            ("quote.csv", "1,\"2\n", "quote.csv:1:2: quoted field starting here is never closed"),
        ]
        for (name, text, fragment) in cases {
            let path = try scratch.write(name, text)
            try expectDataError(scratch, ["train", "--data", path, "--model-dir", "m-\(name)", "--num-clusters", "1", "--steps", "1"], fragment)
            #expect(!scratch.exists("m-\(name)"), "\(name) left a model directory")
        }
        let truncated = try scratch.write("t.npy", bytes: npy(descr: "<f4", shape: "(4, 2)", data: [0, 0, 0, 0]))
        try expectDataError(scratch, ["train", "--data", truncated, "--model-dir", "m", "--num-clusters", "1"], "t.npy: truncated: shape (4, 2) of <f4 needs 32 bytes")
        let wrongType = try scratch.write("c.npy", bytes: npy(descr: "<c8", shape: "(1, 1)", data: [UInt8](repeating: 0, count: 8)))
        try expectDataError(scratch, ["train", "--data", wrongType, "--model-dir", "m", "--num-clusters", "1"], "unsupported dtype \"<c8\"")
        let nanNPY = try scratch.write("nan.npy", bytes: npy(descr: "<f4", shape: "(2, 2)",
                                                             data: [Float(1), 2, 3, .nan].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
        try expectDataError(scratch, ["train", "--data", nanNPY, "--model-dir", "m", "--num-clusters", "1"], "nan.npy:2:2: nan is not a finite number")
        try expectDataError(scratch, ["train", "--data", scratch.path("missing.csv"), "--model-dir", "m", "--num-clusters", "1"], "cannot open")
        #expect(!scratch.exists("m"))
    }

    @Test("NaN rows are skipped and counted with --skip-invalid")
    func skipInvalid() throws {
        let scratch = try Scratch()
        let path = try scratch.write("nan.csv", "1,2\nnan,3\n4,5\n6,\n")
        let trained = try scratch.succeed(["train", "--data", path, "--model-dir", "m", "--num-clusters", "1", "--use-mini-batch", "false",
                                           "--steps", "1", "--skip-invalid", "--format", "json"]).json()
        #expect(number(trained["skipped_rows"]) == 2)
        #expect(number(trained["rows"]) == 2)
        // The mean of the two valid rows (TF divides by count + 1e-6).
        #expect(close(try #require(matrix(trained["cluster_centers"])), [[2.5, 3.5]], relative: 1e-5))
    }

    @Test("model and data that do not fit: exit 1 with the reason")
    func mismatches() throws {
        let scratch = try Scratch()
        let data = try scratch.write("d.csv", "1,2\n3,4\n5,6\n")
        try expectDataError(scratch, ["train", "--data", data, "--model-dir", "m", "--num-clusters", "4"], "k = 4 is more than the 3 points")
        #expect(!scratch.exists("m"))
        let centers = try scratch.write("c.csv", "1,2,3\n")
        try expectDataError(scratch, ["train", "--data", data, "--model-dir", "m", "--initial-clusters", centers], "initial centres have 3 columns")
        let two = try scratch.write("two.csv", "1,2\n5,6\n")
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "ok", "--use-mini-batch", "false", "--steps", "1",
                                 "--initial-clusters", two])
        let wide = try scratch.write("wide.csv", "1,2,3\n")
        try expectDataError(scratch, ["predict", "--data", wide, "--model-dir", "ok"], "wide.csv: has 3 feature columns but the model's centres have 2")
        try expectDataError(scratch, ["centers", "--model-dir", scratch.path("nowhere")], "no such model directory")
        try expectDataError(scratch, ["predict", "--data", data, "--model-dir", "ok", "--checkpoint", "model.ckpt-999"], "no such checkpoint")
        let unknown = try scratch.write("named.csv", "a,b\n1,2\n3,4\n")
        try expectDataError(scratch, ["train", "--data", unknown, "--model-dir", "n", "--num-clusters", "1", "--feature-columns", "a,zz"],
                            "named.csv:1: no column named \"zz\"")
    }

    @Test("parameter values no model accepts exit 1 naming the flag, as TF's ValueError", arguments: [
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "0"], "--num-clusters must be > 0"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--steps", "3", "--max-steps", "4"], "not both"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--distance-metric", "manhattan"], "squared_euclidean or cosine"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--batch-size", "0"], "--batch-size must be > 0"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--steps", "0"], "--steps must be > 0"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--initial-clusters", "nonsense"], "--initial-clusters must be"),
        (["evaluate", "--data", "x.csv", "--model-dir", "m", "--steps", "0"], "--steps must be > 0"),
        (["predict", "--data", "x.csv", "--model-dir", "m", "--batch-size", "0"], "--batch-size must be > 0"),
    ])
    func parameterErrors(arguments: [String], fragment: String) throws {
        let scratch = try Scratch()
        try scratch.write("x.csv", "1,2\n3,4\n5,6\n")
        let result = try scratch.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.status) \(result.stderr)")
        #expect(result.stderr.hasPrefix("kmeans: error: "), "\(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(result.stderr)")
        #expect(!scratch.exists("m"))
    }

    @Test("usage errors (options that do not parse, or are missing) exit 2 with the usage line", arguments: [
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "2", "--use-mini-batch", "maybe"], "use-mini-batch"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--num-clusters", "two"], "num-clusters"),
        (["train", "--model-dir", "m", "--num-clusters", "2"], "--data"),
        (["train", "--data", "x.csv", "--model-dir", "m", "--bogus"], "bogus"),
        (["predict", "--model-dir", "m"], "--data"),
    ])
    func usage(arguments: [String], fragment: String) throws {
        let scratch = try Scratch()
        try scratch.write("x.csv", "1,2\n3,4\n5,6\n")
        let result = try scratch.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(result.stderr)")
        #expect(!scratch.exists("m"))
    }

    @Test("cosine training refuses all-zero rows with their line, or skips them with --skip-invalid")
    func cosineZeroRows() throws {
        let scratch = try Scratch()
        let data = try scratch.write("z.csv", "x,y\n1,0\n0,0\n1,1\n")
        try expectDataError(scratch, ["train", "--data", data, "--model-dir", "m", "--num-clusters", "1", "--distance-metric", "cosine",
                                      "--use-mini-batch", "false", "--steps", "1"], "z.csv:3: row is all zeros")
        #expect(!scratch.exists("m"))
        let skipped = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--num-clusters", "1", "--distance-metric", "cosine",
                                           "--use-mini-batch", "false", "--steps", "1", "--skip-invalid", "--format", "json"]).json()
        #expect(number(skipped["skipped_rows"]) == 1)
        // Squared Euclidean has no such restriction.
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "e", "--num-clusters", "1", "--use-mini-batch", "false", "--steps", "1"])
    }

    @Test("errors say what to do: --skip-invalid for a skippable --data row (not for the centres file), the flag to change, the broken field")
    func remedies() throws {
        let scratch = try Scratch()
        let nan = try scratch.write("nan.csv", "1,2\n3,\n")
        try expectDataError(scratch, ["train", "--data", nan, "--model-dir", "m", "--num-clusters", "1"],
                            "nan.csv:2:2: empty field, expected a number; --skip-invalid skips such rows")
        let data = try scratch.write("d.csv", "1,2\n3,4\n")
        let centers = try scratch.write("c.csv", "nan,1\n")
        let result = try scratch.run(["train", "--data", data, "--model-dir", "m", "--initial-clusters", centers])
        #expect(result.status == 1 && result.stderr.contains("c.csv:1:1: \"nan\" is not a finite number"), "\(result.stderr)")
        #expect(!result.stderr.contains("--skip-invalid"), "\(result.stderr)")
        try expectDataError(scratch, ["train", "--data", data, "--model-dir", "m", "--num-clusters", "3"], "lower --num-clusters")
        try expectDataError(scratch, ["train", "--data", data, "--model-dir", "m", "--num-clusters", "2", "--batch-size", "1",
                                      "--initial-clusters", "kmeans_plus_plus"], "raise it to 2 or more")
        #expect(!scratch.exists("m"))
        _ = try scratch.succeed(["train", "--data", data, "--model-dir", "m", "--num-clusters", "1", "--steps", "1", "--quiet"])
        _ = try scratch.write("m/kmeans_params.json", "{\"format_version\": 1}")
        try expectDataError(scratch, ["centers", "--model-dir", scratch.path("m")], "kmeans_params.json: cannot read the remembered parameters: num_clusters is missing")
    }
}

/// A version 1.0 `.npy` file with a correctly padded header.
func npy(descr: String, shape: String, data: [UInt8]) -> [UInt8] {
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    let length = header.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
}
