"""Cluster configuration: the Ansible inventory wastectl builds, and site.yml run through ansible-runner."""
