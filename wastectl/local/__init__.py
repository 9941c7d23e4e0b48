"""The local stack behind `wastectl dev`: migrations, seed data, API server, optional Celery worker."""
