"""Engine of `wastectl deploy`, `rollback`, `status` and `logs`: the Helm SDK and the Kubernetes API."""
