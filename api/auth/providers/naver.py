"""Naver Login: nid (authorize, token) and openapi (`/v1/nid/me`, `/v1/nid/verify`).

Naver answers errors with HTTP 200 as often as with 401, so `resultcode` is always checked
(`"00"` is success). `"024"` (authentication failed) and `"028"` (no authentication header) mean
the token is not valid (401); the others (`"403"` API not permitted for the app, `"404"`, `"500"`)
are Naver's or our configuration's trouble, not the user's (502). The token endpoint reports
errors as `{"error", "error_description"}`.
Naver has no PKCE; `state` is sent with the code exchange instead.
"""

from __future__ import annotations

from typing import Any

from api.auth.providers.base import (
    CodeExchange,
    HttpProvider,
    ProviderAppMismatch,
    ProviderProfile,
    ProviderRejected,
    ProviderUnavailable,
    code_exchange_error,
    text_or_none,
)

_TOKEN_REJECTED = frozenset({"024", "028"})


class NaverProvider(HttpProvider):
    name = "naver"
    supports_pkce = False

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return self.build_authorization_url(
            f"{self.settings.naver_auth_base_url}/oauth2.0/authorize",
            redirect_uri=redirect_uri, state=state, code_challenge=None,  # Naver has no PKCE
        )  # fmt: skip

    def login_with_code(self, exchange: CodeExchange) -> ProviderProfile:
        secret = self.settings.naver_client_secret
        params = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "client_secret": secret.get_secret_value() if secret else "",
            "code": exchange.code,
            "state": exchange.state,
        }
        response = self.request("POST", f"{self.settings.naver_auth_base_url}/oauth2.0/token", data=params)
        body = self.json_body(response)
        if not isinstance(body.get("access_token"), str) or body.get("error"):
            raise code_exchange_error("naver", response, body)
        return self.fetch_profile(body["access_token"])

    def _api(self, path: str, access_token: str) -> dict[str, Any]:
        response = self.request(
            "GET",
            f"{self.settings.naver_api_base_url}{path}",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        body = self.json_body(response)
        resultcode = body.get("resultcode")
        if resultcode != "00":
            message = body.get("message") or f"HTTP {response.status_code}"
            if resultcode in _TOKEN_REJECTED or response.status_code == 401:
                raise ProviderRejected(f"naver rejected the access token: {resultcode} {message}")
            raise ProviderUnavailable(f"naver API error {resultcode}: {message}")
        inner = body.get("response")
        if not isinstance(inner, dict):
            raise ProviderUnavailable("naver answered without a response object")
        return inner

    def fetch_profile(self, access_token: str) -> ProviderProfile:
        data = self._api("/v1/nid/me", access_token)
        user_id = text_or_none(data.get("id"), 255)
        if user_id is None:
            raise ProviderUnavailable("naver profile has no user id")
        return ProviderProfile(
            provider=self.name,
            provider_user_id=user_id,
            email=text_or_none(data.get("email"), 320),
            nickname=text_or_none(data.get("nickname"), 40),
            profile_image_url=text_or_none(data.get("profile_image"), 1000),
        )

    def verify_mobile_token(self, token: str) -> ProviderProfile:
        """`nid/verify?info=true` names the client id the token belongs to; it must be ours."""
        info = self._api("/v1/nid/verify?info=true", token)
        if info.get("client_id") != self.client_id:
            raise ProviderAppMismatch("the naver access token was issued to another app")
        return self.fetch_profile(token)
