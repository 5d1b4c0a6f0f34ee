/// `TensorInfo`: a signature's tensor (its graph name `node:index`, dtype and shape).
public struct SignatureTensor: Sendable, Equatable {
    /// The graph tensor, `node:0`.
    public var name: String
    /// The `DataType` code.
    public var dataType: Int32
    /// The shape; nil when the signature gives none.
    public var shape: GraphShape?

    /// A tensor named `name` (`node:0`).
    public init(name: String, dataType: Int32, shape: GraphShape?) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        writer.string(1, name)
        writer.int32(2, dataType)
        if let shape { writer.message(3, shape.encoded()) }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> SignatureTensor {
        var reader = ProtoReader(bytes)
        var tensor = SignatureTensor(name: "", dataType: 0, shape: nil)
        while let field = try reader.next() {
            switch field.number {
            case 1: tensor.name = try field.string("TensorInfo.name")
            case 2: tensor.dataType = try field.int32("TensorInfo.dtype")
            case 3: tensor.shape = try GraphShape.decode(try field.requireBytes("TensorInfo.tensor_shape"))
            default: break
            }
        }
        return tensor
    }
}

/// `SignatureDef`: named inputs and outputs and the method (`tensorflow/serving/predict`).
public struct SavedModelSignature: Sendable, Equatable {
    /// TF Serving's Predict API method name.
    public static let predictMethod = "tensorflow/serving/predict"

    /// Inputs by key.
    public var inputs: [String: SignatureTensor]
    /// Outputs by key.
    public var outputs: [String: SignatureTensor]
    /// The method name.
    public var methodName: String

    /// A signature of the given inputs and outputs.
    public init(inputs: [String: SignatureTensor], outputs: [String: SignatureTensor], methodName: String = SavedModelSignature.predictMethod) {
        self.inputs = inputs
        self.outputs = outputs
        self.methodName = methodName
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        for key in inputs.keys.sorted() { writer.mapEntry(1, key: key, value: inputs[key]!.encoded()) }
        for key in outputs.keys.sorted() { writer.mapEntry(2, key: key, value: outputs[key]!.encoded()) }
        writer.string(3, methodName)
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> SavedModelSignature {
        var reader = ProtoReader(bytes)
        var signature = SavedModelSignature(inputs: [:], outputs: [:], methodName: "")
        while let field = try reader.next() {
            switch field.number {
            case 1:
                let entry = try field.mapEntry("SignatureDef.inputs")
                signature.inputs[entry.key] = try SignatureTensor.decode(entry.value)
            case 2:
                let entry = try field.mapEntry("SignatureDef.outputs")
                signature.outputs[entry.key] = try SignatureTensor.decode(entry.value)
            case 3: signature.methodName = try field.string("SignatureDef.method_name")
            default: break
            }
        }
        return signature
    }
}

/// `SaverDef`: how a loader restores the variables (feed the prefix into `filenameTensor`, run `restoreOp`).
public struct SaverDefinition: Sendable, Equatable {
    /// The string tensor fed with `variables/variables`.
    public var filenameTensor: String
    /// The save op's output (required by TF's Python loaders even when unused).
    public var saveTensor: String
    /// The op that restores every variable.
    public var restoreOp: String

    /// A V2-checkpoint saver.
    public init(filenameTensor: String, saveTensor: String, restoreOp: String) {
        self.filenameTensor = filenameTensor
        self.saveTensor = saveTensor
        self.restoreOp = restoreOp
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        writer.string(1, filenameTensor)
        writer.string(2, saveTensor)
        writer.string(3, restoreOp)
        writer.varint(7, 2)  // CheckpointFormatVersion.V2
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> SaverDefinition {
        var reader = ProtoReader(bytes)
        var saver = SaverDefinition(filenameTensor: "", saveTensor: "", restoreOp: "")
        while let field = try reader.next() {
            switch field.number {
            case 1: saver.filenameTensor = try field.string("SaverDef.filename_tensor_name")
            case 2: saver.saveTensor = try field.string("SaverDef.save_tensor_name")
            case 3: saver.restoreOp = try field.string("SaverDef.restore_op_name")
            default: break
            }
        }
        return saver
    }
}

/// `MetaGraphDef`: one tagged graph with its saver and signatures.
public struct MetaGraph: Sendable, Equatable {
    /// `meta_info_def.tags` (`serve`).
    public var tags: [String]
    /// `meta_info_def.tensorflow_version`, when recorded.
    public var tensorflowVersion: String
    /// The graph.
    public var graph: GraphDefinition
    /// The saver; nil for a graph without variables.
    public var saver: SaverDefinition?
    /// Signatures by key.
    public var signatures: [String: SavedModelSignature]

