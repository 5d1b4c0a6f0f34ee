/// TensorFlow's `DataType` enum values, as stored in checkpoints (`types.proto`).
public enum TensorDataType: Int32, Sendable, CaseIterable {
    case float = 1
    case double = 2
    case int32 = 3
    case string = 7
    case int64 = 9
    case bool = 10

    /// TensorFlow's name for the type (`DT_FLOAT` → "float32").
    public var name: String {
        switch self {
        case .float: "float32"
        case .double: "float64"
        case .int32: "int32"
        case .string: "string"
        case .int64: "int64"
        case .bool: "bool"
        }
    }
}

/// A named checkpoint value: a data type, a shape and its elements in row-major order.
public struct Tensor: Sendable, Equatable {
    /// The elements, typed.
    public enum Values: Sendable, Equatable {
        case float([Float])
        case double([Double])
        case int32([Int32])
        case int64([Int64])
        case bool([Bool])
        case string([[UInt8]])
    }

    /// Dimensions; `[]` for a scalar.
    public var shape: [Int]
    /// The elements; their count equals the product of `shape`.
    public var values: Values

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], values: Values) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) elements")
        self.shape = shape
        self.values = values
    }

    /// The data type of the elements.
    public var dataType: TensorDataType {
        switch values {
        case .float: .float
        case .double: .double
        case .int32: .int32
        case .int64: .int64
        case .bool: .bool
        case .string: .string
        }
    }

    /// A float32 tensor.
    public static func float(_ values: [Float], shape: [Int]) -> Tensor { Tensor(shape: shape, values: .float(values)) }
    /// An int64 scalar.
    public static func int64(_ value: Int64) -> Tensor { Tensor(shape: [], values: .int64([value])) }
    /// A bool scalar.
    public static func bool(_ value: Bool) -> Tensor { Tensor(shape: [], values: .bool([value])) }

    /// The float32 elements, or nil for another type.
    public var floatValues: [Float]? { if case .float(let v) = values { v } else { nil } }
    /// The int64 elements, or nil for another type.
    public var int64Values: [Int64]? { if case .int64(let v) = values { v } else { nil } }
    /// The bool elements, or nil for another type.
    public var boolValues: [Bool]? { if case .bool(let v) = values { v } else { nil } }
    /// The float64 elements, or nil for another type.
    public var doubleValues: [Double]? { if case .double(let v) = values { v } else { nil } }
    /// The int32 elements, or nil for another type.
    public var int32Values: [Int32]? { if case .int32(let v) = values { v } else { nil } }
    /// The string elements (raw bytes), or nil for another type.
    public var stringValues: [[UInt8]]? { if case .string(let v) = values { v } else { nil } }
}

extension Tensor.Values {
    /// Number of elements.
    public var count: Int {
        switch self {
        case .float(let v): v.count
        case .double(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .bool(let v): v.count
        case .string(let v): v.count
        }
    }
}
