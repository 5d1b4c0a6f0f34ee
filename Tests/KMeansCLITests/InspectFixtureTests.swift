import Foundation
import Testing

/// `kmeans inspect` on directories TensorFlow wrote.
@Suite("kmeans inspect on TensorFlow-written directories")
struct InspectFixtureTests {
    static let directories = ["kmeans_full_batch", "kmeans_minibatch_m1", "kmeans_minibatch_m3", "saver_v1", "tf2_object",
                              "events_tf1", "events_tf2"]

    @Test("prints every variable of the latest checkpoint and every event scalar", arguments: directories)
    func inspect(name: String) throws {
        let scratch = try Scratch()
        let directory = fixtures.appendingPathComponent("tf-model-dirs/\(name)")
        let expectedData = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: expectedData) as? [String: Any])
        let result = try scratch.succeed(["inspect", directory.path, "--format", "json"])
        let json = try result.json()

        // Variables: names, dtypes and shapes of the latest checkpoint; float values equal TF's.
        if let latest = expected["latest_checkpoint"] as? String {
            #expect(json["latest_checkpoint"] as? String == latest)
            let checkpoints = try #require(expected["checkpoints"] as? [String: Any])
            let tfVariables = try #require(checkpoints[latest] as? [String: [String: Any]])
            let variables = try #require(json["variables"] as? [[String: Any]])
            #expect(Set(variables.compactMap { $0["name"] as? String }) == Set(tfVariables.keys))
            for variable in variables {
                let name = try #require(variable["name"] as? String)
                let tf = try #require(tfVariables[name])
                #expect(variable["dtype"] as? String == tf["dtype"] as? String, "\(name)")
                #expect(doubles(variable["shape"]) == doubles(tf["shape"]), "\(name)")
                if tf["dtype"] as? String == "float32", let rows = matrix(tf["value"]) {
                    #expect(doubles(variable["value"])?.map { Float($0) } == rows.flatMap { $0 }.map { Float($0) }, "\(name)")
                }
            }
        } else {
            #expect(json["latest_checkpoint"] is NSNull)
        }

        // Event scalars: every tag with TF's last value (simple values and TF2 scalar tensors alike).
        let tfEvents = (expected["events"] as? [String: [String: Any]]) ?? [:]
        let events = try #require(json["events"] as? [[String: Any]])
        #expect(Set(events.compactMap { $0["file"] as? String }) == Set(tfEvents.keys))
        for event in events {
            let file = try #require(event["file"] as? String)
            let tf = try #require(tfEvents[file])
            let tfScalars = ((tf["scalars"] as? [String: Any]) ?? [:]).merging((tf["scalar_tensors"] as? [String: Any]) ?? [:]) { a, _ in a }
            let scalars = try #require(event["scalars"] as? [String: [String: Any]])
            #expect(Set(scalars.keys) == Set(tfScalars.keys), "\(file)")
            for (tag, series) in tfScalars {
                let last = try #require(matrix(series)?.last)
                #expect(number(scalars[tag]?["last_step"]) == last[0], "\(file) \(tag)")
                #expect(number(scalars[tag]?["last_value"]).map { Float($0) } == Float(last[1]), "\(file) \(tag)")
            }
        }

        // The text form names the same things.
        let text = try scratch.succeed(["inspect", directory.path]).stdout
        for variable in (json["variables"] as? [[String: Any]]) ?? [] {
            #expect(text.contains(variable["name"] as? String ?? "?"))
        }
        for event in events {
            for tag in ((event["scalars"] as? [String: Any]) ?? [:]).keys { #expect(text.contains(tag)) }
        }
    }

    @Test("a TensorFlow-written directory serves centers and predict with parameters read from its checkpoint")
    func tensorFlowDirectoryInference() throws {
        let scratch = try Scratch()
        let directory = fixtures.appendingPathComponent("tf-model-dirs/kmeans_full_batch").path
        let centers = try scratch.succeed(["centers", "--model-dir", directory, "--format", "json"]).json()
        #expect(number(centers["global_step"]) == 5)
        #expect(matrix(centers["cluster_centers"])?.count == 5)
        let data = try scratch.write("p.csv", "0,0\n10,10\n")
        let lines = try scratch.succeed(["predict", "--model-dir", directory, "--data", data, "--format", "jsonl"]).jsonLines()
        #expect(lines.count == 2)
        // A flag that contradicts the checkpoint is refused.
        let wrong = try scratch.run(["centers", "--model-dir", directory, "--num-clusters", "4"])
        #expect(wrong.status == 1)
    }
}
