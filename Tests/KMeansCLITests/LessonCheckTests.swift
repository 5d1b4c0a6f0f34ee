import Foundation
import Testing

/// `kmeans lesson check` on broken lessons: one FILE:LINE:COLUMN line per problem, exit 1; good lessons pass.
@Suite struct LessonCheckTests {
    /// (lesson text, the exact location, a fragment of the message).
    static let broken: [(text: String, location: String, message: String)] = [
        ("data sample uniform-100\njump start\n", "2:1", "unknown instruction jump"),
        ("keys n u\n", "1:8", "key u is not in the workbench keymap"),
        ("keys n <foo>\n", "1:8", "unknown key <foo>"),
        ("keys n q\n", "1:8", "quits the workbench"),
        ("keys <left\n", "1:6", "unclosed <"),
        ("keys n*0\n", "1:7", "a repeat is *N"),
        ("# data\ndata file nowhere.csv\n", "2:11", "cannot read nowhere.csv"),
        ("keys n\nshow step 5\n", "2:6", "step 5 is beyond the run: it has reached step 1"),
        ("set k zero\n", "1:7", "set k takes a whole number from 1 to 26, got zero"),
        ("set colour red\n", "1:5", "unknown setting colour"),
        ("mark a\nback b\n", "2:6", "no earlier `mark b`"),
        ("back later\nmark later\n", "1:6", "no earlier `mark later`"),
        ("mark a\nmark a\n", "2:6", "mark a is already set on line 1"),
        ("expect left step 0\n", "1:8", "expects a comparison"),
        ("size 10x5\n", "1:6", "size must look like 100x30"),
        ("keys n n\nexpect step 3\n", "2:8", "expected step 3, the run is at step 2"),
        ("data sample nowhere-100\n", "1:13", "unknown sample nowhere-100"),
        ("data file tiny.csv\nset k 5\n", "2:7", "k = 5 is more than the 4 points of tiny.csv"),
        ("compare init random\n", "1:9", "usage: compare"),
        ("# only a comment\n\n", "1:1", "the lesson has no instructions"),
    ]

    @Test func everyBrokenLessonNamesItsLineAndColumnAndExitsOne() throws {
        let scratch = try Scratch()
        try scratch.write("tiny.csv", "x,y\n1,2\n3,4\n5,6\n7,8\n")
        #expect(Self.broken.count >= 10)
        for (index, case_) in Self.broken.enumerated() {
            let file = try scratch.write("broken-\(index).lesson", case_.text)
            let result = try scratch.run(["lesson", "check", file])
            #expect(result.status == 1, "\(case_.text)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(case_.text): \(result.stderr)")
            #expect(result.stderr.hasPrefix("\(file):\(case_.location): "), "\(case_.text): \(result.stderr)")
            #expect(result.stderr.contains(case_.message), "\(case_.text): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func aMissingOrBinaryLessonFileIsOneLine() throws {
        let scratch = try Scratch()
        let missing = try scratch.run(["lesson", "check", scratch.path("none.lesson")])
        #expect(missing.status == 1 && missing.stderr == "kmeans: error: \(scratch.path("none.lesson")): no such lesson file (or it cannot be read)\n")
        let binary = try scratch.write("binary.lesson", bytes: [0xFF, 0xFE, 0x00, 0x41])
        let result = try scratch.run(["lesson", "check", binary])
        #expect(result.status == 1 && result.stderr.contains("a lesson is UTF-8 text, and this file is not"))
    }

    @Test func severalBrokenLinesAreAllReported() throws {
        let scratch = try Scratch()
        let file = try scratch.write("many.lesson", "keys n x\nset k 0\nwait now\ncaption fine\n")
        let result = try scratch.run(["lesson", "check", file])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").map { String($0.dropFirst(file.count + 1).prefix(4)) } == ["1:8:", "2:7:", "3:6:"])
    }

    @Test func theShippedLessonsPassAndPreviewTheirStops() throws {
        let scratch = try Scratch()
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples/lessons")
        for name in ["1-lloyd-half-steps", "2-initialisation-matters", "3-metric-and-scaling"] {
            let result = try scratch.run(["lesson", "check", folder.appendingPathComponent(name + ".lesson").path, "--preview", scratch.path(name)])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout.contains(": ok — "))
        }
        let first = try String(contentsOfFile: scratch.path("1-lloyd-half-steps/stop-2.txt"), encoding: .utf8)
        #expect(first.hasPrefix("lesson 2/8, line 18: Assign: every point joins its nearest centre"))
        #expect(first.contains("step 0  next: update"))
        #expect(scratch.exists("2-initialisation-matters/stop-1-left.svg") && scratch.exists("2-initialisation-matters/stop-1-right.svg"))
    }
}
