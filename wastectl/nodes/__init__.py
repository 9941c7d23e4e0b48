"""The cluster's nodes and how to talk to them: the node model, SSH with verified host keys, one
round trip for many commands, many nodes in parallel.

`wastectl.fleet` (finding the inventory, the fleet commands) and `wastectl.health` (the checks)
both build on this and never import each other; nothing here imports either of them.
"""
