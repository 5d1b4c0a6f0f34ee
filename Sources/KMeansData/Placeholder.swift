// KMeansData: placeholder until the module lands.
