/// Reads the plain-text lesson format (grammar in docs/WORKBENCH.md): one instruction per line, `#` starts a comment
/// line. Every problem is reported with its line and column; keys are checked against the workbench keymap.
public enum LessonParser {
    /// The lesson in `text`, or every error found (in line order).
    public static func parse(_ text: String) -> Result<Lesson, LessonErrors> {
        var lesson = Lesson()
        var errors: [LessonError] = []
        var marks: [String: Int] = [:]
        var comparing = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let words = LessonWords(String(raw).trimmingTrailingReturn, number: line)
            guard let instruction = words.first, !instruction.text.hasPrefix("#") else { continue }
            do {
                let kind = try parseInstruction(instruction.text, words, line: line, lesson: &lesson)
                guard let kind else { continue }
                switch kind {
                case let .mark(name):
                    if let earlier = marks[name] { throw words.error(1, "mark \(name) is already set on line \(earlier); pick another name") }
                    marks[name] = line
                case let .back(name) where marks[name] == nil:
                    throw words.error(1, "back \(name): no earlier `mark \(name)` (a lesson can only jump back)")
                case .compare: comparing = true
                case .compareOff: comparing = false
                case let .expect(expectation, side):
                    let needsCompare = side != .both || expectation == .leftScoreBelowRight || expectation == .leftScoreAboveRight
                    if needsCompare && !comparing { throw words.error(1, "expects a comparison, but no `compare` is on here") }
                default: break
                }
                let argument = words.count > 2 && ["data", "set"].contains(instruction.text) ? 2 : min(1, words.count - 1)
                lesson.beats.append(LessonBeat(line: line, column: words[argument].column, kind: kind))
            } catch let error as LessonError {
                errors.append(error)
            } catch {
                errors.append(LessonError(line: line, column: 1, message: "\(error)"))
            }
        }
        if lesson.beats.isEmpty && errors.isEmpty {
            errors.append(LessonError(line: 1, column: 1, message: "the lesson has no instructions (start with `data sample uniform-100`)"))
        }
        return errors.isEmpty ? .success(lesson) : .failure(LessonErrors(errors: errors))
    }

    /// The instruction names, for messages and docs.
    public static let instructions = ["title", "size", "data", "set", "view", "keys", "caption", "wait", "compare", "show", "mark", "back", "expect"]

    private static func parseInstruction(_ name: String, _ words: LessonWords, line: Int, lesson: inout Lesson) throws -> LessonBeat.Kind? {
        switch name {
        case "title":
            lesson.title = try words.rest(1, what: "a title")
            return nil
        case "size":
            try words.expectCount(2, usage: "size COLUMNSxROWS")
            let parts = words[1].text.lowercased().split(separator: "x")
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (40...400).contains(w), (12...200).contains(h) else {
                throw words.error(1, "size must look like 100x30 (40–400 columns, 12–200 rows), got \(words[1].text)")
            }
            (lesson.width, lesson.height) = (w, h)
            return nil
        case "data":
            guard words.count >= 3 else { throw words.error(words.count, "usage: data sample NAME, or data file PATH") }
            switch words[1].text {
            case "sample":
                try words.expectCount(3, usage: "data sample NAME")
                guard let builtIn = DataSet.BuiltIn(rawValue: words[2].text) else {
                    throw words.error(2, "unknown sample \(words[2].text); built-in samples: \(DataSet.BuiltIn.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return .data(.sample(builtIn))
            case "file": return .data(.file(try words.rest(2, what: "a file path")))
            default: throw words.error(1, "data takes `sample NAME` or `file PATH`, got \(words[1].text)")
            }
        case "set":
            try words.expectCount(3, usage: "set NAME VALUE")
            return .set(try LessonSettingSyntax.parse(name: words[1], value: words[2], in: words))
        case "view":
            try words.expectCount(3, usage: "view voronoi|trails|explain on|off")
            guard let option = LessonViewOption(rawValue: words[1].text) else {
                throw words.error(1, "unknown view option \(words[1].text) (voronoi, trails or explain)")
            }
            guard words[2].text == "on" || words[2].text == "off" else { throw words.error(2, "view \(option.rawValue) takes on or off, got \(words[2].text)") }
            return .view(option, words[2].text == "on")
        case "keys":
            guard words.count >= 2 else { throw words.error(1, "keys needs at least one key, e.g. `keys n h <left>`") }
            var items: [Key.ScriptItem] = []
            for index in 1..<words.count { items += try LessonKeySyntax.parse(words[index], in: words) }
            return .keys(items, text: try words.rest(1, what: "keys"))
        case "caption": return .caption(try words.rest(1, what: "the caption text"))
        case "wait":
            try words.expectCount(1, usage: "wait")
            return .waitForSpace
        case "compare":
            if words.count == 2, words[1].text == "off" { return .compareOff }
            return try LessonSettingSyntax.parseComparison(words)
        case "show":
            try words.expectCount(3, usage: "show step N")
            guard words[1].text == "step" else { throw words.error(1, "usage: show step N") }
            guard let step = Int(words[2].text), step >= 0 else { throw words.error(2, "show step takes a step number ≥ 0, got \(words[2].text)") }
            return .showStep(step)
        case "mark", "back":
            try words.expectCount(2, usage: "\(name) NAME")
            return name == "mark" ? .mark(words[1].text) : .back(to: words[1].text)
        case "expect": return try LessonExpectationSyntax.parse(words)
        default:
            throw words.error(0, "unknown instruction \(name) (one of: \(instructions.joined(separator: ", ")); # starts a comment)")
        }
    }
}

/// Every error of a lesson file.
public struct LessonErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errors, in line order.
    public var errors: [LessonError]
    /// One `LINE:COLUMN: message` per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The words of one line with their 1-based columns.
struct LessonWords {
    struct Word {
        var text: String
        var column: Int
    }

    let line: String
    /// 1-based line number.
    let lineNumber: Int
    private let words: [Word]

    init(_ line: String, number: Int) {
        self.line = line
        lineNumber = number
        var words: [Word] = []
        var current = "", start = 0
        for (offset, character) in line.enumerated() {
            if character == " " || character == "\t" {
                if !current.isEmpty { words.append(Word(text: current, column: start)); current = "" }
            } else {
                if current.isEmpty { start = offset + 1 }
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(Word(text: current, column: start)) }
        self.words = words
    }

    var first: Word? { words.first }
    var count: Int { words.count }
    subscript(index: Int) -> Word { words[index] }

    /// An error at word `index` (past the end: just after the line).
    func error(_ index: Int, _ message: String) -> LessonError {
        LessonError(line: lineNumber, column: index < words.count ? words[index].column : line.count + 1, message: message)
    }

    func expectCount(_ count: Int, usage: String) throws {
        if words.count < count { throw error(words.count, "missing value; usage: \(usage)") }
        if words.count > count { throw error(count, "unexpected \(words[count].text); usage: \(usage)") }
    }

    /// The text from word `index` to the end of the line, as written.
    func rest(_ index: Int, what: String) throws -> String {
        guard index < words.count else { throw error(index, "missing \(what)") }
        return String(line.dropFirst(words[index].column - 1))
    }
}

extension String {
    var trimmingTrailingReturn: String { hasSuffix("\r") ? String(dropLast()) : self }
}
