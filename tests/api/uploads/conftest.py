from tests.api.scans.conftest import make_client

__all__ = ["make_client"]
