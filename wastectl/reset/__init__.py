"""`wastectl reset`: preflight every target, drain, wipe Kubernetes off the node over SSH, check
that nothing is left (the health registry's ResetLeftovers), then delete the Node object."""
