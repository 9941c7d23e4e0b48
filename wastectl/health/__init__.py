"""`wastectl health`: named checks with stable IDs over three layers (node, cluster, app) and a score."""
