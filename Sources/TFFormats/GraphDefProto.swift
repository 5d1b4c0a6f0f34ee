/// TensorFlow's `DataType` codes a serving graph uses (`types.proto`), beyond the checkpoint dtypes.
public enum GraphDataType {
    /// `DT_FLOAT`.
    public static let float: Int32 = 1
    /// `DT_INT32`.
    public static let int32: Int32 = 3
    /// `DT_STRING`.
    public static let string: Int32 = 7
    /// `DT_INT64`.
    public static let int64: Int32 = 9
    /// `DT_BOOL`.
    public static let bool: Int32 = 10
    /// `DT_RESOURCE`.
    public static let resource: Int32 = 20

    /// TensorFlow's name for a code (`DT_FLOAT` → `float32`), or `DT_<code>` when unknown.
    public static func name(_ code: Int32) -> String {
        if code == resource { return "resource" }
        return TensorDataType(rawValue: code)?.name ?? "DT_\(code)"
    }
}

/// `TensorShapeProto`: dimensions (-1 unknown), or an unknown rank.
public struct GraphShape: Sendable, Equatable {
    /// The dimensions; nil for an unknown rank.
    public var dimensions: [Int64]?

    /// A shape of known rank.
    public init(_ dimensions: [Int64]) { self.dimensions = dimensions }
    /// A shape of unknown rank.
    public static let unknownRank = GraphShape(unknown: ())
    private init(unknown: Void) { dimensions = nil }

    /// `(-1, 2)`, `()` or `unknown_rank`, as saved_model_cli prints shapes.
    public var description: String {
        guard let dimensions else { return "unknown_rank" }
        return "(" + dimensions.map(String.init).joined(separator: ", ") + ")"
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        guard let dimensions else {
            writer.varint(3, 1)
            return writer.bytes
        }
        for size in dimensions {
            var dim = ProtoWriter()
            dim.int64(1, size)
            writer.message(2, dim.bytes)
        }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> GraphShape {
        var reader = ProtoReader(bytes)
        var dimensions: [Int64] = []
        var unknown = false
        while let field = try reader.next() {
            switch field.number {
            case 2:
                var dim = ProtoReader(try field.requireBytes("TensorShapeProto.dim"))
                var size: Int64 = 0
                while let inner = try dim.next() {
                    if inner.number == 1 { size = Int64(bitPattern: try inner.requireVarint("Dim.size")) }
                }
                dimensions.append(size)
            case 3: unknown = try field.requireVarint("unknown_rank") != 0
            default: break
            }
        }
        return unknown ? .unknownRank : GraphShape(dimensions)
    }
}

/// `TensorProto` as graph constants use it: a dtype, a shape and the values in one of TF's fields.
public struct GraphTensor: Sendable, Equatable {
    /// The `DataType` code.
    public var dataType: Int32
    /// The shape.
    public var shape: [Int64]
    /// `tensor_content`: the raw little-endian elements.
    public var content: [UInt8] = []
    /// `float_val`.
    public var floatValues: [Float] = []
    /// `int_val`.
    public var int32Values: [Int32] = []
    /// `int64_val`.
    public var int64Values: [Int64] = []
    /// `string_val`.
    public var stringValues: [[UInt8]] = []

    /// An empty tensor of `dataType` and `shape`; set one of the value fields.
    public init(dataType: Int32, shape: [Int64]) {
        self.dataType = dataType
        self.shape = shape
    }

    /// The float elements, from `tensor_content` or `float_val` (a single value broadcast, as TF does).
    public var floats: [Float]? {
        guard dataType == GraphDataType.float, let count = elementCount else { return nil }
        if !content.isEmpty {
            guard content.count == count * 4 else { return nil }
            return stride(from: 0, to: content.count, by: 4).map { offset in
                Float(bitPattern: UInt32(content[offset]) | UInt32(content[offset + 1]) << 8
                      | UInt32(content[offset + 2]) << 16 | UInt32(content[offset + 3]) << 24)
            }
        }
        if floatValues.count == count { return floatValues }
        if floatValues.count == 1 { return Array(repeating: floatValues[0], count: count) }
        return count == 0 ? [] : nil
    }

