import KMeansCore
import Testing
@testable import WorkbenchCore

/// The lesson replay on screen: "lesson i/N" in the header, the stop's caption in place of the explanation line,
/// two-run stops on the compare screen, Space forward, ← back, q quits.
@Suite struct LessonReplayTests {
    @Test(arguments: ["1-lloyd-half-steps.lesson", "2-initialisation-matters.lesson", "3-metric-and-scaling.lesson"])
    func everyStopShowsItsNumberAndCaption(name: String) throws {
        let (text, lesson, runner) = try LessonTests.load(name)
        let stops = try runner.run().get()
        let captions = LessonTests.captionsAtWaits(text)
        var replay = LessonReplay(lesson: lesson, stops: stops, width: lesson.width, height: lesson.height)
        let renderer = Renderer(tier: .palette256)
        for (index, stop) in stops.enumerated() {
            #expect(replay.index == index)
            let grid = replay.render(with: renderer)
            #expect(grid.rowText(0).contains("lesson \(index + 1)/\(stops.count)"), "\(name) stop \(index + 1): \(grid.rowText(0))")
            let shown = [grid.rowText(lesson.height - 3), grid.rowText(lesson.height - 2)]
                .map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: " ")
            if let caption = captions[index] {
                let words = caption.split(separator: " ").prefix(12).joined(separator: " ")
                #expect(shown.hasPrefix(words), "\(name) stop \(index + 1): caption \"\(caption)\", screen \"\(shown)\"")
            }
            #expect(grid.rowText(lesson.height - 1).contains("Space next"))
            if stop.sessions.count == 2 {
                #expect(grid.rowText(0).contains("lesson \(index + 1)/\(stops.count) │ "))
                #expect(SnapshotFormat.text.render(grid).contains("score per iteration"), "a two-run stop is the compare screen")
            }
            replay.handle(.character(" "))
        }
        #expect(replay.index == stops.count - 1, "Space at the last stop stays there")
        replay.handle(.left)
        #expect(replay.index == max(0, stops.count - 2))
        replay.handle(.home)
        #expect(replay.index == 0)
        replay.handle(.character("q"))
        #expect(replay.quitRequested)
    }

    @Test func captionsWrapOntoTwoLinesAndAreCutWithAnEllipsisBeyond() {
        let text = "one two three four five six seven eight nine ten"
        #expect(LessonReplay.wrapped(text, width: 20, lines: 2) == ["one two three four", "five six seven eigh…"])
        #expect(LessonReplay.wrapped("short", width: 20, lines: 2) == ["short"])
    }
}
