import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TFFormats

@Suite("kill -9 during saves")
struct KillDuringSaveTests {
    /// Tensors whose every value is derived from `step`, so a torn checkpoint would show.
    static func tensors(step: Int64) -> [String: Tensor] {
        ["clusters": .float((0..<20_000).map { Float(step) + Float($0) * 0.25 }, shape: [10_000, 2]),
         "global_step": .int64(step), "initialized": .bool(true)]
    }

    @Test func directoryAlwaysOpensWithACompleteCheckpointAfterKill() async throws {
        let path = try TestFiles.temporaryDirectory().path
        var seenSteps: [Int64] = []
        var killsMidSave = 0
        for cycle in 0..<30 {
            let delay = 5_000 + (cycle * 7_919) % 120_000  // microseconds until the child kills itself
            await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String, delay = delay as Int] in
                var timer = itimerval()
                timer.it_value.tv_usec = delay
                signal(SIGALRM) { _ in kill(getpid(), SIGKILL) }
                setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer, nil)
                let directory = ModelDirectory(url: URL(fileURLWithPath: path))
                let lock = try directory.acquireTrainerLock()
                try directory.removeStaleTemporaryFiles()
                var step = (try directory.latestCheckpoint()?.step) ?? 0
                while true {
                    step += 1
                    try directory.saveCheckpoint(KillDuringSaveTests.tensors(step: step), step: step, keepCheckpointMax: 2)
                }
                _ = lock
            }
            let directory = ModelDirectory(url: URL(fileURLWithPath: path))
            if try FileManager.default.contentsOfDirectory(atPath: path).contains(where: { $0.contains(".tmp-") }) { killsMidSave += 1 }
            if let (checkpoint, tensors) = try directory.loadLatest() {
                let step = try #require(checkpoint.step)
                #expect(tensors == Self.tensors(step: step))
                seenSteps.append(step)
            }
            // Every retained checkpoint is complete, too.
            for checkpoint in try directory.checkpoints() {
                #expect(try directory.load(checkpoint) == Self.tensors(step: try #require(checkpoint.step)))
            }
        }
        print("kill cycles: 30, mid-save kills (temp file left): \(killsMidSave), last step \(seenSteps.last ?? 0)")
        #expect(seenSteps == seenSteps.sorted())
        #expect((seenSteps.last ?? 0) > 0)
    }
}
