import KMeansEstimator

extension StoredParameters {
    /// The parameters as a JSON object with the file's key names.
    var jsonValue: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("num_clusters", .int(Int64(numClusters))),
            ("initial_clusters", .string(initialClusters)),
            ("distance_metric", .string(distanceMetric)),
            ("random_seed", .int(randomSeed)),
            ("use_mini_batch", .bool(useMiniBatch)),
            ("mini_batch_steps_per_iteration", .int(Int64(miniBatchStepsPerIteration))),
            ("kmeans_plus_plus_num_retries", .int(Int64(kmeansPlusPlusNumRetries))),
            ("relative_tolerance", relativeTolerance.map { .double($0) } ?? .null),
            ("feature_columns", featureColumns.map { .array($0.map { .string($0) }) } ?? .null),
            ("feature_names", featureNames.map { .array($0.map { .string($0) }) } ?? .null),
            ("num_features", numFeatures.map { .int(Int64($0)) } ?? .null),
            ("batch_size", batchSize.map { .int(Int64($0)) } ?? .null),
            ("shuffle", .bool(shuffle ?? false)),
            ("empty_cluster_policy", .string(emptyClusterPolicy ?? "origin")),
        ]
        if let initialCenters { fields.append(("initial_centers", .matrix(initialCenters))) }
        return .object(fields)
    }
}
