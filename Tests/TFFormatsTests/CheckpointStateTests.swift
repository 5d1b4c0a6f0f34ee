import Foundation
import Testing
@testable import TFFormats

@Suite("The `checkpoint` state file")
struct CheckpointStateTests {
    @Test func parsesEstimatorAndCheckpointManagerFiles() throws {
        for name in ["kmeans_full_batch", "tf2_object", "saver_v1"] {
            let url = TestFiles.modelDirs.appendingPathComponent(name).appendingPathComponent("checkpoint")
            let state = try CheckpointState(parsing: String(decoding: try TestFiles.bytes(url), as: UTF8.self), path: url.path)
            #expect(state.allModelCheckpointPaths.last == state.modelCheckpointPath, "\(name)")
        }
        let full = try ModelDirectory(url: TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch")).checkpointState()
        #expect(full?.allModelCheckpointPaths == ["model.ckpt-0", "model.ckpt-1", "model.ckpt-3", "model.ckpt-5"])
    }

    @Test func serializationIsWhatTensorFlowWrites() throws {
        let state = CheckpointState(modelCheckpointPath: "model.ckpt-5", allModelCheckpointPaths: ["model.ckpt-3", "model.ckpt-5"])
        #expect(state.serialized == """
            model_checkpoint_path: "model.ckpt-5"
            all_model_checkpoint_paths: "model.ckpt-3"
            all_model_checkpoint_paths: "model.ckpt-5"

            """)
        let fixture = try TestFiles.bytes(TestFiles.modelDirs.appendingPathComponent("kmeans_full_batch/checkpoint"))
        let parsed = try CheckpointState(parsing: String(decoding: fixture, as: UTF8.self), path: "checkpoint")
        #expect(Array(parsed.serialized.utf8) == fixture)
    }

    /// A state file far larger than any real one is refused from its size, before it is read into memory.
    @Test func oversizedStateFileIsRefusedBeforeReading() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = ModelDirectory(url: directory)
        let size = (16 << 20) + 1
        #expect(FileManager.default.createFile(atPath: model.stateFileURL.path, contents: nil))
        let handle = try FileHandle(forWritingTo: model.stateFileURL)
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        #expect(throws: TFFormatError.checkpointStateSyntax(path: model.stateFileURL.path, line: 1,
                                                            detail: "state file is \(size) bytes, far larger than any real one")) {
            try model.checkpointState()
        }
    }

    @Test func escapesRoundTrip() throws {
        let odd = "dir é/\"quoted\" back\\slash\ttab\nnewline'"
        let state = CheckpointState(modelCheckpointPath: odd, allModelCheckpointPaths: [odd])
        #expect(state.serialized.contains("\\303\\251"))
        #expect(try CheckpointState(parsing: state.serialized, path: "c") == state)
    }

    @Test func toleratesUnknownFieldsCommentsAndOtherSyntax() throws {
        let text = """
            # written by hand
            last_preserved_timestamp: 1795822835.7472587
            model_checkpoint_path: 'model.ckpt-' "7"
            some_message { nested: "x" inner < a: 1 > list: [1, 2] }
            all_model_checkpoint_paths: ["model.ckpt-6", "model.ckpt-7"]
            all_model_checkpoint_timestamps: -1.5e3, flag: true;
            all_model_checkpoint_paths: "raw é \\x41\\101"
            """
        let state = try CheckpointState(parsing: text, path: "c")
        #expect(state.modelCheckpointPath == "model.ckpt-7")
        #expect(state.allModelCheckpointPaths == ["model.ckpt-6", "model.ckpt-7", "raw é AA"])
    }

    @Test func malformedFilesNameTheLine() {
        let cases: [(String, Int)] = [
            ("model_checkpoint_path: \"unterminated\n", 1),
            ("all_model_checkpoint_paths: \"a\"\nmodel_checkpoint_path \"b\"\n", 2),
            ("all_model_checkpoint_paths: \"a\"\n", 2),
            ("model_checkpoint_path: \"\"\n", 2),
            ("x {\n y: 1\n", 3),
            ("model_checkpoint_path: 12\n", 1),
            ("@", 1),
        ]
        for (text, line) in cases {
            let error = try? #require(throws: TFFormatError.self) { try CheckpointState(parsing: text, path: "dir/checkpoint") }
            guard case .checkpointStateSyntax(let path, let reported, _)? = error else {
                Issue.record("\(text.debugDescription): \(String(describing: error))")
                continue
            }
            #expect(path == "dir/checkpoint")
            #expect(reported == line, "\(text.debugDescription)")
        }
    }

    @Test func pathsEscapingTheDirectoryAreRejected() throws {
        let directory = ModelDirectory(url: URL(fileURLWithPath: "/data/run1"))
        #expect(try directory.resolve(checkpointPath: "model.ckpt-3").path == "/data/run1/model.ckpt-3")
        #expect(try directory.resolve(checkpointPath: "/data/run1/model.ckpt-3").path == "/data/run1/model.ckpt-3")
        #expect(try directory.resolve(checkpointPath: "sub/./model.ckpt-3").path == "/data/run1/sub/model.ckpt-3")
        for hostile in ["../run2/model.ckpt-3", "/etc/passwd", "/data/run10/model.ckpt-1", "sub/../../x", "", ".", "/data/run1"] {
            #expect(throws: TFFormatError.self, "\(hostile)") { try directory.resolve(checkpointPath: hostile) }
        }
    }

    @Test func stateFilePointingOutsideOrToMissingFiles() throws {
        let url = try TestFiles.temporaryDirectory()
        let directory = ModelDirectory(url: url)
        #expect(try directory.latestCheckpoint() == nil)
        try TestFiles.write(Array("model_checkpoint_path: \"../elsewhere/model.ckpt-1\"\n".utf8), to: directory.stateFileURL)
        #expect(throws: TFFormatError.pathEscapesDirectory(path: directory.stateFileURL.path, checkpointPath: "../elsewhere/model.ckpt-1")) {
            try directory.latestCheckpoint()
        }
        try TestFiles.write(Array("model_checkpoint_path: \"model.ckpt-1\"\n".utf8), to: directory.stateFileURL)
        #expect(try directory.latestCheckpoint() == nil)  // named prefix has no index: as TF, no checkpoint
    }
}
