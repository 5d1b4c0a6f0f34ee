// libFuzzer target: saved_model.pb (SavedModel / MetaGraphDef / GraphDef / NodeDef / AttrValue / TensorProto /
// SignatureDef / SaverDef) through SavedModelReader.read, beside a fixed 3 × 2 `clusters` bundle in variables/.
// Whatever decodes must re-encode to bytes that decode and re-encode to the same bytes.
import Foundation
import TFFormats

nonisolated(unsafe) var savedModelDirectoryReady = false

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSavedModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = inputBuffer(data, size)
    let directory = URL(fileURLWithPath: "\(fuzzScratch)/export")
    if !savedModelDirectoryReady {
        savedModelDirectoryReady = true
        try? FileManager.default.createDirectory(at: directory.appendingPathComponent("variables"), withIntermediateDirectories: true)
        let prefix = directory.appendingPathComponent("variables/variables")
        let bundle = try! TensorBundleEncoder.encode(["clusters": .float([0, 1, 2, 3, 4, 5], shape: [3, 2])])
        try! Data(bundle.index).write(to: TensorBundleFiles.indexURL(prefix: prefix))
        try! Data(bundle.data).write(to: TensorBundleFiles.dataURL(prefix: prefix))
    }
    _ = writeScratch("export/saved_model.pb", input)
    let bytes = Array(input)
    if let document = try? SavedModelDocument.decode(bytes, path: "fuzz") {
        let encoded = document.serialized()
        let again = try? SavedModelDocument.decode(encoded, path: "re-encoded")
        precondition(again?.serialized() == encoded, "re-encoding changed the document")  // bytes: NaN-safe
    }
    do {
        let summary = try SavedModelReader.read(directory: directory)
        precondition(summary.centers.count == summary.numClusters * summary.numFeatures, "centres disagree with their shape")
    } catch {
        precondition(!String(describing: error).contains("\n"), "multi-line error")
    }
    return 0
}
