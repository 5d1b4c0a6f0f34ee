import TFFormats

/// One variable of a checkpoint as the variables table shows it: name, type, shape, and the value of a scalar.
public struct CheckpointVariable: Sendable, Equatable {
    /// The variable's name in the checkpoint (`global_step`, `Variable`, …).
    public var name: String
    /// TensorFlow's name for its type (`int64`, `float32`, …).
    public var type: String
    /// Its dimensions; `[]` for a scalar.
    public var shape: [Int]
    /// The value of a scalar, as text (nil for tensors with more than one element).
    public var value: String?

    /// Creates a summary.
    public init(name: String, type: String, shape: [Int], value: String?) {
        self.name = name
        self.type = type
        self.shape = shape
        self.value = value
    }

    /// The shape as the table shows it: `scalar`, `[3]`, `[3×2]`.
    public var shapeText: String { shape.isEmpty ? "scalar" : "[" + shape.map(String.init).joined(separator: "×") + "]" }

    /// Summaries of `tensors`, by name.
    public static func summaries(of tensors: [String: Tensor]) -> [CheckpointVariable] {
        tensors.keys.sorted().map { name in
            let tensor = tensors[name]!
            return CheckpointVariable(name: TerminalText.sanitized(name), type: tensor.dataType.name, shape: tensor.shape,
                                      value: tensor.values.count == 1 ? scalarText(tensor.values) : nil)
        }
    }

    static func scalarText(_ values: Tensor.Values) -> String? {
        switch values {
        case let .float(v): v.first.map { formatFull(Double($0)) }
        case let .double(v): v.first.map(formatFull)
        case let .int32(v): v.first.map { String($0) }
        case let .int64(v): v.first.map { String($0) }
        case let .bool(v): v.first.map { $0 ? "true" : "false" }
        case let .string(v): v.first.map { bytes in TerminalText.sanitized(String(decoding: bytes.prefix(40), as: UTF8.self)) }
        }
    }
}

/// `value` with every digit its float carries: integers as integers, a float32 value in its shortest
/// round-tripping form (15555659, 3837.27), so neighbouring scores stay distinguishable.
public func formatFull(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    let single = Float(value)
    let text = Double(single) == value ? single.description : value.description
    return text.split(separator: "+").joined() // 1.5e+20 → 1.5e20
}
