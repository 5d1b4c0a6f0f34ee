// The one place that decides where checkpoints and summaries go.

/// The checkpoint store and summary sink for `modelDir`: TensorFlow-format files on disk (`ModelDir/`), or memory
/// when nil.
func makeStores(modelDir: String?, config: RunConfig) throws -> (CheckpointStore, SummarySink) {
    guard let modelDir else {
        return (InMemoryCheckpointStore(keepCheckpointMax: config.keepCheckpointMax), InMemorySummarySink())
    }
    guard !modelDir.isEmpty else {
        throw KMeansError.invalidArgument(argument: "modelDir", reason: "must be a directory path or nil, given an empty string")
    }
    return (DiskCheckpointStore(modelDir: modelDir, keepCheckpointMax: config.keepCheckpointMax), EventSummarySink(modelDir: modelDir))
}
