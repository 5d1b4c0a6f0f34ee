import Foundation
import Testing

/// Model directories from elsewhere, damaged or lying, given to every command: each read fails with one line
/// naming the file (exit 1), never a crash, and a failed `train` leaves the directory exactly as it was.
@Suite("Hostile model directories through the CLI")
struct HostileModelDirTests {
    /// One way to damage a trained directory.
    struct Damage: CustomStringConvertible, Sendable {
        var description: String
        /// A fragment every failing read's message must contain.
        var fragment: String
        /// Commands that may still succeed (they do not need what was damaged).
        var unaffected: Set<String> = []
        var apply: @Sendable (URL) throws -> Void
    }

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }
    static func write(_ bytes: [UInt8], _ url: URL) throws { try Data(bytes).write(to: url) }
    static let index = "model.ckpt-2.index"
    static let data = "model.ckpt-2.data-00000-of-00001"

    static let damages: [Damage] = [
        Damage(description: "index truncated to 0 bytes", fragment: index) { try write([], $0.appendingPathComponent(index)) },
        Damage(description: "index truncated to 20 bytes", fragment: index) { dir in
            try write(Array(try bytes(dir.appendingPathComponent(index)).prefix(20)), dir.appendingPathComponent(index))
        },
        Damage(description: "index missing its last byte", fragment: index) { dir in
            try write(Array(try bytes(dir.appendingPathComponent(index)).dropLast()), dir.appendingPathComponent(index))
        },
        Damage(description: "index block byte flipped", fragment: index) { dir in
            var b = try bytes(dir.appendingPathComponent(index)); b[5] ^= 0x40; try write(b, dir.appendingPathComponent(index))
        },
        Damage(description: "index footer magic flipped", fragment: index) { dir in
            var b = try bytes(dir.appendingPathComponent(index)); b[b.count - 1] ^= 0xFF; try write(b, dir.appendingPathComponent(index))
        },
        Damage(description: "data byte flipped (bad CRC)", fragment: data) { dir in
            var b = try bytes(dir.appendingPathComponent(data)); b[b.count / 2] ^= 0x01; try write(b, dir.appendingPathComponent(data))
        },
        Damage(description: "data truncated", fragment: data) { dir in
            try write(Array(try bytes(dir.appendingPathComponent(data)).prefix(4)), dir.appendingPathComponent(data))
        },
        Damage(description: "data file missing", fragment: data) { try FileManager.default.removeItem(at: $0.appendingPathComponent(data)) },
        Damage(description: "data replaced by a directory", fragment: data) { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent(data))
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(data), withIntermediateDirectories: false)
        },
        Damage(description: "state file points outside the directory", fragment: "outside the model directory") { dir in
            try Data("model_checkpoint_path: \"../elsewhere/model.ckpt-2\"\n".utf8).write(to: dir.appendingPathComponent("checkpoint"))
        },
        Damage(description: "state file points at /etc/passwd", fragment: "outside the model directory") { dir in
            try Data("model_checkpoint_path: \"/etc/passwd\"\n".utf8).write(to: dir.appendingPathComponent("checkpoint"))
        },
        // As in TensorFlow, a state file naming a missing checkpoint means "no checkpoint": train starts afresh.
        Damage(description: "state file names a missing checkpoint", fragment: "checkpoint", unaffected: ["train"]) { dir in
            try Data("model_checkpoint_path: \"model.ckpt-999\"\n".utf8).write(to: dir.appendingPathComponent("checkpoint"))
        },
        Damage(description: "state file is binary garbage", fragment: "checkpoint") { dir in
            try write((0..<200).map { UInt8(($0 * 37 + 11) & 0xFF) }, dir.appendingPathComponent("checkpoint"))
        },
        Damage(description: "state file has an unterminated string", fragment: "checkpoint") { dir in
            try Data("model_checkpoint_path: \"model.ckpt-2\n".utf8).write(to: dir.appendingPathComponent("checkpoint"))
        },
        Damage(description: "remembered parameters are not JSON", fragment: "kmeans_params.json") { dir in
            try Data("{\"num_clusters\": ".utf8).write(to: dir.appendingPathComponent("kmeans_params.json"))
        },
        // Plausible on its own; the checkpoint contradicts it (centers needs only the checkpoint).
        Damage(description: "remembered parameters claim a billion clusters", fragment: "k = 1000000000", unaffected: ["centers"]) { dir in
            let url = dir.appendingPathComponent("kmeans_params.json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            object["num_clusters"] = 1_000_000_000
            try JSONSerialization.data(withJSONObject: object).write(to: url)
        },
        Damage(description: "remembered parameters with a negative k", fragment: "kmeans_params.json") { dir in
            let url = dir.appendingPathComponent("kmeans_params.json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            object["num_clusters"] = -3
            try JSONSerialization.data(withJSONObject: object).write(to: url)
        },
        Damage(description: "remembered parameters with an unknown metric", fragment: "kmeans_params.json") { dir in
            let url = dir.appendingPathComponent("kmeans_params.json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            object["distance_metric"] = "manhattan\u{1B}[2J"
            try JSONSerialization.data(withJSONObject: object).write(to: url)
        },
    ]

    @Test("every command on a damaged model_dir: one clear line, exit 1, nothing written", arguments: damages)
    func damagedDirectory(damage: Damage) throws {
        let scratch = try Scratch()
        let points = try scratch.write("points.csv", blobsCSV(centers: [[0, 0], [4, 4]], perCenter: 10))
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--num-clusters", "2", "--use-mini-batch", "false",
                                 "--steps", "2", "--quiet"])
        let model = scratch.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        try damage.apply(model)
        let damaged = snapshotFiles(model)
        var tried = 0

        let commands: [[String]] = [
            ["centers", "--model-dir", "model"],
            ["predict", "--data", points, "--model-dir", "model", "--format", "jsonl"],
            ["evaluate", "--data", points, "--model-dir", "model"],
            ["transform", "--data", points, "--model-dir", "model"],
            ["train", "--data", points, "--model-dir", "model", "--steps", "1"],
        ]
        for command in commands {
            let result = try scratch.run(command)
            let label = "\(damage) / \(command[0])"
            tried += 1
            if damage.unaffected.contains(command[0]) {
                #expect(result.status == 0 || (result.status == 1 && result.stderr.hasPrefix("kmeans: error: ")), "\(label): \(result.stderr)")
                continue
            }
            #expect(result.status == 1, "\(label): exit \(result.status): \(result.stderr)")
            #expect(result.stderr.hasPrefix("kmeans: error: "), "\(label): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(label): not one line: \(result.stderr)")
            #expect(result.stderr.contains(damage.fragment), "\(label): does not name \(damage.fragment): \(result.stderr)")
            #expect(!result.stderr.contains("\u{1B}"), "\(label): raw escape in the message")
            #expect(result.stdout.isEmpty, "\(label): printed \(result.stdout.prefix(200))")
            #expect(snapshotFiles(model) == damaged, "\(label): the directory was changed")
        }
        #expect(tried == commands.count)
        // inspect reports what it can and never crashes.
        let inspect = try scratch.run(["inspect", "model"])
        #expect(inspect.status == 0 || (inspect.status == 1 && inspect.stderr.hasPrefix("kmeans: error: ")), "\(damage) / inspect: \(inspect.stderr)")
        #expect(!inspect.stderr.contains("Fatal error"))
    }

    @Test("garbage and truncated event files make inspect say so, not crash")
    func hostileEventFiles() throws {
        let scratch = try Scratch()
        let points = try scratch.write("points.csv", blobsCSV(centers: [[0, 0], [4, 4]], perCenter: 10))
        _ = try scratch.succeed(["train", "--data", points, "--model-dir", "model", "--num-clusters", "2", "--use-mini-batch", "false", "--steps", "101", "--quiet"])
        let model = scratch.url.appendingPathComponent("model")
        let events = try #require(try FileManager.default.contentsOfDirectory(atPath: model.path).first { $0.contains("tfevents") })
        let original = try Self.bytes(model.appendingPathComponent(events))
        var flipped = original
        flipped[flipped.count - 3] ^= 0x10
        let variants: [(String, [UInt8])] = [
            ("garbage", (0..<300).map { UInt8(($0 * 91 + 7) & 0xFF) }),
            ("truncated", Array(original.dropLast(5))),
            ("bad data CRC", flipped),
            ("huge record length", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] + [UInt8](repeating: 0, count: 20)),
            ("empty", []),
        ]
        for (name, bytes) in variants {
            try Self.write(bytes, model.appendingPathComponent(events))
            let result = try scratch.run(["inspect", "model", "--format", "json"])
            #expect(result.status == 0 || result.status == 1, "\(name): \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrac"), "\(name): \(result.stderr)")
            if result.status == 1 {
                #expect(result.stderr.contains(events), "\(name): the error does not name the event file: \(result.stderr)")
            }
            // The checkpoint itself still serves.
            _ = try scratch.succeed(["centers", "--model-dir", "model"])
        }
    }
}
