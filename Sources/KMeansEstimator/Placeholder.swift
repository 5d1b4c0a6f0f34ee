// KMeansEstimator: placeholder until the module lands.
