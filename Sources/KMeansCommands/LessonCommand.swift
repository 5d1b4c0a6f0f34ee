import ArgumentParser
import Foundation
import KMeansData
import WorkbenchCore

/// `kmeans lesson`: lesson files for the workbench.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Work with workbench lesson files (the format is in docs/WORKBENCH.md).",
        subcommands: [LessonCheckCommand.self]
    )
}

/// `kmeans lesson check FILE`: parses a lesson, then runs it headless; prints each problem as FILE:LINE:COLUMN.
struct LessonCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a lesson: its syntax and keys, then a headless run of it (files, steps, every expect).",
        discussion: "Every problem is printed as FILE:LINE:COLUMN: message; the exit status is 1 when there is one."
    )

    @Argument(help: "The lesson file.")
    var file: String

    @Option(help: "Also write each stop's screen (stop-N.txt and .svg; -left/-right in a comparison) to this directory.")
    var preview: String?

    func run() throws {
        let name = TerminalText.sanitized(file)
        let (lesson, stops) = try LessonLoading.run(file)
        if let preview { try writePreview(stops, lesson: lesson, to: preview) }
        let steps = stops.last?.sessions.map { String($0.currentFrame?.state.globalStep ?? 0) }.joined(separator: " and ") ?? "0"
        StandardOutput.write("\(name): ok — \(lesson.beats.count) instructions, \(stops.count) stops, ends at step \(steps)\n")
    }

    /// Each stop's screen as text (caption first) and SVG; the on-screen caption line is wired with the replay.
    func writePreview(_ stops: [LessonRunner.Stop], lesson: Lesson, to directory: String) throws {
        try CLIError.withoutSkipHint {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let renderer = Renderer(tier: .truecolor)
            for (number, stop) in stops.enumerated() {
                for (side, session) in stop.sessions.enumerated() {
                    let suffix = stop.sessions.count == 2 ? (side == 0 ? "-left" : "-right") : ""
                    let base = "\(directory)/stop-\(number + 1)\(suffix)"
                    let grid = renderer.render(session)
                    let header = "lesson \(number + 1)/\(stops.count), line \(lesson.beats.indices.contains(stop.beatIndex) ? lesson.beats[stop.beatIndex].line : 0): \(stop.caption ?? "")\n"
                    try writeFile(Array((header + SnapshotFormat.text.render(grid)).utf8), to: base + ".txt")
                    try writeFile(Array(ScreenSVG().render(grid).utf8), to: base + ".svg")
                }
            }
        }
    }
}

/// Reading a lesson file and running it headless, for `kmeans lesson check` and `kmeans workbench --lesson`.
enum LessonLoading {
    /// The lesson in `file` and its stops; every problem is written to standard error as FILE:LINE:COLUMN: message,
    /// and then exit status 1 is thrown.
    static func run(_ file: String) throws -> (Lesson, [LessonRunner.Stop]) {
        let name = TerminalText.sanitized(file)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError.data("\(name): no such lesson file (or it cannot be read)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.data("\(name): a lesson is UTF-8 text, and this file is not")
        }
        let lesson: Lesson
        switch LessonParser.parse(text) {
        case let .success(parsed): lesson = parsed
        case let .failure(errors):
            for error in errors.errors { StandardError.write("\(name):\(error)\n") }
            throw ExitCode(1)
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let runner = LessonRunner(lesson: lesson) { path in
            let resolved = path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path
            guard FileManager.default.fileExists(atPath: resolved) else { throw CLIError.data("no such file (\(resolved))") }
            return try WorkbenchDataFile.load(path: resolved)
        }
        switch runner.run() {
        case let .failure(error):
            StandardError.write("\(name):\(error)\n")
            throw ExitCode(1)
        case let .success(stops): return (lesson, stops)
        }
    }
}
