// libFuzzer target: a `checkpoint` state file from elsewhere, resolved in a model directory. Whatever it says,
// every checkpoint the directory reports must lie inside it.
import Foundation
import TFFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointState(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    let directory = URL(fileURLWithPath: "\(fuzzScratch)/model")
    mkdir(directory.path, 0o700)
    _ = writeScratch("model/checkpoint", input)
    // A checkpoint the state file may name, and one outside the directory it must never reach.
    _ = writeScratch("model/model.ckpt-1.index", UnsafeRawBufferPointer(start: nil, count: 0))
    _ = writeScratch("outside.index", UnsafeRawBufferPointer(start: nil, count: 0))
    let modelDirectory = ModelDirectory(url: directory)
    let inside = modelDirectory.url.path + "/"
    if let latest = try? modelDirectory.latestCheckpoint() {
        precondition(latest.prefix.path.hasPrefix(inside), "latest checkpoint escapes the directory: \(latest.prefix.path)")
    }
    if let all = try? modelDirectory.checkpoints() {
        for reference in all {
            precondition(reference.prefix.path.hasPrefix(inside), "checkpoint escapes the directory: \(reference.prefix.path)")
        }
    }
    if let state = try? CheckpointState(parsing: String(decoding: Array(input), as: UTF8.self), path: "checkpoint") {
        // What we write, we read back the same.
        let again = try? CheckpointState(parsing: state.serialized, path: "checkpoint")
        precondition(again == state, "state file does not round-trip: \(state)")
    }
    return 0
}
