import Foundation
import Testing

/// `kmeans plot`: the SVG it writes, and its errors (nothing half-written).
@Suite struct PlotCommandTests {
    /// A trained 2-D model over three blobs, saved every step.
    static func trained(_ scratch: Scratch) throws -> String {
        let points = try scratch.write("points.csv", blobsCSV(centers: [[0, 0], [5, 5], [0, 6]], perCenter: 20))
        let train = try scratch.run(["train", "--data", points, "--model-dir", scratch.path("model"), "--num-clusters", "3",
                                     "--use-mini-batch", "false", "--random-seed", "2", "--steps", "4", "--save-checkpoints-steps", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        return points
    }

    @Test func plotsEveryPointTheCentresTheirTrailsAndRegions() throws {
        let scratch = try Scratch()
        let points = try Self.trained(scratch)
        let result = try scratch.run(["plot", "--data", points, "--model-dir", scratch.path("model"), "--out", scratch.path("plot.svg"),
                                      "--size", "900x600", "--voronoi", "--trails"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("900×600, 60 points, 3 centres at global step 4"))
        let svg = try String(contentsOfFile: scratch.path("plot.svg"), encoding: .utf8)
        #expect(svg.contains("width=\"900\" height=\"600\""))
        #expect(svg.components(separatedBy: "r=\"4\" fill=").count - 1 == 60, "one marker per point")
        #expect(svg.components(separatedBy: "<polygon").count - 1 == 3, "one Voronoi region per centre")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3, "one trail per centre")
        #expect(svg.contains("cluster A") && svg.contains("cluster C") && !svg.contains("cluster D"))
        // An earlier checkpoint plots that step, and its trail is shorter.
        let early = try scratch.run(["plot", "--data", points, "--model-dir", scratch.path("model"), "--checkpoint", "model.ckpt-1",
                                     "--out", scratch.path("early.svg")])
        #expect(early.status == 0 && early.stdout.contains("global step 1"), "\(early.stderr)")
        // Standard input is read once.
        let piped = try scratch.run(["plot", "--data", "-", "--model-dir", scratch.path("model"), "--out", scratch.path("piped.svg")],
                                    input: try Data(contentsOf: URL(fileURLWithPath: points)))
        #expect(piped.status == 0 && piped.stdout.contains("60 points"), "\(piped.stderr)")
        #expect(try String(contentsOfFile: scratch.path("piped.svg"), encoding: .utf8).contains("standard input: k = 3"))
    }

    @Test func dataWithMoreThanTwoFeaturesIsDrawnOnItsPrincipalComponents() throws {
        let scratch = try Scratch()
        let points = try scratch.write("d4.csv", blobsCSV(centers: [[0, 0, 0, 0], [5, 5, 0, 1], [0, 6, 4, 2]], perCenter: 10))
        let train = try scratch.run(["train", "--data", points, "--model-dir", scratch.path("model"), "--num-clusters", "3",
                                     "--use-mini-batch", "false", "--steps", "3"])
        #expect(train.status == 0, "\(train.stderr)")
        let result = try scratch.run(["plot", "--data", points, "--model-dir", scratch.path("model"), "--out", scratch.path("plot.svg"), "--voronoi"])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: scratch.path("plot.svg"), encoding: .utf8)
        #expect(svg.contains(">PCA 1</text>") && svg.contains(">PCA 2</text>") && svg.contains("PCA of 4 features"))
        #expect(svg.components(separatedBy: "r=\"4\" fill=").count - 1 == 30)
    }

    @Test func aModelOfAnotherDimensionIsAnErrorNamingBothWidths() throws {
        let scratch = try Scratch()
        _ = try Self.trained(scratch)
        let wide = try scratch.write("wide.csv", blobsCSV(centers: [[0, 0, 0], [5, 5, 5]], perCenter: 5))
        let result = try scratch.run(["plot", "--data", wide, "--model-dir", scratch.path("model"), "--out", scratch.path("plot.svg")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("wide.csv") && result.stderr.contains("3 feature columns") && result.stderr.contains("have 2"), "\(result.stderr)")
        #expect(!scratch.exists("plot.svg"))
    }

    @Test func anUnwritablePathOrBadSizeIsAnErrorAndWritesNothing() throws {
        let scratch = try Scratch()
        let points = try Self.trained(scratch)
        let out = scratch.path("no-such-dir/plot.svg")
        let result = try scratch.run(["plot", "--data", points, "--model-dir", scratch.path("model"), "--out", out])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no-such-dir/plot.svg") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let contents = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(!contents.contains { $0.hasPrefix("plot") })
        let size = try scratch.run(["plot", "--data", points, "--model-dir", scratch.path("model"), "--out", scratch.path("p.svg"), "--size", "12x8000000"])
        #expect(size.status == 2 && size.stderr.contains("--size must look like 1200x800"))
        #expect(!scratch.exists("p.svg"))
    }
}
