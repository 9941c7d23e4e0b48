"""Rate limits of signed-in routes: per client address (api.ratelimit) and per user.

Here rather than in `api.ratelimit` because the user comes from the verified access token, which is
auth's: the limiter itself stays below auth, which uses it for the login routes.
"""

from __future__ import annotations

from fastapi import Depends

from api.auth.deps import AccessClaims
from api.deps import ContextDep
from api.ratelimit import PerIp, Scope


class PerUser:
    """Dependency: count the request against the token's user's limits of `scope`."""

    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope

    def __call__(self, claims: AccessClaims, context: ContextDep) -> None:
        context.rate_limits.hit(self.scope, "user", str(claims.sub))


# `dependencies=` of the limited routes, resolved before the route's own parameters; the address is
# counted first, so requests without a valid token are limited too.
upload_rate_limit = [Depends(PerIp("upload")), Depends(PerUser("upload"))]
scan_rate_limit = [Depends(PerIp("scan")), Depends(PerUser("scan"))]
