"""Kakao Login: kauth (authorize, token) and kapi (`/v2/user/me`, `/v1/user/access_token_info`).

Kakao API errors look like `{"code": -401, "msg": "..."}`; -401 means an invalid or expired token,
other codes (-1 internal, -10 quota, ...) are the provider's trouble, not the user's (502).
"""

from __future__ import annotations

from typing import Any

from api.auth.providers.base import (
    CodeExchange,
    HttpProvider,
    ProviderAppMismatch,
    ProviderNotConfigured,
    ProviderProfile,
    ProviderRejected,
    ProviderUnavailable,
    code_exchange_error,
    text_or_none,
)


class KakaoProvider(HttpProvider):
    name = "kakao"

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return self.build_authorization_url(
            f"{self.settings.kakao_auth_base_url}/oauth/authorize",
            redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
        )  # fmt: skip

    def login_with_code(self, exchange: CodeExchange) -> ProviderProfile:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "redirect_uri": exchange.redirect_uri,
            "code": exchange.code,
        }
        if exchange.code_verifier:
            form["code_verifier"] = exchange.code_verifier
        if self.settings.kakao_client_secret is not None:
            form["client_secret"] = self.settings.kakao_client_secret.get_secret_value()
        response = self.request("POST", f"{self.settings.kakao_auth_base_url}/oauth/token", data=form)
        body = self.json_body(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise code_exchange_error("kakao", response, body)
        return self.fetch_profile(body["access_token"])

    def _api(self, path: str, access_token: str) -> dict[str, Any]:
        response = self.request(
            "GET",
            f"{self.settings.kakao_api_base_url}{path}",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        body = self.json_body(response)
        if response.status_code == 200:
            return body
        code, msg = body.get("code"), body.get("msg") or f"HTTP {response.status_code}"
        if code == -401 or response.status_code == 401:
            raise ProviderRejected(f"kakao rejected the access token: {msg}")
        raise ProviderUnavailable(f"kakao API error {code}: {msg}")

    def fetch_profile(self, access_token: str) -> ProviderProfile:
        body = self._api("/v2/user/me", access_token)
        user_id = body.get("id")
        if not isinstance(user_id, int | str) or isinstance(user_id, bool) or not str(user_id):
            raise ProviderUnavailable("kakao profile has no user id")
        account = _object(body.get("kakao_account"))
        profile = _object(account.get("profile"))
        email = account.get("email") if account.get("is_email_verified", True) is not False else None
        return ProviderProfile(
            provider=self.name,
            provider_user_id=str(user_id),
            email=text_or_none(email, 320),
            nickname=text_or_none(profile.get("nickname"), 40),
            profile_image_url=text_or_none(profile.get("profile_image_url"), 1000),
        )

    def verify_mobile_token(self, token: str) -> ProviderProfile:
        """`access_token_info` tells which app the token was issued to; it must be ours."""
        if not self.settings.kakao_app_id:
            raise ProviderNotConfigured("kakao mobile login needs WASTE_KAKAO_APP_ID (the app's numeric id)")
        info = self._api("/v1/user/access_token_info", token)
        if str(info.get("app_id")) != str(self.settings.kakao_app_id):
            raise ProviderAppMismatch("the kakao access token was issued to another app")
        profile = self.fetch_profile(token)
        if str(info.get("id")) != profile.provider_user_id:
            raise ProviderRejected("kakao token info and profile disagree about the user")
        return profile


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
