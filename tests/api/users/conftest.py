from tests.api.scans.conftest import make_client
from tests.api.uploads.test_s3_uploads import moto_url

__all__ = ["make_client", "moto_url"]
