/// `set` values and `compare` lists.
enum LessonSettingSyntax {
    static let names = ["k", "init", "seed", "metric", "batch", "steps-per-iteration", "tolerance", "empty", "retries"]

    static func parse(name: LessonWords.Word, value: LessonWords.Word, in words: LessonWords) throws -> LessonSetting {
        let index = (0..<words.count).first { words[$0].column == value.column } ?? 2
        func bad(_ expected: String) -> LessonError { words.error(index, "set \(name.text) takes \(expected), got \(value.text)") }
        let v = value.text
        switch name.text {
        case "k":
            guard let k = Int(v), (1...26).contains(k) else { throw bad("a whole number from 1 to 26") }
            return .k(k)
        case "init":
            let aliases: [String: WorkbenchSettings.Initialization] = ["random": .random, "manual": .manual, "kmeans_plus_plus": .kmeansPlusPlus, "k-means++": .kmeansPlusPlus]
            guard let initialization = aliases[v] else { throw bad("random, kmeans_plus_plus or manual") }
            return .initialization(initialization)
        case "seed":
            guard let seed = UInt64(v) else { throw bad("a whole number ≥ 0") }
            return .seed(seed)
        case "metric":
            guard let metric = WorkbenchSettings.Metric(rawValue: v) else { throw bad("squared_euclidean or cosine") }
            return .metric(metric)
        case "batch":
            if v == "full" { return .batchSize(nil) }
            guard let size = Int(v), size >= 1 else { throw bad("full or a mini-batch size ≥ 1") }
            return .batchSize(size)
        case "steps-per-iteration":
            guard let m = Int(v), m >= 1 else { throw bad("a whole number ≥ 1") }
            return .stepsPerIteration(m)
        case "tolerance":
            guard let t = Double(v), t.isFinite, t >= 0 else { throw bad("a number ≥ 0") }
            return .tolerance(t)
        case "empty":
            guard let policy = WorkbenchSettings.EmptyClusterPolicy(rawValue: v) else { throw bad("origin or farthest") }
            return .emptyClusters(policy)
        case "retries":
            guard let r = Int(v), (0...20).contains(r) else { throw bad("a whole number from 0 to 20") }
            return .retries(r)
        default:
            let nameIndex = (0..<words.count).first { words[$0].column == name.column } ?? 1
            throw words.error(nameIndex, "unknown setting \(name.text) (one of: \(names.joined(separator: ", ")))")
        }
    }

    /// `compare NAME VALUE[, NAME VALUE…] | NAME VALUE[, …]`.
    static func parseComparison(_ words: LessonWords) throws -> LessonBeat.Kind {
        var sides: [[LessonSetting]] = [[]]
        var pending: LessonWords.Word?
        for index in 1..<max(1, words.count) {
            let word = words[index]
            if word.text == "|" {
                if pending != nil { throw words.error(index, "\(pending!.text) has no value before |") }
                sides.append([])
                continue
            }
            var text = word.text
            let endsItem = text.hasSuffix(",")
            if endsItem { text.removeLast() }
            if let name = pending {
                sides[sides.count - 1].append(try parse(name: name, value: LessonWords.Word(text: text, column: word.column), in: words))
                pending = nil
            } else {
                if endsItem { throw words.error(index, "\(text) has no value") }
                pending = LessonWords.Word(text: text, column: word.column)
            }
        }
        if let pending { throw words.error(words.count, "\(pending.text) has no value") }
        guard sides.count == 2, !sides[0].isEmpty, !sides[1].isEmpty else {
            throw words.error(words.count > 1 ? 1 : 0, "usage: compare NAME VALUE[, NAME VALUE…] | NAME VALUE[, …] (e.g. compare init random | init kmeans_plus_plus), or compare off")
        }
        return .compare(left: sides[0], right: sides[1])
    }
}

