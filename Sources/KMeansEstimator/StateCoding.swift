import KMeansCore
import TFFormats

/// Conversion between the core's `KMeansState` and TF's checkpoint variables (spec §8.1).
enum StateCoding {
    /// The variables TF saves for `params`' mode, named as TF names them.
    static func variables(of state: KMeansState, params: KMeansParams) -> [String: Tensor] {
        typealias Name = KMeansState.VariableName
        var out: [String: Tensor] = [
            Name.clusters: tensor(state.clusters),
            Name.initialized: .bool(state.initialized),
            Name.globalStep: .int64(state.globalStep),
        ]
        if params.useMiniBatch {
            let counts = state.clusterCounts ?? []
            out[Name.clusterCounts] = Tensor(shape: [counts.count], values: .int64(counts))
        }
        if params.hasSeparateWorkingCopy {
            out[Name.clustersUpdated] = tensor(state.clustersUpdated ?? Matrix(rows: 0, columns: 0))
            out[Name.updateInSteps] = .int64(state.updateInSteps ?? 0)
        }
        return out
    }

    /// `clusters` as TF stores it: `[0]` before initialization, else `[rows, d]`.
    private static func tensor(_ matrix: Matrix) -> Tensor {
        if matrix.rows == 0 { return Tensor(shape: [0], values: .float([])) }
        return .float(matrix.values, shape: [matrix.rows, matrix.columns])
    }

    /// Rebuilds the state from checkpoint variables; throws naming a missing or malformed variable.
    static func state(from variables: [String: Tensor], params: KMeansParams, path: String) throws -> KMeansState {
        typealias Name = KMeansState.VariableName
        func require(_ name: String) throws -> Tensor {
            guard let tensor = variables[name] else {
                throw KMeansError.incompatibleCheckpoint("checkpoint '\(path)' has no variable '\(name)' (has: \(variables.keys.sorted().joined(separator: ", ")))")
            }
            return tensor
        }
        func matrix(_ name: String) throws -> Matrix {
            let tensor = try require(name)
            guard let values = tensor.floatValues else {
                throw KMeansError.incompatibleCheckpoint("'\(name)' in '\(path)' is \(tensor.dataType.name), expected float32")
            }
            switch tensor.shape.count {
            case 1 where tensor.shape[0] == 0: return Matrix(rows: 0, columns: 0)
            case 2: return Matrix(rows: tensor.shape[0], columns: tensor.shape[1], values: values)
            default: throw KMeansError.incompatibleCheckpoint("'\(name)' in '\(path)' has shape \(tensor.shape), expected [k, d] or [0]")
            }
        }
        func int64Scalar(_ name: String) throws -> Int64 {
            let tensor = try require(name)
            guard let values = tensor.int64Values, values.count == 1 else {
                throw KMeansError.incompatibleCheckpoint("'\(name)' in '\(path)' is not an int64 scalar")
            }
            return values[0]
        }
        let initializedTensor = try require(Name.initialized)
        guard let initialized = initializedTensor.boolValues, initialized.count == 1 else {
            throw KMeansError.incompatibleCheckpoint("'initialized' in '\(path)' is not a bool scalar")
        }
        var counts: [Int64]?
        if params.useMiniBatch {
            let tensor = try require(Name.clusterCounts)
            guard let values = tensor.int64Values else {
                throw KMeansError.incompatibleCheckpoint("'Variable' in '\(path)' is \(tensor.dataType.name), expected int64")
            }
            counts = values
        }
        return KMeansState(
            clusters: try matrix(Name.clusters),
            initialized: initialized[0],
            clusterCounts: counts,
            clustersUpdated: params.hasSeparateWorkingCopy ? try matrix(Name.clustersUpdated) : nil,
            updateInSteps: params.hasSeparateWorkingCopy ? try int64Scalar(Name.updateInSteps) : nil,
            globalStep: try int64Scalar(Name.globalStep)
        )
    }
}
