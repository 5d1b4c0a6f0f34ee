// libFuzzer target: TFRecord framing and Event / Summary protobuf decoding, whole-file and incremental reads,
// and the `checkpoint` state-file parser on the same bytes.
import Foundation
import TFFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    let bytes = Array(input)
    do {
        let (records, consumed) = try TFRecord.records(in: bytes, path: "fuzz")
        precondition(consumed <= bytes.count, "consumed more bytes than given")
        for record in records {
            _ = try? Event(decoding: record, path: "fuzz")
            _ = try? Event(decoding: record, path: "fuzz").encoded()
        }
    } catch {
        precondition(!String(describing: error).isEmpty)
    }
    // Every record payload on its own, as a protobuf Event.
    _ = try? Event(decoding: bytes, path: "fuzz")
    let url = URL(fileURLWithPath: writeScratch("events.out.tfevents.1.fuzz", input))
    let whole = try? EventFileReader.read(url)
    if let whole, size > 0 {
        // Reading in two parts finds the same events.
        if let (first, next) = try? EventFileReader.read(url, from: 0),
           let (rest, _) = try? EventFileReader.read(url, from: next) {
            precondition(first.count == whole.count && rest.isEmpty, "incremental read disagrees with a whole read")
        }
    }
    _ = try? EventFileReader.scalars(url)
    _ = try? CheckpointState(parsing: String(decoding: bytes, as: UTF8.self), path: "checkpoint")
    return 0
}
