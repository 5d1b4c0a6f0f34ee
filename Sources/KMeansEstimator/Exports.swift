// Users of the estimator get the core's value types (Matrix, KMeansParams, …) with one import.
@_exported import KMeansCore
