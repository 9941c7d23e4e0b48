"""Task dispatch: in-process thread pool (embedded profile) or Celery (with a broker)."""
