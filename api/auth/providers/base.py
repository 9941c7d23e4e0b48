"""What every provider client shares: the verified profile, error classes and the HTTP call.

Provider errors carry the HTTP status our API answers with: 401 when the provider says the
token/code is not valid (or was issued to another app), 502 when the provider is unreachable,
slow, answers 5xx or something we cannot parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from api.settings import OAuthProvider, Settings


@dataclass(frozen=True)
class ProviderProfile:
    provider: str
    provider_user_id: str
    email: str | None = None
    nickname: str | None = None
    profile_image_url: str | None = None


class ProviderError(Exception):
    status_code = 502
    code = "provider_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProviderRejected(ProviderError):
    """The provider says the token or code is invalid, expired or revoked."""

    status_code = 401
    code = "provider_token_invalid"


class ProviderAppMismatch(ProviderError):
    """The token is valid but was issued to another app (another client id / app id / audience)."""

    status_code = 401
    code = "provider_app_mismatch"


class ProviderUnavailable(ProviderError):
    """Timeout, connection error, 5xx or an answer we cannot understand."""

    status_code = 502
    code = "provider_unavailable"


class ProviderMisconfigured(ProviderError):
    """The provider refused *our* client credentials (`invalid_client`): a server-side fault."""

    status_code = 502
    code = "provider_misconfigured"


#: OAuth error codes that blame the client application (our id/secret), not the user's code.
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


def code_exchange_error(provider: str, response: httpx.Response, body: dict[str, Any]) -> ProviderError:
    """Map a failed authorization-code exchange: our credentials refused -> 502, else the code -> 401."""
    error = body.get("error")
    reason = body.get("error_description") or error or f"HTTP {response.status_code}"
    if error in CLIENT_ERRORS:
        return ProviderMisconfigured(
            f"{provider} refused this server's client credentials ({reason}); check the {provider} settings"
        )
    return ProviderRejected(f"{provider} rejected the authorization code: {reason}")


class ProviderNotConfigured(ProviderError):
    """A setting this flow needs is missing on the server."""

    status_code = 503
    code = "provider_not_configured"


@dataclass(frozen=True)
class CodeExchange:
    """Inputs of the authorization-code exchange (web flow)."""

    code: str
    redirect_uri: str
    state: str
    code_verifier: str | None


class HttpProvider:
    """Base class: `name`, PKCE support and a JSON-over-HTTP helper with timeouts."""

    name = ""
    supports_pkce = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout = settings.auth_http_timeout_seconds

    @property
    def client_id(self) -> str:
        """`WASTE_<NAME>_CLIENT_ID` (empty when unset: the routes answer 404 for such a provider)."""
        return self.settings.oauth_client(OAuthProvider(self.name)).client_id

    def build_authorization_url(
        self, endpoint: str, *, redirect_uri: str, state: str, code_challenge: str | None, **extra: str
    ) -> str:
        """The authorization-code request every provider shares; PKCE S256 where it is supported."""
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri, **extra}
        params["state"] = state
        if code_challenge and self.supports_pkce:
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{endpoint}?{urlencode(params)}"

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise ProviderUnavailable(f"{self.name} did not answer within {self.timeout:g}s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ProviderUnavailable(f"{self.name} is unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise ProviderUnavailable(f"{self.name} answered HTTP {response.status_code}")
        return response

    def json_body(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise ProviderUnavailable(
                f"{self.name} answered HTTP {response.status_code} with a body that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{self.name} answered with an unexpected JSON document")
        return body

    # --- the interface each provider implements -----------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        raise NotImplementedError

    def login_with_code(self, exchange: CodeExchange) -> ProviderProfile:
        raise NotImplementedError

    def verify_mobile_token(self, token: str) -> ProviderProfile:
        raise NotImplementedError


def text_or_none(value: object, limit: int) -> str | None:
    """Provider strings are untrusted: keep non-empty strings, cut to the column size."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]
