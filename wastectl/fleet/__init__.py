"""Fleet operations: where the cluster's nodes are (inventory) and the commands that reach them
(ssh, scp, exec, known-hosts); the node model and SSH itself live in `wastectl.nodes`."""
