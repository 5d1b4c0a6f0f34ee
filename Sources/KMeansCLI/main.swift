import KMeansCommands

KMeansTool.run()