/// `keys` tokens: key-script text (`n`, `h`, `<left>`, `<space>`, `<tick>`, `<click:X,Y>`), optionally `*N` times.
enum LessonKeySyntax {
    static func parse(_ word: LessonWords.Word, in words: LessonWords) throws -> [Key.ScriptItem] {
        var script = word.text
        var repeats = 1
        if let star = script.lastIndex(of: "*"), star != script.startIndex, script[script.index(before: star)] != "<" {
            let count = script[script.index(after: star)...]
            guard let n = Int(count), (1...500).contains(n) else {
                throw LessonError(line: words.lineNumber, column: word.column + script.distance(from: script.startIndex, to: star),
                                  message: "a repeat is *N with N from 1 to 500, got *\(count)")
            }
            repeats = n
            script = String(script[..<star])
        }
        var items: [Key.ScriptItem] = []
        var offset = 0
        var position = script.startIndex
        while position < script.endIndex {
            let column = word.column + offset
            let piece: Substring
            if script[position] == "<" {
                guard let close = script[position...].firstIndex(of: ">") else {
                    throw LessonError(line: words.lineNumber, column: column, message: "unclosed < (write <lt> for the < key)")
                }
                piece = script[position...close]
            } else {
                piece = script[position...position]
            }
            let parsed: [Key.ScriptItem]
            do { parsed = try Key.parseScript(String(piece)) } catch {
                throw LessonError(line: words.lineNumber, column: column, message: "unknown key \(piece) (try <esc>, <enter>, <space>, <left>, <right>, <home>, <tick>)")
            }
            for item in parsed { try check(item, piece: piece, line: words.lineNumber, column: column) }
            items += parsed
            offset += piece.count
            position = piece.endIndex
        }
        return Array([[Key.ScriptItem]](repeating: items, count: repeats).joined())
    }

    /// A key must do something in the workbench, and must not quit it.
    static func check(_ item: Key.ScriptItem, piece: Substring, line: Int, column: Int) throws {
        guard case let .key(key) = item else { return }
        if case .click = key { return }
        let action = Keymap.action(for: key, in: Keymap.main) ?? Keymap.action(for: key, in: Keymap.navigation)
        guard let action else {
            throw LessonError(line: line, column: column, message: "key \(piece) is not in the workbench keymap (press ? in the workbench for the keys)")
        }
        if action == .quit {
            throw LessonError(line: line, column: column, message: "key \(piece) quits the workbench; a lesson ends by itself after its last line")
        }
    }
}

/// `expect [left|right] WHAT`.
enum LessonExpectationSyntax {
    static func parse(_ words: LessonWords) throws -> LessonBeat.Kind {
        var index = 1
        var side = LessonSide.both
        if index < words.count, let given = LessonSide(rawValue: words[index].text), given != .both {
            side = given
            index += 1
        }
        let rest = (index..<words.count).map { words[$0].text }
        let usage = "usage: expect [left|right] step N | next assign|update | converged | sizes N N… | empty-cluster | no-empty-cluster | score below|above X | left score below|above right"
        guard let what = rest.first else { throw words.error(index, usage) }
        func number(_ at: Int) throws -> Double {
            guard index + at < words.count, let value = Double(words[index + at].text), value.isFinite else {
                throw words.error(index + at, "expected a number; \(usage)")
            }
            return value
        }
        func end(_ count: Int) throws {
            if rest.count > count { throw words.error(index + count, "unexpected \(rest[count]); \(usage)") }
        }
        switch what {
        case "step":
            guard index + 1 < words.count, let step = Int(words[index + 1].text), step >= 0 else { throw words.error(index + 1, "expect step takes a step number ≥ 0") }
            try end(2)
            return .expect(.step(step), side: side)
        case "next":
            guard rest.count >= 2, rest[1] == "assign" || rest[1] == "update" else { throw words.error(index + 1, "expect next takes assign or update") }
            try end(2)
            return .expect(.next(rest[1] == "assign" ? .assigned : .updated), side: side)
        case "converged": try end(1); return .expect(.converged, side: side)
        case "sizes":
            guard rest.count >= 2 else { throw words.error(index + 1, "expect sizes takes the cluster sizes, e.g. expect sizes 40 40 40") }
            var sizes: [Int] = []
            for at in 1..<rest.count {
                guard let size = Int(rest[at]), size >= 0 else { throw words.error(index + at, "a cluster size is a whole number ≥ 0, got \(rest[at])") }
                sizes.append(size)
            }
            return .expect(.sizes(sizes), side: side)
        case "empty-cluster": try end(1); return .expect(.emptyCluster, side: side)
        case "no-empty-cluster": try end(1); return .expect(.noEmptyCluster, side: side)
        case "score":
            guard rest.count >= 3, rest[1] == "below" || rest[1] == "above" else { throw words.error(index + 1, "expect score takes below X or above X") }
            try end(3)
            if side == .left && rest[2] == "right" { return .expect(rest[1] == "below" ? .leftScoreBelowRight : .leftScoreAboveRight, side: .both) }
            let value = try number(2)
            return .expect(rest[1] == "below" ? .scoreBelow(value) : .scoreAbove(value), side: side)
        default: throw words.error(index, usage)
        }
    }
}
