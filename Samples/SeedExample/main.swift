print("seed example: not yet implemented")
