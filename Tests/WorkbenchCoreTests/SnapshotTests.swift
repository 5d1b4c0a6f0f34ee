import KMeansCore
import Testing
@testable import WorkbenchCore

/// Golden renderings of the main screens at fixed sizes, seeds and data.
@Suite("Renderer snapshots")
struct SnapshotTests {
    static func session(_ sample: DataSet.BuiltIn = .uniform100, width: Int = 100, height: Int = 30, steps: Int = 2,
                        keys: String = "", configure: (inout WorkbenchSettings) -> Void = { _ in },
                        view: (inout ViewOptions) -> Void = { _ in }) throws -> Session {
        var settings = WorkbenchSettings()
        configure(&settings)
        var options = ViewOptions()
        view(&options)
        let session = Session(dataSet: sample.dataSet, settings: settings, width: width, height: height, view: options)
        return Headless.drive(session, steps: steps, script: try Key.parseScript(keys))
    }

    static func styled(_ session: Session, _ tier: ColorTier) -> String {
        SnapshotFormat.styled.render(Renderer(tier: tier).render(session))
    }

    @Test func mainScreen256() throws {
        try assertSnapshot(Self.styled(try Self.session(), .palette256), named: "main-100x30-256")
    }

    @Test func mainScreenTruecolor() throws {
        try assertSnapshot(Self.styled(try Self.session(), .truecolor), named: "main-100x30-truecolor")
    }

    @Test func mainScreenEightColours() throws {
        try assertSnapshot(Self.styled(try Self.session(), .ansi8), named: "main-100x30-8")
    }

    @Test func mainScreenMonoGlyphs() throws {
        let session = try Self.session(width: 80, height: 24, view: { $0.marker = .glyphs })
        try assertSnapshot(Self.styled(session, .mono), named: "main-80x24-mono")
    }

    @Test func asciiOnly() throws {
        let session = try Self.session(width: 80, height: 24, view: { $0.unicode = false; $0.marker = .glyphs })
        let text = SnapshotFormat.text.render(Renderer(tier: .mono).render(session))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        try assertSnapshot(text, named: "main-80x24-ascii")
    }

    @Test func helpOverlay() throws {
        try assertSnapshot(Self.styled(try Self.session(width: 80, height: 24, keys: "?"), .palette256), named: "help-80x24")
    }

    @Test func helpOverlayScrolled() throws {
        let text = SnapshotFormat.text.render(Renderer(tier: .mono).render(try Self.session(width: 80, height: 24, keys: "?<down><down><down>")))
        try assertSnapshot(text, named: "help-80x24-scrolled")
    }

    @Test func tooSmall() throws {
        try assertSnapshot(Self.styled(try Self.session(width: 40, height: 10), .palette256), named: "too-small-40x10")
    }

    @Test func settingsOverlay() throws {
        try assertSnapshot(Self.styled(try Self.session(width: 100, height: 30, keys: "s<down><right><down><down><down><down><right>"), .palette256), named: "settings-100x30")
    }

    @Test func miniBatchView() throws {
        let session = try Self.session(.blobs, steps: 3, keys: "h", configure: {
            $0.useMiniBatch = true; $0.batchSize = 32; $0.miniBatchStepsPerIteration = 2; $0.k = 4
        })
        try assertSnapshot(Self.styled(session, .palette256), named: "minibatch-100x30-256")
    }

    @Test func voronoiShading() throws {
        let session = try Self.session(.blobs, steps: 3, configure: { $0.k = 4 }, view: { $0.voronoi = true })
        try assertSnapshot(Self.styled(session, .palette256), named: "voronoi-100x30-256")
    }

    @Test func voronoiBoundariesInMono() throws {
        let session = try Self.session(.blobs, width: 80, height: 24, steps: 3, configure: { $0.k = 4 }, view: { $0.voronoi = true; $0.marker = .glyphs })
        try assertSnapshot(SnapshotFormat.text.render(Renderer(tier: .mono).render(session)), named: "voronoi-80x24-mono")
    }

    @Test func irisPCAHalfBlocks() throws {
        let session = try Self.session(.iris, steps: 4, view: { $0.marker = .halfBlock })
        try assertSnapshot(Self.styled(session, .palette256), named: "iris-pca-halfblock-100x30")
    }

    @Test func cosineOldFaithful() throws {
        let session = try Self.session(.oldFaithful, steps: 3, keys: "h", configure: { $0.metric = .cosine; $0.k = 2 })
        try assertSnapshot(SnapshotFormat.text.render(Renderer(tier: .palette256).render(session)), named: "faithful-cosine-100x30")
    }

    @Test func placementMode() throws {
        let session = try Self.session(steps: 0, keys: "<left><left><enter><up><up><up>", configure: { $0.initialization = .placedByHand })
        #expect(session.placement?.placed.count == 1)
        try assertSnapshot(Self.styled(session, .palette256), named: "placement-100x30")
    }

    @Test func checkpointView() throws {
        var session = try Self.session(steps: 0)
        session.setCheckpoints(CheckpointFixtures.entries, origin: "demo_model_dir")
        session.openCheckpoints(selected: 1)
        try assertSnapshot(Self.styled(session, .palette256), named: "checkpoints-100x30-256")
    }

    @Test func runningMarker() throws {
        let session = try Self.session(width: 80, height: 24, steps: 1, keys: " ++")
        #expect(session.isRunning)
        let text = SnapshotFormat.text.render(Renderer(tier: .palette256).render(session))
        #expect(text.contains("RUNNING 8/s"))
        #expect(!text.contains("PAUSED"))
    }
}

/// Three synthetic checkpoints of a k = 3 run on the uniform points.
enum CheckpointFixtures {
    static let entries: [CheckpointEntry] = [
        CheckpointEntry(step: 0, name: "model.ckpt-0", centers: Matrix([[100, 100], [500, 500], [900, 900]])),
        CheckpointEntry(step: 5, name: "model.ckpt-5", centers: Matrix([[250, 250], [500, 700], [800, 300]])),
        CheckpointEntry(step: 10, name: "model.ckpt-10", centers: Matrix([[220, 300], [480, 780], [790, 330]])),
    ]
}
