import Foundation
import KMeansCore
import Testing
@testable import WorkbenchCore

/// The shipped lessons, parsed and run headless through `Headless.drive`; the format's parser on its own.
@Suite struct LessonTests {
    static let lessonsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/lessons")

    static func load(_ name: String) throws -> (text: String, lesson: Lesson, runner: LessonRunner) {
        let text = try String(contentsOf: lessonsFolder.appendingPathComponent(name), encoding: .utf8)
        let lesson = try LessonParser.parse(text).get()
        let runner = LessonRunner(lesson: lesson) { path in
            // The lessons' CSV files: a header line, then x,y rows.
            let rows = try String(contentsOf: lessonsFolder.appendingPathComponent(path), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Float(String($0))! } }
            return DataSet(name: path, points: Matrix(rows), columnNames: ["a", "b"], source: path)
        }
        return (text, lesson, runner)
    }

    /// The caption in force at each `wait` (and at the end), read straight from the file's lines.
    static func captionsAtWaits(_ text: String) -> [String?] {
        var current: String?
        var out: [String?] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("caption ") { current = String(line.dropFirst(8)) }
            if line == "wait" { out.append(current) }
        }
        return out + [current]
    }

    @Test(arguments: ["1-lloyd-half-steps.lesson", "2-initialisation-matters.lesson", "3-metric-and-scaling.lesson"])
    func shippedLessonRunsHeadlessWithEveryExpectationAndItsCaptionsAtTheirStops(name: String) throws {
        let (text, lesson, runner) = try Self.load(name)
        #expect(lesson.beats.contains { if case .keys = $0.kind { true } else { false } })
        let stops = try runner.run().get()
        #expect(stops.count == lesson.stopCount + 1)
        #expect(stops.map(\.caption) == Self.captionsAtWaits(text))
        #expect(lesson.stopCount >= 6)
    }

    @Test func lessonOneReachesTheStepsItsCaptionsName() throws {
        let stops = try Self.load("1-lloyd-half-steps.lesson").runner.run().get()
        func at(_ stop: Int) -> Frame { stops[stop].sessions[0].currentFrame! }
        #expect(at(0).state.globalStep == 0 && at(0).phase == .initialized)
        #expect(at(1).phase == .assigned && at(1).labels.count == 100, "after h: every point assigned")
        #expect(at(2).state.globalStep == 1 && at(2).phase == .updated)
        #expect(at(3).state.globalStep == 3)
        #expect(at(4).state.globalStep == 2 && !stops[4].sessions[0].atLatest, "← moves in the history")
        #expect(at(5).converged)
        #expect(at(6).state.globalStep == 1 && at(6).phase == .updated, "show step 1")
        #expect(stops[7].sessions[0].currentFrame!.state.globalStep == 1 && stops[7].sessions[0].atLatest, "back after-one")
    }

    @Test func lessonTwoAndThreeShowTheirComparisonsAndTheEmptyCluster() throws {
        let two = try Self.load("2-initialisation-matters.lesson").runner.run().get()
        #expect(two[0].sessions.map(\.settings.initialization) == [.random, .kmeansPlusPlus])
        let stuck = two[2].sessions.compactMap { $0.statsUpToCursor.last?.score }
        #expect(stuck.count == 2 && stuck[0] > stuck[1])
        #expect(two[4].sessions[0].currentFrame!.clusterSizes.contains(0))
        #expect(!two[7].sessions[0].currentFrame!.clusterSizes.contains(0))
        let three = try Self.load("3-metric-and-scaling.lesson").runner.run().get()
        #expect(three[5].sessions.map(\.settings.metric) == [.squaredEuclidean, .cosine])
        #expect(three[5].sessions[1].currentFrame!.clusterSizes == [40, 40, 40])
        #expect(three[6].sessions[0].view.voronoi)
    }

    @Test func aFailedExpectationOrAStepBeyondTheRunStopsTheRunAtItsLine() throws {
        let text = "data sample uniform-100\nkeys n n\nexpect step 3\n"
        let noFiles: (String) throws -> DataSet = { _ in throw CocoaError(.fileNoSuchFile) }
        let failure = try LessonRunner(lesson: LessonParser.parse(text).get(), loadFile: noFiles).run()
        guard case let .failure(error) = failure else { Issue.record("expected a failure"); return }
        #expect(error.line == 3 && error.column == 8 && error.message.contains("expected step 3, the run is at step 2"))
        let beyond = "keys n\nshow step 4\n"
        guard case let .failure(late) = try LessonRunner(lesson: LessonParser.parse(beyond).get(), loadFile: noFiles).run() else {
            Issue.record("expected a failure"); return
        }
        #expect(late.description == "2:6: step 4 is beyond the run: it has reached step 1 here (step further first, e.g. `keys n*3`)")
    }

    @Test func parserReportsEveryBrokenLineWithItsColumn() {
        let text = """
            # comment
            keys n x
            set k 0
            frobnicate
            keys <left
            view trails maybe
            """
        guard case let .failure(errors) = LessonParser.parse(text) else { Issue.record("expected errors"); return }
        #expect(errors.errors.map { "\($0.line):\($0.column)" } == ["2:8", "3:7", "4:1", "5:6", "6:13"])
    }

    @Test func keysRepeatAndParseAsTheKeyScriptDoes() throws {
        let lesson = try LessonParser.parse("keys n*3 h<left> <space>\n").get()
        guard case let .keys(items, text) = lesson.beats[0].kind else { Issue.record("not a keys beat"); return }
        #expect(items == [.key(.character("n")), .key(.character("n")), .key(.character("n")), .key(.character("h")), .key(.left), .key(.character(" "))])
        #expect(text == "n*3 h<left> <space>")
    }
}
