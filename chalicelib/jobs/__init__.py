"""The scheduled work: four jobs, each a plain function of the time it runs for and the stores."""
