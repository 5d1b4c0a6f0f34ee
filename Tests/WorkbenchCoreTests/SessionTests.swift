import Foundation
import KMeansCore
import Testing
@testable import WorkbenchCore

/// The workbench model: stepping, half-steps, history, settings, placement, run/pause.
@Suite("Session model")
struct SessionTests {
    static func session(_ sample: DataSet.BuiltIn = .uniform100, configure: (inout WorkbenchSettings) -> Void = { _ in }) -> Session {
        var settings = WorkbenchSettings()
        configure(&settings)
        return Session(dataSet: sample.dataSet, settings: settings, width: 100, height: 30)
    }

    static func press(_ session: inout Session, _ script: String) throws {
        session = Headless.drive(session, steps: 0, script: try Key.parseScript(script))
    }

    @Test func opensInitialisedAndPaused() throws {
        let session = Self.session()
        let frame = try #require(session.currentFrame)
        #expect(frame.phase == .initialized)
        #expect(frame.state.initialized)
        #expect(frame.state.clusters.rows == 3)
        #expect(!session.isRunning)
        #expect(session.frames.count == 1)
    }

    @Test func halfStepsAssignThenUpdate() throws {
        var session = Self.session()
        try Self.press(&session, "h")
        var frame = try #require(session.currentFrame)
        #expect(frame.phase == .assigned)
        #expect(frame.state.globalStep == 0)
        #expect(frame.labels.count == 100)
        #expect(frame.clusterSizes.reduce(0, +) == 100)
        // Assignment does not move the centres.
        #expect(frame.state.clusters == session.frames[0].state.clusters)
        try Self.press(&session, "h")
        frame = try #require(session.currentFrame)
        #expect(frame.phase == .updated)
        #expect(frame.state.globalStep == 1)
        #expect(frame.stats?.step == 1)
        #expect(frame.state.clusters != session.frames[0].state.clusters)
    }

    @Test func stepsMatchCoreTrainStep() throws {
        var session = Self.session()
        try Self.press(&session, "nnn")
        let model = try session.engine.model()
        var state = session.frames[0].state
        var losses: [Float] = []
        for _ in 0..<3 {
            let result = try model.trainStep(state, batch: DataSet.BuiltIn.uniform100.dataSet.points)
            losses.append(result.loss)
            state = result.state
        }
        let last = try #require(session.currentFrame)
        #expect(last.state == state)
        #expect(session.statsUpToCursor.map(\.score) == losses.map(Double.init))
        #expect(session.frames.count == 7)
    }

    @Test func halfStepsEqualFullSteps() throws {
        var full = Self.session(), halves = Self.session()
        try Self.press(&full, "nnnn")
        try Self.press(&halves, "hhhhhhhh")
        #expect(full.frames.map(\.state) == halves.frames.map(\.state))
        #expect(full.frames.map(\.labels) == halves.frames.map(\.labels))
    }

    @Test func historyBackAndForwardEqualsRecomputation() throws {
        var session = Self.session(.blobs) { $0.k = 4 }
        try Self.press(&session, "nnnnn")
        let latest = session.frames
        try Self.press(&session, "<left><left><left><left><left>")
        #expect(session.cursor == latest.count - 6)
        // What is on screen now equals a fresh run stopped at that point.
        var fresh = Self.session(.blobs) { $0.k = 4 }
        try Self.press(&fresh, "nnh")
        #expect(session.currentFrame?.state == fresh.currentFrame?.state)
        #expect(session.currentFrame?.labels == fresh.currentFrame?.labels)
        #expect(session.statsUpToCursor == fresh.statsUpToCursor)
        // Forward replays the stored history without recomputing or duplicating it.
        try Self.press(&session, "<right><right>n")
        #expect(session.frames.count == latest.count)
        #expect(session.currentFrame?.state == latest[session.cursor].state)
        try Self.press(&session, "<end>")
        #expect(session.atLatest)
        try Self.press(&session, "<home>")
        #expect(session.cursor == 0)
        #expect(session.currentFrame?.phase == .initialized)
    }

