import Foundation
import KMeansCore
import WorkbenchCore
import WorkbenchTerminal

/// `kmeans workbench --compare SPEC --compare SPEC` and `--lesson FILE`: what opens instead of the single run, made
/// (and every error in it found) before the terminal is touched.
enum WorkbenchScreens {
    /// The parsed `--compare` specs: 2 to 4, each valid, or a one-line error naming the bad one.
    static func specs(_ texts: [String]) throws -> [CompareSpec] {
        guard (2...RunComparison.maximumRuns).contains(texts.count) else {
            throw CLIError.parameter("--compare needs 2 to \(RunComparison.maximumRuns) runs, one --compare each (given \(texts.count)), e.g. --compare \"init=random,seed=5\" --compare \"init=kmeans_plus_plus\"")
        }
        do { return try texts.map(CompareSpec.parse) } catch { throw CLIError.parameter(error.description) }
    }

    /// The screen for `--compare` (over `session`, the base run) or `--lesson` (its stops), sized `width × height`;
    /// nil when neither was asked for. The lesson's problems are written to standard error (exit 1).
    static func open(session: Session, compare: [String], lesson: String?, width: Int, height: Int) throws -> WorkbenchScreen? {
        if let lesson {
            let (parsed, stops) = try LessonLoading.run(lesson)
            return WorkbenchScreen(session: session, lesson: LessonReplay(lesson: parsed, stops: stops, width: width, height: height))
        }
        guard !compare.isEmpty else { return nil }
        do {
            let comparison = try RunComparison(dataSet: session.dataSet, base: session.settings, specs: try specs(compare),
                                               width: width, height: height, view: session.view)
            return WorkbenchScreen(session: session, comparison: comparison)
        } catch let error as RunComparison.SetupError {
            throw CLIError.parameter(error.description + " of \(session.dataSet.name)")
        } catch let error as CompareSpec.ParseError {
            throw CLIError.parameter(error.description)
        }
    }

    /// The headless key script: a lesson recorded without `--keys` walks through every stop.
    static func script(_ keys: [Key.ScriptItem], for screen: WorkbenchScreen, recording: Bool) -> [Key.ScriptItem] {
        guard keys.isEmpty, recording, let lesson = screen.lesson else { return keys }
        return Array(repeating: .key(.character(" ")), count: max(0, lesson.stops.count - 1))
    }

    /// Virtual seconds a lesson recording stays on each stop.
    static let lessonStopSeconds = 4.0

    /// Drives `screen` headless (recording it to `record` when given) and returns its last frame.
    static func drive(_ screen: WorkbenchScreen, steps: Int, keys: [Key.ScriptItem], tier: ColorTier, record: String?,
                      width: Int, height: Int) throws -> CellGrid {
        let script = script(keys, for: screen, recording: record != nil)
        let final: WorkbenchScreen
        if let record {
            do {
                final = try HeadlessRecording.record(screen, width: width, height: height, steps: steps, script: script, tier: tier, path: record,
                                                     secondsPerKey: screen.lesson == nil ? HeadlessRecording.stepSeconds : lessonStopSeconds)
            } catch let error as AsciicastWriter.WriteError { throw CLIError.data(error.description) }
        } else {
            final = Headless.drive(screen, steps: steps, script: script)
        }
        return Renderer(tier: tier).render(final)
    }
}
