"""The Ray engine: shards, their storage, workers and the driver."""