    /// The number of elements the shape holds; nil for a negative dimension or more than 2²⁶ elements.
    public var elementCount: Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0, dimension <= 1 << 26 else { return nil }
            count *= Int(dimension)
            guard count <= 1 << 26 else { return nil }
        }
        return count
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        writer.int32(1, dataType)
        writer.message(2, GraphShape(shape).encoded())
        writer.bytes(4, content)
        writer.packedFloats(5, floatValues)
        writer.packedVarints(7, int32Values.map { UInt64(bitPattern: Int64($0)) })
        for value in stringValues { writer.message(8, value) }
        writer.packedVarints(10, int64Values.map { UInt64(bitPattern: $0) })
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> GraphTensor {
        var reader = ProtoReader(bytes)
        var tensor = GraphTensor(dataType: 0, shape: [])
        while let field = try reader.next() {
            switch field.number {
            case 1: tensor.dataType = try field.int32("TensorProto.dtype")
            case 2:
                let shape = try GraphShape.decode(try field.requireBytes("TensorProto.tensor_shape"))
                tensor.shape = shape.dimensions ?? []
            case 4: tensor.content = try field.requireBytes("tensor_content").remainingBytes
            case 5: tensor.floatValues += try field.floats("float_val")
            case 7: tensor.int32Values += try field.varints("int_val").map { Int32(truncatingIfNeeded: $0) }
            case 8: tensor.stringValues.append(try field.requireBytes("string_val").remainingBytes)
            case 10: tensor.int64Values += try field.varints("int64_val").map { Int64(bitPattern: $0) }
            default: break
            }
        }
        return tensor
    }
}

/// `AttrValue`: one node attribute.
public enum GraphAttr: Sendable, Equatable {
    /// `s`.
    case string([UInt8])
    /// `i`.
    case int(Int64)
    /// `f`.
    case float(Float)
    /// `b`.
    case bool(Bool)
    /// `type`.
    case type(Int32)
    /// `shape`.
    case shape(GraphShape)
    /// `tensor`.
    case tensor(GraphTensor)
    /// `list { type: … }`.
    case typeList([Int32])
    /// `list { i: … }`.
    case intList([Int64])
    /// Any other kind (functions, placeholders, other lists), kept undecoded.
    case other

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        switch self {
        case .string(let value): writer.message(2, value)
        case .int(let value): writer.varintPresent(3, UInt64(bitPattern: value))
        case .float(let value): writer.floatPresent(4, value)
        case .bool(let value): writer.varintPresent(5, value ? 1 : 0)
        case .type(let value): writer.varintPresent(6, UInt64(bitPattern: Int64(value)))
        case .shape(let value): writer.message(7, value.encoded())
        case .tensor(let value): writer.message(8, value.encoded())
        case .typeList(let values):
            var list = ProtoWriter()
            list.packedVarints(6, values.map { UInt64(bitPattern: Int64($0)) })
            writer.message(1, list.bytes)
        case .intList(let values):
            var list = ProtoWriter()
            list.packedVarints(3, values.map { UInt64(bitPattern: $0) })
            writer.message(1, list.bytes)
        case .other: break
        }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> GraphAttr {
        var reader = ProtoReader(bytes)
        var result = GraphAttr.other
        while let field = try reader.next() {
            switch field.number {
            case 1:
                var list = ProtoReader(try field.requireBytes("AttrValue.list"))
                var types: [Int32] = []
                var ints: [Int64] = []
                var other = false
                while let item = try list.next() {
                    switch item.number {
                    case 3: ints += try item.varints("list.i").map { Int64(bitPattern: $0) }
                    case 6: types += try item.varints("list.type").map { Int32(truncatingIfNeeded: $0) }
                    default: other = true
                    }
                }
                result = other ? .other : (ints.isEmpty ? .typeList(types) : .intList(ints))
            case 2: result = .string(try field.requireBytes("AttrValue.s").remainingBytes)
            case 3: result = .int(Int64(bitPattern: try field.requireVarint("AttrValue.i")))
            case 4:
                guard let bits = field.fixed32Value else { throw .invalid(offset: field.offset, reason: "field AttrValue.f has the wrong wire type") }
                result = .float(Float(bitPattern: bits))
            case 5: result = .bool(try field.requireVarint("AttrValue.b") != 0)
            case 6: result = .type(try field.int32("AttrValue.type"))
            case 7: result = .shape(try GraphShape.decode(try field.requireBytes("AttrValue.shape")))
            case 8: result = .tensor(try GraphTensor.decode(try field.requireBytes("AttrValue.tensor")))
            default: result = .other
            }
        }
        return result
    }
}

