import Foundation
@testable import KMeansCore

/// Loads the TF-parity fixtures copied into `Fixtures/` (written by TF 2.15.1, see the spec §13).
enum RandomFixtures {
    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    static func url(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError(description: "missing fixture Fixtures/\(name).json")
        }
        return url
    }

    static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // Python's json writes bare NaN (edge_cases.json)
        return try decoder.decode(T.self, from: Data(contentsOf: url(name)))
    }

    /// Float32 values stored as exact doubles: `Float(Double)` recovers the bits.
    static func matrix(_ rows: [[Double]]) -> Matrix {
        Matrix(rows.map { $0.map { Float($0) } })
    }

    // MARK: kernel_vectors.json

    struct KernelVectors: Decodable {
        struct PhiloxCase: Decodable {
            let PhiloxRandom_ctor_args: [UInt64]
            let first_3_blocks_uint32x4: [[UInt32]]
        }
        struct SimplePhiloxCase: Decodable {
            let seed: UInt64
            let RandFloat_x4: [Double]
            let uniform64: [UInt64]
            enum CodingKeys: String, CodingKey {
                case seed, RandFloat_x4
                case uniform64 = "Uniform64(100)_x4"
            }
        }
        struct KMeansPlusPlusCase: Decodable {
            let data: String
            let seed: Int64
            let num_retries: Int
            let k: Int
            let tf_output: [[Double]]
            let python_model_indices: [Int]
            let python_model_matches: Bool
        }
        struct Degenerate: Decodable {
            struct Case: Decodable {
                let seed: Int64
                let k: Int
                let retries: Int
                let tf_output: [[Double]]
            }
            let points: [[Double]]
            let cases: [Case]
        }
        struct UniformIntCase: Decodable {
            let seed: Int64
            let seed2: Int64
            let count: Int
            let maxval: Int64
            let tf_first_call: [Int64]
            let tf_second_call_same_session: [Int64]
        }
        let philox: [PhiloxCase]
        let simple_philox: SimplePhiloxCase
        let kmeans_plus_plus: [KMeansPlusPlusCase]
        let kmeans_plus_plus_all_match: Bool
        let kmeans_plus_plus_degenerate_identical_points: Degenerate
        let random_uniform_int64: [UniformIntCase]
    }

    static func kernelVectors() throws -> KernelVectors {
        try decode(KernelVectors.self, from: "kernel_vectors")
    }

    // MARK: input_points.json

    struct InputPoints: Decodable {
        let points_float32: [[Double]]
    }

    /// The 100 points TF saw (`np.random.seed(0); uniform(0, 1000, [100, 2])` as float32).
    static func points100() throws -> Matrix {
        matrix(try decode(InputPoints.self, from: "input_points").points_float32)
    }

    /// The points of `KmeansPlusPlusInitializationTest` (`clustering_ops_test.py`, spec §9.10).
    static let contribTestPoints10 = Matrix([
        [100, 0], [101, 2], [102, 0], [100, 1], [100, 2], [101, 0], [101, 0], [101, 1], [102, 0], [-1, -1],
    ])

    static func points(named name: String) throws -> Matrix {
        switch name {
        case "points100": return try points100()
        case "contrib_test_points10": return contribTestPoints10
        default: throw FixtureError(description: "unknown data set \(name) in kernel_vectors.json")
        }
    }

    // MARK: edge_cases.json

    struct SeedRow: Decodable {
        let initial_clusters: String
        let config_tf_random_seed: Int64?
        let constructor_seed: Int64?
        let initial_centers: [[Double]]?
        let effective_seed: Int64?

        enum CodingKeys: String, CodingKey {
            case initial_clusters, config_tf_random_seed, constructor_seed, initial_centers, effective_seed
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            initial_clusters = try container.decode(String.self, forKey: .initial_clusters)
            config_tf_random_seed = try container.decodeIfPresent(Int64.self, forKey: .config_tf_random_seed)
            constructor_seed = try container.decodeIfPresent(Int64.self, forKey: .constructor_seed)
            // Error rows hold a message string instead of centres.
            initial_centers = try? container.decodeIfPresent([[Double]].self, forKey: .initial_centers)
            effective_seed = try container.decodeIfPresent(Int64.self, forKey: .effective_seed)
        }
    }

    struct EdgeCases: Decodable {
        struct BatchSmallerThanK: Decodable {
            let initial_centers: [[Double]]
        }
        let seed_handling: [SeedRow]
        let random_init_batch_smaller_than_k: BatchSmallerThanK
    }

    static func edgeCases() throws -> EdgeCases {
        try decode(EdgeCases.self, from: "edge_cases")
    }
}
