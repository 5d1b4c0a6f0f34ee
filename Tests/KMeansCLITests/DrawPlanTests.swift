import Testing
import WorkbenchCore
@testable import WorkbenchTerminal

/// The cells a frame hands to ncurses: written over the previous frame they give a screen that looks like the new one,
/// and on a mini-batch step they need fewer style switches than the same cells in row order.
@Suite("Draw plan")
struct DrawPlanTests {
    /// Two consecutive mini-batch frames of blobs at 120 × 40 in 256 colours.
    static func miniBatchFrames() throws -> (before: CellGrid, after: CellGrid) {
        var settings = WorkbenchSettings()
        settings.useMiniBatch = true
        settings.batchSize = 32
        settings.k = 5
        settings.seed = 3
        let session = Headless.drive(Session(dataSet: DataSet.BuiltIn.blobs.dataSet, settings: settings, width: 120, height: 40),
                                     steps: 3, script: [])
        let renderer = Renderer(tier: .palette256)
        return (renderer.render(session), renderer.render(Headless.drive(session, steps: 1, script: [])))
    }

    /// `grid` with every put of `plan` written over it.
    static func apply(_ plan: DrawPlan, to grid: CellGrid) -> CellGrid {
        var grid = grid
        for put in plan.passes.joined() { grid[put.x, put.y] = Cell(put.glyph, style: put.style) }
        return grid
    }

    /// Style switches a terminal makes writing `puts` in order (starting plain).
    static func switches(_ puts: [DrawPlan.Put]) -> Int {
        var style = CellStyle.plain, count = 0
        for put in puts where put.style != style {
            count += 1
            style = put.style
        }
        return count
    }

    @Test func theScreenAfterThePlanLooksLikeTheNewFrame() throws {
        let (before, after) = try Self.miniBatchFrames()
        let plan = DrawPlan(grid: after, previous: before)
        #expect(!plan.fullRedraw && plan.changedCells > 0)
        let shown = Self.apply(plan, to: before)
        let wrong = (0..<after.height).flatMap { y in (0..<after.width).map { (x: $0, y: y) } }
            .filter { !shown[$0.x, $0.y].looksSame(as: after[$0.x, $0.y]) }
        #expect(wrong.isEmpty, "cells that look wrong: \(wrong.prefix(5))")
        // Only changed cells and blanks in gaps between them are written.
        for put in plan.passes.joined() where before[put.x, put.y].looksSame(as: after[put.x, put.y]) { #expect(put.glyph == " ") }
        // A full redraw is one pass covering every cell.
        let full = DrawPlan(grid: after, previous: nil)
        #expect(full.fullRedraw && full.passes.count == 1 && full.changedCells == 120 * 40)
        let redrawn = Self.apply(full, to: CellGrid(width: 120, height: 40))
        #expect(redrawn.cells.indices.allSatisfy { redrawn.cells[$0].looksSame(as: after.cells[$0]) })
        #expect(DrawPlan(grid: after, previous: after).changedCells == 0)
    }

    @Test func passesCutStyleSwitchesOnAMiniBatchStep() throws {
        let (before, after) = try Self.miniBatchFrames()
        let plan = DrawPlan(grid: after, previous: before)
        #expect(plan.passes.count > 1)
        for pass in plan.passes.dropFirst() {
            #expect(Set(pass.map(\.style)).count == 1, "a later pass holds one style")
            #expect(pass.allSatisfy { $0.y > 0 }, "the header goes out in the first pass")
        }
        let rowOrder = plan.passes.joined().sorted { ($0.y, $0.x) < ($1.y, $1.x) }
        let grouped = plan.passes.map(Self.switches).reduce(0, +)
        #expect(grouped * 2 < Self.switches(rowOrder), "\(grouped) switches in passes, \(Self.switches(rowOrder)) in row order")
    }

    @Test func aBlankTakesTheStyleTheTerminalIsIn() {
        var before = CellGrid(width: 20, height: 1)
        before.put("a", x: 0, y: 0, style: CellStyle(foreground: .indexed(246)))
        var after = before
        after.put("x", x: 5, y: 0, style: CellStyle(foreground: .indexed(74)))
        after[0, 0] = Cell(" ", style: CellStyle(foreground: .indexed(246)))
        // A blank in another foreground looks the same: not a change.
        var restyled = after
        restyled[10, 0] = Cell(" ", style: CellStyle(foreground: .indexed(9), attributes: [.bold]))
        #expect(DrawPlan(grid: restyled, previous: after).changedCells == 0)
        // A blank on a coloured background is a change.
        restyled[10, 0] = Cell(" ", style: CellStyle(background: .indexed(24)))
        #expect(DrawPlan(grid: restyled, previous: after).changedCells == 1)
        // The changed blank at 0 goes out in the plain style the terminal starts in; the gap 1…4 up to "x" is filled in
        // that style.
        let plan = DrawPlan(grid: after, previous: before)
        let puts = Array(plan.passes.joined())
        #expect(puts.map(\.x) == [0, 1, 2, 3, 4, 5])
        #expect(puts.prefix(5).allSatisfy { $0.style == .plain } && puts[5].style.foreground == .indexed(74))
    }
}