/// `NodeDef`: one operation of a graph.
public struct GraphNode: Sendable, Equatable {
    /// The node's unique name.
    public var name: String
    /// The op type (`Placeholder`, `BatchMatMulV2`, …).
    public var op: String
    /// Inputs as `node`, `node:1` or `^control`.
    public var inputs: [String]
    /// Attributes by name.
    public var attributes: [String: GraphAttr]

    /// A node with the given op, inputs and attributes.
    public init(name: String, op: String, inputs: [String] = [], attributes: [String: GraphAttr] = [:]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.attributes = attributes
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        writer.string(1, name)
        writer.string(2, op)
        for input in inputs { writer.message(3, Array(input.utf8)) }
        for key in attributes.keys.sorted() { writer.mapEntry(5, key: key, value: attributes[key]!.encoded()) }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> GraphNode {
        var reader = ProtoReader(bytes)
        var node = GraphNode(name: "", op: "")
        while let field = try reader.next() {
            switch field.number {
            case 1: node.name = try field.string("NodeDef.name")
            case 2: node.op = try field.string("NodeDef.op")
            case 3: node.inputs.append(try field.string("NodeDef.input"))
            case 5:
                let entry = try field.mapEntry("NodeDef.attr")
                node.attributes[entry.key] = try GraphAttr.decode(entry.value)
            default: break
            }
        }
        return node
    }
}

/// `GraphDef`: the nodes and the producer version.
public struct GraphDefinition: Sendable, Equatable {
    /// The most nodes a graph may have when decoded; a K-Means serving graph has about 20 (TF's export about 150).
    public static let maximumNodeCount = 100_000

    /// The nodes, in order.
    public var nodes: [GraphNode]
    /// `versions.producer` (the GraphDef version of the writer); 0 writes no `versions`.
    public var producer: Int32

    /// A graph of `nodes` written by a `producer`-version writer.
    public init(nodes: [GraphNode], producer: Int32) {
        self.nodes = nodes
        self.producer = producer
    }

    func encoded() -> [UInt8] {
        var writer = ProtoWriter()
        for node in nodes { writer.message(1, node.encoded()) }
        if producer != 0 {
            var versions = ProtoWriter()
            versions.int32(1, producer)
            writer.message(4, versions.bytes)
        }
        return writer.bytes
    }

    static func decode(_ bytes: ByteReader) throws(DecodeFailure) -> GraphDefinition {
        var reader = ProtoReader(bytes)
        var graph = GraphDefinition(nodes: [], producer: 0)
        while let field = try reader.next() {
            switch field.number {
            case 1:
                guard graph.nodes.count < maximumNodeCount else {
                    throw .invalid(offset: field.offset, reason: "the graph has more than \(maximumNodeCount) nodes (a K-Means export has about 150)")
                }
                graph.nodes.append(try GraphNode.decode(try field.requireBytes("GraphDef.node")))
            case 4:
                var versions = ProtoReader(try field.requireBytes("GraphDef.versions"))
                while let inner = try versions.next() {
                    if inner.number == 1 { graph.producer = try inner.int32("VersionDef.producer") }
                }
            default: break
            }
        }
        return graph
    }
}
