/// An ONNX model (`onnx.proto`'s `ModelProto`) of one graph over float32/int64 tensors: the subset an exported
/// K-Means scorer needs.
public struct ONNXModel: Sendable, Equatable {
    /// `TensorProto.DataType` codes.
    public enum ElementType {
        /// `FLOAT`.
        public static let float: Int32 = 1
        /// `INT64`.
        public static let int64: Int32 = 7
    }

    /// An attribute of a node.
    public enum Attribute: Sendable, Equatable {
        /// `INT`.
        case int(Int64)
        /// `FLOAT`.
        case float(Float)
        /// `INTS`.
        case ints([Int64])
    }

    /// `NodeProto`.
    public struct Node: Sendable, Equatable {
        /// The operator (`Gemm`, `ArgMin`, …) in the default domain.
        public var opType: String
        /// Input value names.
        public var inputs: [String]
        /// Output value names.
        public var outputs: [String]
        /// The node's name.
        public var name: String
        /// Attributes by name (written in name order).
        public var attributes: [String: Attribute]

        /// A node computing `outputs` from `inputs`.
        public init(_ opType: String, _ inputs: [String], _ outputs: [String], name: String, attributes: [String: Attribute] = [:]) {
            self.opType = opType
            self.inputs = inputs
            self.outputs = outputs
            self.name = name
            self.attributes = attributes
        }
    }

    /// `ValueInfoProto` of a tensor: name, element type and dimensions (nil = symbolic `dimParameter`).
    public struct Value: Sendable, Equatable {
        /// The value's name.
        public var name: String
        /// The element type code.
        public var elementType: Int32
        /// Dimensions; nil entries are the symbolic batch size.
        public var dimensions: [Int64?]

        /// A typed value.
        public init(name: String, elementType: Int32, dimensions: [Int64?]) {
            self.name = name
            self.elementType = elementType
            self.dimensions = dimensions
        }
    }

    /// A float32 initializer (`raw_data`, little-endian).
    public struct Initializer: Sendable, Equatable {
        /// The value's name.
        public var name: String
        /// Dimensions.
        public var dimensions: [Int64]
        /// Elements, row-major.
        public var values: [Float]

        /// A float32 constant tensor.
        public init(name: String, dimensions: [Int64], values: [Float]) {
            self.name = name
            self.dimensions = dimensions
            self.values = values
        }
    }

    /// The symbolic batch dimension's name.
    public static let batchDimension = "N"

    /// `ir_version`.
    public var irVersion: Int64
    /// The default domain's opset.
    public var opset: Int64
    /// `producer_name`.
    public var producerName: String
    /// The graph's name.
    public var graphName: String
    /// Nodes in topological order.
    public var nodes: [Node]
    /// Constant inputs.
    public var initializers: [Initializer]
    /// Graph inputs.
    public var inputs: [Value]
    /// Graph outputs.
    public var outputs: [Value]

    /// A model of one graph.
    public init(irVersion: Int64, opset: Int64, producerName: String, graphName: String, nodes: [Node], initializers: [Initializer],
                inputs: [Value], outputs: [Value]) {
        self.irVersion = irVersion
        self.opset = opset
        self.producerName = producerName
        self.graphName = graphName
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The serialized `ModelProto`.
    public func serialized() -> [UInt8] {
        var graph = ProtoWriter()
        for node in nodes { graph.message(1, Self.encode(node)) }
        graph.string(2, graphName)
        for initializer in initializers { graph.message(5, Self.encode(initializer)) }
        for input in inputs { graph.message(11, Self.encode(input)) }
        for output in outputs { graph.message(12, Self.encode(output)) }
        var opsetID = ProtoWriter()
        opsetID.message(1, [])  // the default domain, written explicitly as onnx.helper.make_opsetid does
        opsetID.varintPresent(2, UInt64(bitPattern: opset))
        var model = ProtoWriter()
        model.varintPresent(1, UInt64(bitPattern: irVersion))
        model.string(2, producerName)
        model.message(7, graph.bytes)
        model.message(8, opsetID.bytes)
        return model.bytes
    }

    private static func encode(_ node: Node) -> [UInt8] {
        var writer = ProtoWriter()
        for input in node.inputs { writer.message(1, Array(input.utf8)) }
        for output in node.outputs { writer.message(2, Array(output.utf8)) }
        writer.string(3, node.name)
        writer.string(4, node.opType)
        for key in node.attributes.keys.sorted() {
            var attribute = ProtoWriter()
            attribute.string(1, key)
            switch node.attributes[key]! {
            case .float(let value):
                attribute.floatPresent(2, value)
                attribute.varintPresent(20, 1)
            case .int(let value):
                attribute.varintPresent(3, UInt64(bitPattern: value))
                attribute.varintPresent(20, 2)
            case .ints(let values):
                for value in values { attribute.varintPresent(8, UInt64(bitPattern: value)) }
                attribute.varintPresent(20, 7)
            }
            writer.message(5, attribute.bytes)
        }
        return writer.bytes
    }

    private static func encode(_ initializer: Initializer) -> [UInt8] {
        var writer = ProtoWriter()
        for dimension in initializer.dimensions { writer.varintPresent(1, UInt64(bitPattern: dimension)) }
        writer.varintPresent(2, UInt64(bitPattern: Int64(ElementType.float)))
        writer.string(8, initializer.name)
        var raw = ByteWriter()
        for value in initializer.values { raw.appendFixed32(value.bitPattern) }
        writer.message(9, raw.bytes)
        return writer.bytes
    }

    private static func encode(_ value: Value) -> [UInt8] {
        var shape = ProtoWriter()
        for dimension in value.dimensions {
            var dim = ProtoWriter()
            if let dimension { dim.varintPresent(1, UInt64(bitPattern: dimension)) } else { dim.string(2, batchDimension) }
            shape.message(1, dim.bytes)
        }
        var tensorType = ProtoWriter()
        tensorType.varintPresent(1, UInt64(bitPattern: Int64(value.elementType)))
        tensorType.message(2, shape.bytes)
        var type = ProtoWriter()
        type.message(1, tensorType.bytes)
        var writer = ProtoWriter()
        writer.string(1, value.name)
        writer.message(2, type.bytes)
        return writer.bytes
    }
}
