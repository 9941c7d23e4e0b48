"""AI Waste Coach backend: FastAPI application and domain services, organised by feature."""

from api.version import __version__

__all__ = ["__version__"]
