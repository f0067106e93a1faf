"""Reading articles, cleaning, sentence segmentation and target mentions."""
