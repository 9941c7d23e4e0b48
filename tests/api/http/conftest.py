from tests.api.scans.conftest import make_client
from tests.web.conftest import make_live_server

__all__ = ["make_client", "make_live_server"]
