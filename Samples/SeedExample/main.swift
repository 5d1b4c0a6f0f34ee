// The seed document's example (tf.contrib.factorization.KMeansClustering), runnable: `swift run SeedExample`.
//
// Data: the 100 points of `np.random.seed(0); np.random.uniform(0, 1000, [100, 2])`, built into KMeansData as
// `SampleData.uniform100` (the same points as the TF parity fixture `input_points.json`), so the output can be compared with TF's.
// Like TF, the points are used as float32.
import KMeansData
import KMeansEstimator

let points = Matrix(SampleData.uniform100.map { $0.map { Float($0) } })

// The seed's input_fn: the whole array as one batch, one epoch per call (`tf.train.limit_epochs(..., 1)`).
let inputFn = InputFunction.wholeArray(points, epochs: 1)

do {
    let numClusters = 5
    let kmeans = try KMeansClustering(numClusters: numClusters, useMiniBatch: false)

    // train
    let numIterations = 10
    var previousCenters: Matrix?
    var clusterCenters = Matrix(rows: 0, columns: 2)
    for _ in 0..<numIterations {
        try kmeans.train(input: inputFn)
        clusterCenters = try kmeans.clusterCenters()
        if let previous = previousCenters {
            let delta = zip(clusterCenters.values, previous.values).map { $0 - $1 }
            print("delta:", Matrix(rows: clusterCenters.rows, columns: clusterCenters.columns, values: delta).nestedRows)
        }
        previousCenters = clusterCenters
        print("score:", try kmeans.score(input: inputFn))
    }
    print("cluster centers:", clusterCenters.nestedRows)

    // map the input points to their clusters
    let clusterIndices = try kmeans.predictClusterIndex(input: inputFn)
    for (i, point) in points.nestedRows.enumerated() {
        let clusterIndex = Int(clusterIndices[i])
        let center = Array(clusterCenters.row(clusterIndex))
        print("point:", point, "is in cluster", clusterIndex, "centered at", center)
    }
} catch {
    print("error:", error)
}
