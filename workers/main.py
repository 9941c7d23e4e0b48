"""The Celery application for the `celery` command: `celery -A workers.main worker`.

Built from the environment (WASTE_* variables) when the worker process starts.
"""

from api.settings import load_settings
from workers.celery_app import create_celery

app = create_celery(load_settings())
