"""The three-head encoder: building, training data, training, transfer, inference, the model folder."""
