"""The codebook and every source of labels: weak rules, the label model, gold files, annotation, imports."""
