"""Small request/response helpers shared by the auth routers."""

from __future__ import annotations

import logging

from fastapi import Request

from api.auth.providers import SUPPORTED, HttpProvider, ProviderRegistry
from api.auth.providers.base import ProviderError
from api.auth.schemas import TokenResponse
from api.auth.sessions import ClientInfo, IssuedTokens
from api.errors import ApiError
from api.users.models import User
from api.users.schemas import UserPublic

log = logging.getLogger(__name__)


def client_info(request: Request, device_id: str | None = None) -> ClientInfo:
    return ClientInfo(
        device_id=device_id,
        user_agent=request.headers.get("user-agent"),
        ip_address=request.client.host if request.client else None,
    )


def token_response(user: User, tokens: IssuedTokens) -> TokenResponse:
    return TokenResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
        session_id=tokens.session_id,
        user=UserPublic.model_validate(user),
    )


def resolve_provider(request: Request, name: str) -> HttpProvider:
    """The enabled provider called `name`, else 404 (unsupported or not configured here)."""
    registry: ProviderRegistry | None = getattr(request.app.state, "auth_providers", None)
    if registry is None:
        registry = ProviderRegistry(request.app.state.context.settings)
        request.app.state.auth_providers = registry
    provider = registry.get(name)
    if provider is None:
        if name in SUPPORTED:
            raise ApiError(404, f"login with {name} is not enabled on this server", code="provider_disabled")
        raise ApiError(
            404,
            f"unsupported provider {name!r}; use one of {', '.join(SUPPORTED)}",
            code="unsupported_provider",
        )
    return provider


def provider_failure(exc: ProviderError) -> ApiError:
    """The API error for a failed provider call; failed logins are logged (no user to audit yet)."""
    log.warning("provider login failed (%s): %s", exc.code, exc.detail)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status_code == 401 else None
    return ApiError(exc.status_code, exc.detail, code=exc.code, headers=headers)
