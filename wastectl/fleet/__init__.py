"""Fleet operations: where the cluster's nodes are (inventory) and how to reach them (SSH)."""
