import KMeansCore
import Testing
@testable import WorkbenchCore

/// The display fixes of issue 12 at 80×24 and 200×60, in the mono tier (NO_COLOR) and in ASCII (`--ascii`).
@Suite("Workbench: display fixes at both sizes, mono and ASCII")
struct DisplayFixMatrixTests {
    static let cases: [(width: Int, height: Int, unicode: Bool)] = [(80, 24, true), (80, 24, false), (200, 60, true), (200, 60, false)]

    func screen(_ dataSet: DataSet, _ settings: WorkbenchSettings, width: Int, height: Int, unicode: Bool, halfSteps: Int = 6) -> [String] {
        var view = ViewOptions()
        view.unicode = unicode
        view.marker = .glyphs
        var session = Session(dataSet: dataSet, settings: settings, width: width, height: height, view: view)
        session.requestHalfSteps(halfSteps)
        session.runPendingWork()
        let grid = Renderer(tier: .mono).render(session)
        return (0..<grid.height).map { grid.rowText($0) }
    }

    @Test("Key bar keeps ? help and q quit; the marker mode is shown; ASCII draws only ASCII", arguments: cases)
    func keyBarAndMarker(_ size: (width: Int, height: Int, unicode: Bool)) {
        let lines = screen(DataSet.BuiltIn.blobs.dataSet, WorkbenchSettings(), width: size.width, height: size.height, unicode: size.unicode)
        let bar = lines[size.height - 1]
        #expect(bar.contains("? help") && bar.contains("q quit"), "\(bar)")
        #expect(lines.contains { $0.contains("marker glyphs") }, "\(lines.joined(separator: "\n"))")
        if !size.unicode { #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }) }
    }

    @Test("Mini-batch labels its score b.loss", arguments: cases)
    func batchLoss(_ size: (width: Int, height: Int, unicode: Bool)) {
        var settings = WorkbenchSettings()
        settings.useMiniBatch = true
        settings.batchSize = 50
        let lines = screen(DataSet.BuiltIn.blobs.dataSet, settings, width: size.width, height: size.height, unicode: size.unicode)
        #expect(lines.contains { $0.contains("b.loss") } && !lines.contains { $0.contains(" score ") }, "\(lines.joined(separator: "\n"))")
    }

    @Test("k past 26 uses two-letter names", arguments: cases)
    func twoLetterNames(_ size: (width: Int, height: Int, unicode: Bool)) {
        var settings = WorkbenchSettings()
        settings.k = 30
        let lines = screen(DataSet.BuiltIn.blobs.dataSet, settings, width: size.width, height: size.height, unicode: size.unicode)
        let twoLetter = ["AA", "AB", "AC", "AD"].filter { name in lines.contains { $0.contains(name) } }
        #expect(!twoLetter.isEmpty, "\(lines.joined(separator: "\n"))")
    }

    @Test("k above the points is lowered and said; numbers in the table fit their columns", arguments: cases)
    func kLoweredAndNumbersFit(_ size: (width: Int, height: Int, unicode: Bool)) {
        var settings = WorkbenchSettings()
        settings.k = 5
        let two = DataSet(name: "two", points: Matrix([[0, 0], [1_000_000, 2_500_000]]))
        let lines = screen(two, settings, width: size.width, height: size.height, unicode: size.unicode, halfSteps: 0)
        #expect(lines[size.height - 2].contains("k = 5 is more than the 2 points: using k = 2"), "\(lines[size.height - 2])")
        let big = DataSet.gaussianBlobs(count: 400, centers: [[0, 0], [900_000, 900_000]], spread: 200_000, seed: 3)
        let table = screen(big, WorkbenchSettings(), width: size.width, height: size.height, unicode: size.unicode)
        // Each row of the iteration table: step, score, Δmax, moved — four separate numbers, none run together. At 80×24
        // the table is what gives way, so the explanation line keeps its text.
        guard let header = table.firstIndex(where: { $0.contains("max") && $0.contains("moved") }) else {
            #expect(size.height == 24 && !table[size.height - 2].trimmingCharacters(in: .whitespaces).isEmpty, "\(table.joined(separator: "\n"))")
            return
        }
        let rows = table[(header + 1)...].prefix { line in line.contains { $0.isNumber } }.prefix(2)
        if rows.isEmpty {
            #expect(size.height == 24 && !table[size.height - 2].trimmingCharacters(in: .whitespaces).isEmpty, "\(table.joined(separator: "\n"))")
        }
        for line in rows {
            let panel = line.split(separator: size.unicode ? "│" : "|").last.map(String.init) ?? line
            let fields = panel.split(separator: " ")
            #expect(fields.count == 4, "\(panel)")
        }
    }
}