    /// A meta graph.
    public init(tags: [String], tensorflowVersion: String = "", graph: GraphDefinition, saver: SaverDefinition?, signatures: [String: SavedModelSignature]) {
        self.tags = tags
        self.tensorflowVersion = tensorflowVersion
        self.graph = graph
        self.saver = saver
        self.signatures = signatures
    }

    func encoded() -> [UInt8] {
        var info = ProtoWriter()
        for tag in tags { info.message(4, Array(tag.utf8)) }
        info.string(5, tensorflowVersion)
        var writer = ProtoWriter()
        writer.message(1, info.bytes)
        writer.message(2, graph.encoded())
        if let saver { writer.message(3, saver.encoded()) }
        for key in signatures.keys.sorted() { writer.mapEntry(5, key: key, value: signatures[key]!.encoded()) }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> MetaGraph {
        var reader = ProtoReader(bytes)
        var meta = MetaGraph(tags: [], graph: GraphDefinition(nodes: [], producer: 0), saver: nil, signatures: [:])
        while let field = try reader.next() {
            switch field.number {
            case 1:
                var info = ProtoReader(try field.requireBytes("MetaGraphDef.meta_info_def"))
                while let item = try info.next() {
                    switch item.number {
                    case 4: meta.tags.append(try item.string("MetaInfoDef.tags"))
                    case 5: meta.tensorflowVersion = try item.string("MetaInfoDef.tensorflow_version")
                    default: break
                    }
                }
            case 2: meta.graph = try GraphDefinition.decode(try field.requireBytes("MetaGraphDef.graph_def"))
            case 3: meta.saver = try SaverDefinition.decode(try field.requireBytes("MetaGraphDef.saver_def"))
            case 5:
                let entry = try field.mapEntry("MetaGraphDef.signature_def")
                meta.signatures[entry.key] = try SavedModelSignature.decode(entry.value)
            default: break
            }
        }
        return meta
    }
}

/// `SavedModel`: the contents of `saved_model.pb`.
public struct SavedModelDocument: Sendable, Equatable {
    /// The largest `saved_model.pb` the reader opens (a K-Means export is a few KB; TF's about 40 KB).
    public static let maximumFileSize = 64 << 20

    /// `saved_model_schema_version` (1).
    public var schemaVersion: Int64
    /// The meta graphs.
    public var metaGraphs: [MetaGraph]

    /// A SavedModel of one or more meta graphs.
    public init(schemaVersion: Int64 = 1, metaGraphs: [MetaGraph]) {
        self.schemaVersion = schemaVersion
        self.metaGraphs = metaGraphs
    }

    /// The serialized bytes (fields in number order, map entries sorted by key, as TF's deterministic output).
    public func serialized() -> [UInt8] {
        var writer = ProtoWriter()
        writer.int64(1, schemaVersion)
        for meta in metaGraphs { writer.message(2, meta.encoded()) }
        return writer.bytes
    }

    /// Decodes `bytes`, read from `path` (named in errors).
    public static func decode(_ bytes: [UInt8], path: String) throws(TFFormatError) -> SavedModelDocument {
        do {
            var reader = ProtoReader(bytes)
            var document = SavedModelDocument(schemaVersion: 0, metaGraphs: [])
            while let field = try reader.next() {
                switch field.number {
                case 1: document.schemaVersion = Int64(bitPattern: try field.requireVarint("saved_model_schema_version"))
                case 2: document.metaGraphs.append(try MetaGraph.decode(try field.requireBytes("SavedModel.meta_graphs")))
                default: break
                }
            }
            return document
        } catch {
            throw error.error(path: path, context: "SavedModel protobuf")
        }
    }
}
