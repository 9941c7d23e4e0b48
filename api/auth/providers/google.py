"""Google Sign-In (OpenID Connect): ID tokens verified locally against Google's JWKS.

Checks: RS256 signature by a key from the JWKS, `aud` is one of our client ids, `iss` is
Google, `exp`/`iat` present and not expired. Keys are cached per app for the JWKS response's
`Cache-Control: max-age` and re-fetched once when a token names an unknown `kid` (rotation).
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import jwt

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

_MAX_AGE = re.compile(r"max-age=(\d+)")
_MIN_REFETCH_SECONDS = 30.0


class GoogleProvider(HttpProvider):
    name = "google"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._expires_at = 0.0

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return self.build_authorization_url(
            self.settings.google_authorize_url, redirect_uri=redirect_uri, state=state,
            code_challenge=code_challenge, scope="openid email profile",
        )  # fmt: skip

    def login_with_code(self, exchange: CodeExchange) -> ProviderProfile:
        secret = self.settings.google_client_secret
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "client_secret": secret.get_secret_value() if secret else "",
            "redirect_uri": exchange.redirect_uri,
            "code": exchange.code,
        }
        if exchange.code_verifier:
            form["code_verifier"] = exchange.code_verifier
        response = self.request("POST", self.settings.google_token_url, data=form)
        body = self.json_body(response)
        if response.status_code != 200 or not isinstance(body.get("id_token"), str):
            raise code_exchange_error("google", response, body)
        return self.verify_mobile_token(body["id_token"])

    # --- ID token -----------------------------------------------------------------------------
    def _fetch_keys(self) -> None:
        response = self.request("GET", self.settings.google_jwks_url)
        if response.status_code != 200:
            raise ProviderUnavailable(f"google JWKS answered HTTP {response.status_code}")
        body = self.json_body(response)
        try:
            keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(body).keys if key.key_id}
        except jwt.PyJWTError as exc:
            raise ProviderUnavailable(f"google JWKS is not usable: {exc}") from None
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        now = time.monotonic()
        self._keys, self._fetched_at = keys, now
        self._expires_at = now + (int(match.group(1)) if match else 3600)

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = time.monotonic()
            unknown_kid = kid not in self._keys and now - self._fetched_at >= _MIN_REFETCH_SECONDS
            if now >= self._expires_at or unknown_kid:
                self._fetch_keys()
            key = self._keys.get(kid)
        if key is None:
            raise ProviderRejected("google ID token is signed by an unknown key")
        return key

    def verify_mobile_token(self, token: str) -> ProviderProfile:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise ProviderRejected("google ID token is malformed") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise ProviderRejected("google ID token must be RS256-signed with a key id")
        key = self._key(header["kid"])
        audiences = [self.client_id, *self.settings.google_extra_client_ids]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=audiences,
                issuer=self.settings.google_issuers,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise ProviderRejected("google ID token has expired") from None
        except jwt.InvalidAudienceError:
            raise ProviderAppMismatch("the google ID token was issued to another app") from None
        except jwt.InvalidIssuerError:
            raise ProviderRejected("google ID token was not issued by Google") from None
        except jwt.PyJWTError as exc:
            raise ProviderRejected(f"google ID token is invalid: {exc}") from None
        subject = text_or_none(claims.get("sub"), 255)
        if subject is None:
            raise ProviderRejected("google ID token has no subject")
        email = claims.get("email") if claims.get("email_verified") is True else None
        return ProviderProfile(
            provider=self.name,
            provider_user_id=subject,
            email=text_or_none(email, 320),
            nickname=text_or_none(claims.get("name") or claims.get("given_name"), 40),
            profile_image_url=text_or_none(claims.get("picture"), 1000),
        )
