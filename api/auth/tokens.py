"""Our own JWTs (PyJWT, HS256): claims `sub, jti, type, iat, exp, iss, aud, provider, sid`.

`sid` is the refresh-token session (family) the token belongs to; see `api.auth.sessions`. A
token without one is refused: it could not be revoked (logout, re-use detection, account
deletion all work by revoking the session).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from api.settings import Settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


class InvalidToken(Exception):
    """The token is missing, malformed, expired, wrongly signed or of the wrong type."""


@dataclass(frozen=True)
class TokenClaims:
    sub: uuid.UUID
    jti: str
    type: TokenType
    provider: str
    issued_at: datetime
    expires_at: datetime
    sid: uuid.UUID


def issue_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    token_type: TokenType,
    provider: str,
    jti: str | None = None,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> tuple[str, TokenClaims]:
    now = now or datetime.now(UTC)
    ttl = settings.access_token_ttl_seconds if token_type == "access" else settings.refresh_token_ttl_seconds
    claims = TokenClaims(
        sub=user_id,
        jti=jti or uuid.uuid4().hex,
        type=token_type,
        provider=provider,
        issued_at=now,
        expires_at=now + timedelta(seconds=ttl),
        sid=session_id,
    )
    payload: dict[str, object] = {
        "sub": str(user_id),
        "jti": claims.jti,
        "type": token_type,
        "provider": provider,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sid": str(session_id),
    }
    token = jwt.encode(payload, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)
    return token, claims


def decode_token(settings: Settings, token: str, *, expected_type: TokenType) -> TokenClaims:
    """Verify signature, algorithm (HS256 only: `alg: none` is refused), expiry, issuer and audience."""
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "jti", "type", "iat", "exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("token audience is not this API") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("token issuer is not this API") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"invalid token: {exc}") from exc
    if payload.get("type") != expected_type:
        raise InvalidToken(f"expected an {expected_type} token, got {payload.get('type')!r}")
    if payload.get("sid") is None:
        raise InvalidToken("token has no session")
    try:
        sub = uuid.UUID(str(payload["sub"]))
        sid = uuid.UUID(str(payload["sid"]))
    except ValueError as exc:
        raise InvalidToken("invalid token subject or session") from exc
    return TokenClaims(
        sub=sub,
        jti=str(payload["jti"]),
        type=expected_type,
        provider=str(payload.get("provider", "")),
        issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
        expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        sid=sid,
    )
