print("kjob")
