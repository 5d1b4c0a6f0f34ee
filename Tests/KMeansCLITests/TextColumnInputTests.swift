import Foundation
import Testing

/// `kmeans train`, `predict` and the other data commands read a CSV with text columns as the workbench does: the
/// text (and a row id) left out, with a one-line note on standard error.
@Suite("Text columns in train and predict")
struct TextColumnInputTests {
    @Test("a CSV with a string column trains and predicts as its numeric columns alone, with one note")
    func textColumnLeftOut() throws {
        let scratch = try Scratch()
        let numeric = blobsCSV(centers: [[5, 0.5], [0.5, 5], [-5, 0.2]], perCenter: 20)
        var lines = numeric.split(separator: "\n").map(String.init)
        let names = ["ann", "bob", "cy", "dee", "ed"]
        lines[0] = "label," + lines[0]
        for i in 1..<lines.count { lines[i] = names[i % names.count] + "," + lines[i] }
        let plain = try scratch.write("plain.csv", numeric)
        let labelled = try scratch.write("labelled.csv", lines.joined(separator: "\n") + "\n")
        let settings = ["--num-clusters", "3", "--initial-clusters", "kmeans_plus_plus", "--random-seed", "4",
                        "--use-mini-batch", "false", "--steps", "5", "--format", "json"]
        let trained = try scratch.succeed(["train", "--data", labelled, "--model-dir", "text"] + settings)
        #expect(trained.stderr == "note: \(labelled): left out text column \"label\"\n", "\(trained.stderr)")
        _ = try scratch.succeed(["train", "--data", plain, "--model-dir", "plain"] + settings)
        let text = try TrainingLayerParityTests.variables(scratch.path("text"))
        let reference = try TrainingLayerParityTests.variables(scratch.path("plain"))
        #expect(text.step == 5 && text.tensors == reference.tensors)

        let predicted = try scratch.succeed(["predict", "--data", labelled, "--model-dir", "text", "--format", "csv"])
        let expected = try scratch.succeed(["predict", "--data", plain, "--model-dir", "plain", "--format", "csv"])
        #expect(predicted.stdout == expected.stdout && predicted.stdout.split(separator: "\n").count == 61)
        // A model without remembered columns (here: trained on the plain file) still reads the labelled file.
        let againstPlain = try scratch.succeed(["predict", "--data", labelled, "--model-dir", "plain", "--format", "csv"])
        #expect(againstPlain.stdout == expected.stdout)
        #expect(againstPlain.stderr.contains("left out text column \"label\""), "\(againstPlain.stderr)")
        let quiet = try scratch.succeed(["score", "--data", labelled, "--model-dir", "plain", "--quiet"])
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test("a file with only text columns is a one-line error naming a column and its value")
    func onlyText() throws {
        let scratch = try Scratch()
        let data = try scratch.write("words.csv", "a,b\nx,y\nz,w\nq,r\n")
        let result = try scratch.run(["train", "--data", data, "--model-dir", "m", "--num-clusters", "2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no numeric column to cluster") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!scratch.exists("m"))
    }
}
