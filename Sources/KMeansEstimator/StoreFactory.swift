// The one place that decides where checkpoints and summaries go. The model-dir (disk) implementation replaces
// this body for a non-nil `modelDir`; until then everything stays in memory.

/// The checkpoint store and summary sink for `modelDir` (nil: in memory).
func makeStores(modelDir: String?, config: RunConfig) throws -> (CheckpointStore, SummarySink) {
    (InMemoryCheckpointStore(keepCheckpointMax: config.keepCheckpointMax), InMemorySummarySink())
}