    @Test func trimmedHistoryRecomputesTheSameLabels() throws {
        var full = Self.session(.blobs) { $0.k = 4; $0.relativeTolerance = 0 }
        var trimmed = Self.session(.blobs) { $0.k = 4; $0.relativeTolerance = 0 }
        trimmed.historyLabelBudget = 400 * 8
        try Self.press(&full, "nnnnnnnn")
        try Self.press(&trimmed, "nnnnnnnn")
        #expect(trimmed.frames.prefix(8).allSatisfy { $0.labels.isEmpty && $0.pending == nil })
        #expect(trimmed.frames.suffix(4).allSatisfy { !$0.labels.isEmpty })
        // A caching renderer walking the trimmed history (recomputed labels cached per frame) draws what a fresh one does.
        let cached = Renderer(tier: .palette256)
        for _ in 0..<16 {
            #expect(trimmed.displayLabels == full.displayLabels)
            #expect(trimmed.currentFrame?.state == full.currentFrame?.state)
            for _ in 0..<2 {
                #expect(SnapshotFormat.styled.render(cached.render(trimmed))
                        == SnapshotFormat.styled.render(Renderer(tier: .palette256, cachesRasterisation: false).render(full)))
            }
            try Self.press(&full, "<left>")
            try Self.press(&trimmed, "<left>")
        }
        let a = SnapshotFormat.styled.render(Renderer(tier: .palette256).render(trimmed))
        let b = SnapshotFormat.styled.render(Renderer(tier: .palette256).render(full))
        #expect(a == b)
    }

    @Test func emptyClusterIsAnnounced() throws {
        // Two centres on the far side of the data: the second gets no point and goes to the origin, as in TF.
        var session = Self.session { $0.initialization = .placedByHand; $0.k = 2 }
        session.start(fromCenters: Matrix([[500, 500], [5000, 5000]]), globalStep: 0)
        try Self.press(&session, "n")
        #expect(session.currentFrame?.clusterSizes == [100, 0])
        #expect(session.message == "cluster B got no points: its centre went to the origin (TF)")
        let centers = try #require(session.currentFrame?.state.clusters)
        #expect(centers[1, 0] == 0 && centers[1, 1] == 0)
    }

    @Test func computingMarkerWhileWorkIsPending() throws {
        var session = Self.session()
        session.handle(.character("n"))
        let text = SnapshotFormat.text.render(Renderer(tier: .palette256).render(session))
        #expect(text.contains("COMPUTING (Esc stops)"))
        session.runPendingWork()
        #expect(SnapshotFormat.text.render(Renderer(tier: .palette256).render(session)).contains("PAUSED"))
    }

    @Test func stepAtTheEndComputesNewFrames() throws {
        var session = Self.session()
        try Self.press(&session, "n<left>n")
        #expect(session.frames.count == 3)
        try Self.press(&session, "n")
        #expect(session.frames.count == 5)
        #expect(session.currentFrame?.state.globalStep == 2)
    }

    @Test func settingsChangeRestartsWithNewK() throws {
        var session = Self.session()
        try Self.press(&session, "nn")
        try Self.press(&session, "s<down><right><enter>")
        #expect(session.settings.k == 4)
        #expect(session.frames.count == 1)
        #expect(session.currentFrame?.state.clusters.rows == 4)
        try Self.press(&session, "n")
        #expect(session.currentFrame?.clusterSizes.count == 4)
    }

    @Test func settingsEscapeCancels() throws {
        var session = Self.session()
        try Self.press(&session, "s<down><right><right><esc>")
        #expect(session.settings.k == 3)
        #expect(session.overlay == .none)
    }

    @Test func cosineKeepsUnitCenters() throws {
        var session = Self.session(.oldFaithful) { $0.metric = .cosine; $0.k = 2 }
        try Self.press(&session, "nnn")
        let centers = try #require(session.currentFrame?.state.clusters)
        for j in 0..<centers.rows {
            let norm = centers.row(j).reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func miniBatchUsesBatchesAndCounts() throws {
        var session = Self.session(.blobs) { $0.useMiniBatch = true; $0.batchSize = 32; $0.k = 4 }
        try Self.press(&session, "nn")
        let frame = try #require(session.currentFrame)
        #expect(frame.batch.count == 32)
        #expect(Set(frame.batch).count == 32)
        // Counts start at 1 (M = 1) and grow by the points each centre received.
        let counts = try #require(frame.state.clusterCounts)
        #expect(counts.reduce(Int64(0), +) == Int64(4 + 64))
        #expect(frame.labels.count == 400)
    }

    @Test func miniBatchWithSyncFreezesClusters() throws {
        var session = Self.session(.blobs) { $0.useMiniBatch = true; $0.batchSize = 16; $0.miniBatchStepsPerIteration = 3; $0.k = 4 }
        let initial = try #require(session.currentFrame?.state.clusters)
        try Self.press(&session, "nn")
        // Within the first iteration `clusters` stays frozen while the working copy moves.
        #expect(session.currentFrame?.state.clusters == initial)
        #expect(session.currentFrame?.state.clustersUpdated != initial)
    }

    @Test func newSeedRestartChangesInitialCenters() throws {
        var session = Self.session()
        let before = try #require(session.currentFrame?.state.clusters)
        try Self.press(&session, "R")
        #expect(session.settings.seed == 2)
        #expect(session.currentFrame?.state.clusters != before)
        try Self.press(&session, "r")
        #expect(session.settings.seed == 2)
    }

    @Test func runPauseAndTicks() throws {
        var session = Self.session()
        try Self.press(&session, " ")
        #expect(session.isRunning)
        try Self.press(&session, "<tick><tick>")
        #expect(session.currentFrame?.state.globalStep == 2)
        try Self.press(&session, " ")
        #expect(!session.isRunning)
        try Self.press(&session, "<tick>")
        #expect(session.currentFrame?.state.globalStep == 2)
        try Self.press(&session, "+++++++")
        #expect(session.speed == Session.speeds.last)
        try Self.press(&session, "--------")
        #expect(session.speed == Session.speeds.first)
    }

    @Test func escapeCancelsPendingWork() throws {
        var session = Self.session()
        session.handle(.character("n"))
        session.handle(.character(" "))
        #expect(session.pendingHalfSteps == 2 && session.isRunning)
        let job = try #require(session.nextJob())
        session.handle(.escape)
        #expect(session.pendingHalfSteps == 0 && !session.isRunning)
        // A result that arrives after the cancel is dropped.
        session.accept(job.run(), for: job)
        #expect(session.frames.count == 1)
    }

    @Test func runStopsWhenConverged() throws {
        var session = Self.session(.blobs) { $0.k = 4; $0.relativeTolerance = 1e-4 }
        try Self.press(&session, " " + String(repeating: "<tick>", count: 60))
        #expect(!session.isRunning)
        let frame = try #require(session.currentFrame)
        #expect(frame.converged)
        #expect(frame.state.globalStep < 60)
        #expect(session.message?.contains("converged") == true)
    }

    @Test func manualPlacementWithKeysAndClick() throws {
        var session = Self.session { $0.initialization = .placedByHand; $0.k = 2 }
        #expect(session.placement != nil)
        #expect(session.frames.isEmpty)
        let plot = Layout(width: 100, height: 30).plot
        try Self.press(&session, "<enter>")
        #expect(session.placement?.placed.count == 1)
        try Self.press(&session, "<click:\(plot.x + 3),\(plot.y + 2)>")
        #expect(session.placement == nil)
        let centers = try #require(session.currentFrame?.state.clusters)
        let expected = session.planePoint(column: 3, row: 2, plot: plot)
        #expect(centers[1, 0] == expected.x)
        #expect(centers[1, 1] == expected.y)
        try Self.press(&session, "n")
        #expect(session.currentFrame?.state.globalStep == 1)
    }

    @Test func placementEscapeFallsBackToKMeansPlusPlus() throws {
        var session = Self.session { $0.initialization = .placedByHand }
        try Self.press(&session, "<esc>")
        #expect(session.placement == nil)
        #expect(session.settings.initialization == .kmeansPlusPlus)
        #expect(session.currentFrame?.state.initialized == true)
    }

    @Test func continueFromCheckpoint() throws {
        var session = Self.session()
        session.setCheckpoints(CheckpointFixtures.entries, origin: "demo")
        try Self.press(&session, "c")
        #expect(session.overlay == .checkpoints(selected: 2))
        try Self.press(&session, "<left><enter>")
        #expect(session.overlay == .none)
        let frame = try #require(session.currentFrame)
        #expect(frame.state.globalStep == 5)
        #expect(frame.state.clusters == CheckpointFixtures.entries[1].centers)
        try Self.press(&session, "n")
        #expect(session.currentFrame?.state.globalStep == 6)
    }

    @Test func checkpointsWithoutModelDirSaySo() throws {
        var session = Self.session()
        try Self.press(&session, "c")
        #expect(session.overlay == .none)
        #expect(session.message?.contains("no model_dir") == true)
    }

    @Test func quitFromEveryMode() throws {
        for script in ["q", "?q", "s<c-c>", "<c-c>"] {
            var session = Self.session()
            try Self.press(&session, script)
            #expect(session.quitRequested, "script \(script)")
        }
    }

    @Test func invalidSettingsAreRefused() throws {
        var session = Self.session()
        var bad = session.settings
        bad.k = 500
        session.apply(bad)
        #expect(session.settings.k == 3)
        #expect(session.message?.contains("more than the 100 points") == true)
    }

    @Test func projectionCyclesForHigherDimensions() throws {
        var session = Self.session(.iris)
        #expect(session.view.projection == .pca)
        try Self.press(&session, "p")
        #expect(session.view.projection == .axes(x: 0, y: 1))
        #expect(session.projected.count == 300)
        #expect(session.projected[0] == 5.1 && session.projected[1] == 3.5)
    }
}

/// The checkpoint view over a real TensorFlow model_dir (copied from TF 2.15's output into the test's files).
@Suite("Checkpoints of a TensorFlow model_dir")
struct ModelDirCheckpointTests {
    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/fixtures/kmeans_full_batch").path
    }

    @Test func listsInitialisedCheckpointsWithTheirCenters() throws {
        let (entries, origin) = ModelDirCheckpoints.load(modelDir: Self.fixture)
        #expect(origin == "kmeans_full_batch")
        // model.ckpt-0 holds no centres yet (initialized = false) and is left out.
        #expect(entries.map(\.step) == [1, 3, 5])
        let first = try #require(entries.first)
        #expect(first.centers.rows == 5 && first.centers.columns == 2)
        #expect(first.centers[0, 0] == Float(9.447078704833984))
        #expect(first.centers[0, 1] == Float(9.856607437133789))
    }

    @Test func missingDirectorySaysWhy() {
        let (entries, origin) = ModelDirCheckpoints.load(modelDir: "/nonexistent/model\u{1B}dir")
        #expect(entries.isEmpty)
        #expect(origin.contains("model?dir"))
    }

    @Test func scrubAndContinueFromATensorFlowCheckpoint() throws {
        let (entries, origin) = ModelDirCheckpoints.load(modelDir: Self.fixture)
        let blobs = DataSet.gaussianBlobs(count: 200, centers: [[0, 0], [10, 10], [0, 10], [10, 0], [5, 5]], spread: 1, seed: 3)
        var settings = WorkbenchSettings()
        settings.k = 5
        var session = Session(dataSet: blobs, settings: settings, width: 100, height: 30)
        session.setCheckpoints(entries, origin: origin)
        session.handle(.character("c"))
        #expect(session.overlay == .checkpoints(selected: 2))
        session.handle(.left)
        #expect(session.overlay == .checkpoints(selected: 1))
        let text = SnapshotFormat.text.render(Renderer(tier: .palette256).render(session))
        #expect(text.contains("CHECKPOINT step 3"))
        try assertSnapshot(SnapshotFormat.styled.render(Renderer(tier: .palette256).render(session)), named: "checkpoints-tf-model-dir-100x30")
        session.handle(.enter)
        #expect(session.currentFrame?.state.globalStep == 3)
        #expect(session.currentFrame?.state.clusters == entries[1].centers)
        session.requestIteration()
        session.runPendingWork()
        #expect(session.currentFrame?.state.globalStep == 4)
    }
}
