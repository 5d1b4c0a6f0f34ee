import Foundation
import KMeansCore
import Testing
@testable import WorkbenchCore

/// The settings' data field as a path with Tab completion, and opening the file from there.
@Suite("Workbench: opening a file from the settings")
struct PathFieldTests {
    /// A fresh directory with `files` (name → contents); names ending in `/` are directories.
    func directory(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-path-\(UUID().uuidString)").path + "/"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (name, text) in files {
            if name.hasSuffix("/") { try FileManager.default.createDirectory(atPath: root + name, withIntermediateDirectories: true) } else {
                try Data(text.utf8).write(to: URL(fileURLWithPath: root + name))
            }
        }
        return root
    }

    @Test("Completion: common prefix and candidates, a lone directory gets its slash, ~ expands, hidden names need a dot")
    func completion() throws {
        let root = try directory(["points-a.csv": "", "points-b.csv": "", "plots/": "", ".hidden.csv": "", "other.tsv": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let shared = PathCompletion.complete(root + "poi")
        #expect(shared == PathCompletion(text: root + "points-", candidates: ["points-a.csv", "points-b.csv"]))
        #expect(PathCompletion.complete(root + "pl").text == root + "plots/")
        #expect(PathCompletion.complete(root + "o").text == root + "other.tsv")
        #expect(PathCompletion.complete(root + "zzz") == PathCompletion(text: root + "zzz", candidates: []))
        #expect(!PathCompletion.complete(root).candidates.contains(".hidden.csv"))
        #expect(PathCompletion.complete(root + ".h").text == root + ".hidden.csv")
        let home = String(root.dropLast())
        #expect(PathCompletion.complete("~/poi", home: home).text == root + "points-")
        #expect(PathCompletion.expandingTilde("~", home: "/h") == "/h" && PathCompletion.expandingTilde("a~/b", home: "/h") == "a~/b")
    }

    func type(_ text: String, into session: inout Session) {
        for c in text { session.handle(.character(c)) }
    }

    @Test("The data field: type a path, Tab completes, Enter opens it with the loader's note; a bad file is shown, nothing lost")
    func field() throws {
        let root = try directory(["good-points.csv": "id,name,x,y\n1,a,0,0\n2,b,1,1\n3,c,9,9\n4,d,10,10\n", "bad.csv": "x,y\n1,2\n3,oops\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        session.handle(.character("s"))
        session.handle(.right)
        let chosen = session.draftDataIndex
        type(root + "bad", into: &session)
        session.handle(.tab)
        #expect(session.settingsEditor.typedPath == root + "bad.csv")
        session.handle(.enter)
        #expect(session.overlay == .settings && session.settingsEditor.typedPath == root + "bad.csv")
        let note = try #require(session.settingsEditor.pathNote)
        #expect(note.hasPrefix("bad.csv:3:2") && note.contains("\"oops\" is not a number"), "\(note)")
        let grid = Renderer(tier: .mono).render(session)
        #expect((0..<grid.height).contains { grid.rowText($0).contains("is not a number") })
        #expect(session.draftDataIndex == chosen && session.dataSet.name == "uniform-100", "nothing lost")

        for _ in 0..<"bad.csv".count { session.handle(.backspace) }
        type("go", into: &session)
        session.handle(.tab)
        #expect(session.settingsFields[0].value == root + "good-points.csv_")
        session.handle(.enter)
        #expect(session.overlay == .none && session.dataSet.name == "good-points.csv" && session.dataSet.points.rows == 4)
        #expect(session.dataSet.rowIDs?.column == "id" && session.dataChoices.contains { $0.name == "good-points.csv" })
        #expect(session.message?.contains(#"left out text column "name""#) == true, "\(session.message ?? "")")
        #expect(session.frames.count == 1, "the run restarted on the new data")
    }

    @Test("Esc leaves the path, then the settings; letters on the data field still close with s")
    func escape() {
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet)
        session.handle(.character("s"))
        type("/tm", into: &session)
        session.handle(.escape)
        #expect(session.overlay == .settings && session.settingsEditor.typedPath == nil)
        session.handle(.character("s"))
        #expect(session.overlay == .none)
    }
}
