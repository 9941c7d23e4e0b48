"""The settings profile of tests: `test` (not the default `production`), a real-length secret, dev login on.

The dev login gives tests users without a provider; the `test` profile refuses the public
placeholder JWT secret like production does, so tests sign with this one.
"""

from __future__ import annotations

TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef"
TEST_PROFILE: dict[str, object] = {"env": "test", "jwt_secret": TEST_JWT_SECRET, "dev_login": True}
