// libFuzzer target: the tensor-bundle index (SSTable + BundleEntryProto) and the data-file reads it drives.
// Input layout: 2 bytes little-endian N, then N bytes of index, then the data file.
import Foundation
import TFFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointIndex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    guard input.count >= 2 else { return 0 }
    let indexLength = min(Int(input[0]) | Int(input[1]) << 8, input.count - 2)
    let index = Array(input[2..<(2 + indexLength)])
    let dataBytes = UnsafeRawBufferPointer(rebasing: input[(2 + indexLength)...])
    _ = writeScratch("model.ckpt-1.data-00000-of-00001", dataBytes)
    let prefix = URL(fileURLWithPath: "\(fuzzScratch)/model.ckpt-1")
    do {
        let reader = try TensorBundleReader(prefix: prefix, indexBytes: index)
        for entry in reader.entries {
            _ = reader.entry(named: entry.name)
            if let tensor = try? reader.tensor(for: entry) {
                precondition(tensor.shape == entry.shape, "tensor shape differs from its entry")
            }
        }
        _ = try reader.readAll()
    } catch {
        precondition(!String(describing: error).isEmpty)
    }
    return 0
}
