import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import WorkbenchCore

@Suite struct ScreenSVGTests {
    @Test func brailleBecomesDotsBoxesLinesAndTextOneRunPerStyle() {
        var grid = CellGrid(width: 12, height: 2)
        grid[0, 0] = Cell("⣿", style: CellStyle(foreground: .rgb(0xE6, 0x9F, 0x00)))
        grid[1, 0] = Cell("⠁", style: CellStyle(foreground: .indexed(196)))
        grid[2, 0] = Cell("┼")
        grid.put("a<b & c", x: 3, y: 1, style: CellStyle(foreground: .indexed(2), attributes: .bold))
        grid[11, 1] = Cell(" ", style: CellStyle(background: .rgb(1, 2, 3)))
        let svg = ScreenSVG().render(grid)
        #expect(svg.contains("width=\"108\" height=\"36\""))
        #expect(svg.components(separatedBy: "fill=\"#e69f00\"").count - 1 == 8, "⣿ has eight dots")
        #expect(svg.components(separatedBy: "fill=\"#ff0000\"").count - 1 == 1, "⠁ has one dot, xterm 196 is red")
        #expect(svg.components(separatedBy: "<line").count - 1 == 4, "┼ has four arms")
        #expect(svg.contains(">a&lt;b &amp; c</text>") && svg.contains("textLength=\"63\"") && svg.contains("font-weight=\"bold\""))
        #expect(svg.contains("fill=\"#00cd00\""), "ANSI green")
        #expect(svg.contains("<rect x=\"99\" y=\"18\" width=\"9\" height=\"18\" fill=\"#010203\"/>"), "a background run")
    }

    @Test func reverseVideoSwapsColoursAndRenderedScreensParse() throws {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("ok", x: 0, y: 0, style: CellStyle(foreground: .rgb(10, 20, 30), attributes: .reverse))
        let svg = ScreenSVG().render(grid)
        #expect(svg.contains("width=\"18\" height=\"18\" fill=\"#0a141e\""))
        #expect(svg.contains("fill=\"#1c1c1c\" textLength"))
        // A whole workbench screen is well-formed XML.
        var session = Session(dataSet: DataSet.BuiltIn.uniform100.dataSet, width: 100, height: 30)
        session = Headless.drive(session, steps: 2, script: [.key(.character("h"))])
        let screen = ScreenSVG().render(Renderer(tier: .truecolor).render(session))
        let parser = XMLParser(data: Data(screen.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { String(describing: $0) } ?? "")")
        #expect(screen.contains("<circle"))
    }
}
