"""Celery application and tasks. Tasks are thin: they call services in `api.*`."""
