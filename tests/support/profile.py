"""The settings profile of tests: `test` (not the default `production`), a real-length secret, dev login on.

The dev login gives tests users without a provider; the `test` profile refuses the public
placeholder JWT secret like production does, so tests sign with this one. Rate limits stay on
(the code path runs everywhere) but high, so that only tests/api/test_ratelimit.py hits them.
"""

from __future__ import annotations

TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef"
_RATE_LIMITED = ("login_per_ip", "token_per_ip", "refresh_per_ip", "upload_per_ip", "upload_per_user",
                 "scan_per_ip", "scan_per_user")  # fmt: skip
TEST_PROFILE: dict[str, object] = {
    "env": "test",
    "jwt_secret": TEST_JWT_SECRET,
    "dev_login": True,
    **{f"rate_limit_{name}": "100000/minute" for name in _RATE_LIMITED},
}
