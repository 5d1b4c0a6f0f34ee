print("kmeans: not yet implemented")
