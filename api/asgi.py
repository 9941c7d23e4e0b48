"""ASGI entry point for production servers: `uvicorn api.asgi:app`.

The composition root of the API process: the one module of `api` that names the workers' broker
dispatcher (used only when `WASTE_BROKER_URL` is set; import-linter's contract allows this line alone).
"""

from api.main import create_app
from workers.dispatch import CeleryDispatcher

app = create_app(dispatcher_factory=CeleryDispatcher)
