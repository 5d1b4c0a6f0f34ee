// KMeansCore: placeholder until the module lands.
