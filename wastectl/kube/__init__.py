"""Kubernetes API access for health and reset: kubeconfig loading, a small typed client, cordon/drain."""
