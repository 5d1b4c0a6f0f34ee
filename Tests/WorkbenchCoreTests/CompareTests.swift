import Testing
@testable import WorkbenchCore
import KMeansCore

/// Side-by-side runs: specs, lockstep stepping, each run equal to the single run with its settings, the verdict.
@Suite("Compare runs")
struct CompareTests {
    static let data = DataSet.BuiltIn.blobs.dataSet

    @Test("each run of a comparison equals the single run with its settings, bit for bit, step after step")
    func eachRunEqualsItsSingleRun() throws {
        var base = WorkbenchSettings()
        base.k = 4
        let specs = try ["init=random,seed=5", "init=kmeans_plus_plus", "batch=32,M=3,seed=2", "metric=cosine,k=3"].map(CompareSpec.parse)
        var comparison = try RunComparison(dataSet: Self.data, base: base, specs: specs, width: 100, height: 30)
        for key in [Key.character("n"), .character("n"), .character("h"), .character("n")] {
            comparison.handle(key)
            comparison.runPendingWork()
        }
        for (spec, run) in zip(specs, comparison.runs) {
            var single = Session(dataSet: Self.data, settings: try spec.apply(to: base), width: 100, height: 30)
            single = Headless.drive(single, steps: 0, script: [.key(.character("n")), .key(.character("n")), .key(.character("h")), .key(.character("n"))])
            let a = try #require(run.currentFrame), b = try #require(single.currentFrame)
            #expect(a.state == b.state, "\(spec.label)")
            #expect(a.state.clusters.values.map(\.bitPattern) == b.state.clusters.values.map(\.bitPattern))
            #expect(a.state.globalStep == 3 && a.phase == .updated)
        }
        #expect(comparison.labels == ["random, seed 5", "k-means++", "B=32, M=3, seed 2", "cosine, k 3"])
        let verdict = comparison.verdict
        #expect(verdict.split(separator: "·").count == 4 && verdict.hasPrefix("random, seed 5: ") && verdict.contains("batch loss"))
        comparison.handle(.character("q"))
        #expect(comparison.quitRequested)
    }

    @Test("bad specs name the pair; one run or five are refused; k beyond the points is said")
    func badSpecs() throws {
        #expect(throws: CompareSpec.ParseError.self) { try CompareSpec.parse("init=sideways") }
        #expect(throws: CompareSpec.ParseError.self) { try CompareSpec.parse("speed=3") }
        #expect(throws: CompareSpec.ParseError.self) { try CompareSpec.parse("seed") }
        do { _ = try CompareSpec.parse("k=0"); Issue.record("k=0 must be refused") } catch { #expect(error.description.contains("k=0")) }
        let one = [try CompareSpec.parse("seed=1")]
        #expect(throws: RunComparison.SetupError.self) { try RunComparison(dataSet: Self.data, base: WorkbenchSettings(), specs: one, width: 100, height: 30) }
        let five = try (1...5).map { try CompareSpec.parse("seed=\($0)") }
        #expect(throws: RunComparison.SetupError.self) { try RunComparison(dataSet: Self.data, base: WorkbenchSettings(), specs: five, width: 100, height: 30) }
        let tooMany = try ["k=2", "k=500"].map(CompareSpec.parse)
        #expect(throws: RunComparison.SetupError.self) { try RunComparison(dataSet: DataSet.BuiltIn.uniform100.dataSet, base: WorkbenchSettings(), specs: tooMany, width: 100, height: 30) }
    }
}
