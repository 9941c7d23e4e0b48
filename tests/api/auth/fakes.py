"""A fake Kakao + Naver + Google on one local HTTP server, speaking the documented shapes.

It behaves like the providers: codes are minted only for a URL our `/authorize` built (PKCE
challenge and redirect URI are remembered and checked at the token endpoint), access tokens
belong to an app, errors use each provider's own error shape, and Google ID tokens are real
RS256 JWTs verified against the JWKS document served here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

KAKAO_CLIENT_ID = "kakao-rest-api-key"
KAKAO_APP_ID = "424242"
NAVER_CLIENT_ID = "naver-client-id"
NAVER_SECRET = "naver-secret"
GOOGLE_CLIENT_ID = "web-client.apps.googleusercontent.com"
GOOGLE_ISSUER = "https://accounts.google.com"
GOOGLE_KID = "test-key-1"


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


@dataclass
class Grant:
    token: str
    redirect_uri: str
    code_challenge: str | None


@dataclass
class FakeProviders:
    server: HTTPServer
    rsa_key: RSAPrivateKey
    fault: str | None = None  # "timeout" (sleep `delay`), "500", "html"
    delay: float = 1.0
    kakao_tokens: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    naver_tokens: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    google_codes: dict[str, Grant] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    # --- wiring -------------------------------------------------------------------------------
    def url(self, path: str = "") -> str:
        return self.server.url_for(path).rstrip("/")

    def settings(self) -> dict[str, Any]:
        return {
            "kakao_client_id": KAKAO_CLIENT_ID,
            "kakao_app_id": KAKAO_APP_ID,
            "kakao_auth_base_url": self.url("/kauth"),
            "kakao_api_base_url": self.url("/kapi"),
            "naver_client_id": NAVER_CLIENT_ID,
            "naver_client_secret": NAVER_SECRET,
            "naver_auth_base_url": self.url("/nid"),
            "naver_api_base_url": self.url("/openapi"),
            "google_client_id": GOOGLE_CLIENT_ID,
            "google_client_secret": "google-secret",
            "google_authorize_url": self.url("/google/auth"),
            "google_token_url": self.url("/google/token"),
            "google_jwks_url": self.url("/google/certs"),
            "auth_http_timeout_seconds": 0.5,
        }

    def install(self) -> None:
        routes = {
            "/kauth/oauth/token": self._kakao_token,
            "/kapi/v2/user/me": self._kakao_me,
            "/kapi/v1/user/access_token_info": self._kakao_token_info,
            "/nid/oauth2.0/token": self._naver_token,
            "/openapi/v1/nid/me": self._naver_me,
            "/openapi/v1/nid/verify": self._naver_verify,
            "/google/token": self._google_token,
            "/google/certs": self._google_certs,
        }
        for path, handler in routes.items():
            self.server.expect_request(path).respond_with_handler(self._guarded(path, handler))

    def _guarded(self, path: str, handler: Any) -> Any:
        def run(request: Request) -> Response:
            self.hits.append(path)
            if self.fault == "timeout":
                time.sleep(self.delay)
            if self.fault == "500":
                return Response("<html>Internal Server Error</html>", status=500, content_type="text/html")
            if self.fault == "html":
                return Response("<html>maintenance</html>", status=200, content_type="text/html")
            result: Response = handler(request)
            return result

        return run

    # --- test helpers: users, tokens, approving a login ----------------------------------------
    def kakao_user(self, kakao_id: int, *, nickname: str = "카카오친구", app_id: str = KAKAO_APP_ID) -> str:
        token = "kakao-" + secrets.token_urlsafe(12)
        self.kakao_tokens[token] = (
            app_id,
            {
                "id": kakao_id,
                "connected_at": "2026-11-30T01:00:00Z",
                "kakao_account": {
                    "profile_nickname_needs_agreement": False,
                    "profile": {"nickname": nickname, "profile_image_url": "https://k.kakaocdn.net/p.jpg"},
                    "email_needs_agreement": False,
                    "is_email_valid": True,
                    "is_email_verified": True,
                    "email": f"user{kakao_id}@kakao.test",
                },
            },
        )
        return token

    def naver_user(
        self, naver_id: str, *, client_id: str = NAVER_CLIENT_ID, nickname: str = "네이버친구"
    ) -> str:
        token = "naver-" + secrets.token_urlsafe(12)
        profile = {
            "id": naver_id,
            "nickname": nickname,
            "email": f"{naver_id}@naver.test",
            "profile_image": None,
        }
        self.naver_tokens[token] = (client_id, profile)
        return token

    def google_id_token(self, sub: str, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": GOOGLE_ISSUER,
            "aud": GOOGLE_CLIENT_ID,
            "sub": sub,
            "email": f"{sub}@gmail.test",
            "email_verified": True,
            "name": "Google User",
            "iat": now,
            "exp": now + 3600,
        }
        key = overrides.pop("key", self.rsa_key)
        kid = overrides.pop("kid", GOOGLE_KID)
        claims.update(overrides)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def approve(self, authorization_url: str, token: str) -> tuple[str, str]:
        """The user approves the login at the provider: returns (code, state) for the callback."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        code = "code-" + uuid.uuid4().hex
        grant = Grant(
            token=token, redirect_uri=query["redirect_uri"], code_challenge=query.get("code_challenge")
        )
        (self.google_codes if "/google/" in authorization_url else self.codes)[code] = grant
        return code, query["state"]

    # --- Kakao ------------------------------------------------------------------------------------
    @staticmethod
    def _bearer(request: Request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")

    def _check_grant(self, codes: dict[str, Grant], form: dict[str, str]) -> Grant | None:
        grant = codes.pop(form.get("code", ""), None)
        if grant is None or grant.redirect_uri != form.get("redirect_uri", grant.redirect_uri):
            return None
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
            if digest.decode() != grant.code_challenge:
                return None
        return grant

    def _kakao_token(self, request: Request) -> Response:
        form = request.form.to_dict()
        if form.get("client_id") != KAKAO_CLIENT_ID:
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": "Not exist client_id",
                    "error_code": "KOE101",
                },
                401,
            )
        grant = self._check_grant(self.codes, form)
        if grant is None:
            return _json(
                {
                    "error": "invalid_grant",
                    "error_description": "authorization code not found",
                    "error_code": "KOE320",
                },
                400,
            )
        return _json(
            {
                "access_token": grant.token,
                "token_type": "bearer",
                "refresh_token": "r",
                "expires_in": 21599,
                "refresh_token_expires_in": 5183999,
            }
        )

    def _kakao_lookup(self, request: Request) -> tuple[str, dict[str, Any]] | None:
        return self.kakao_tokens.get(self._bearer(request))

    def _kakao_me(self, request: Request) -> Response:
        found = self._kakao_lookup(request)
        if found is None:
            return _json({"msg": "this access token does not exist", "code": -401}, 401)
        return _json(found[1])

    def _kakao_token_info(self, request: Request) -> Response:
        found = self._kakao_lookup(request)
        if found is None:
            return _json({"msg": "this access token does not exist", "code": -401}, 401)
        return _json({"id": found[1]["id"], "expires_in": 7199, "app_id": int(found[0])})

    # --- Naver -----------------------------------------------------------------------------------
    def _naver_token(self, request: Request) -> Response:
        form = request.values.to_dict()
        if form.get("client_id") != NAVER_CLIENT_ID or form.get("client_secret") != NAVER_SECRET:
            return _json({"error": "invalid_request", "error_description": "wrong client id / client secret"})
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or not form.get("state"):
            return _json({"error": "invalid_request", "error_description": "no valid data in session"})
        return _json(
            {"access_token": grant.token, "refresh_token": "r", "token_type": "bearer", "expires_in": "3600"}
        )

    def _naver_auth_failed(self) -> Response:
        return _json({"resultcode": "024", "message": "Authentication failed (인증에 실패했습니다.)"}, 401)

    def _naver_me(self, request: Request) -> Response:
        found = self.naver_tokens.get(self._bearer(request))
        if found is None:
            return self._naver_auth_failed()
        return _json({"resultcode": "00", "message": "success", "response": found[1]})

    def _naver_verify(self, request: Request) -> Response:
        found = self.naver_tokens.get(self._bearer(request))
        if found is None:
            return self._naver_auth_failed()
        info = {
            "token": self._bearer(request),
            "expire_date": "2026-12-01 00:00:00",
            "allowed_profile": "id,nickname,email",
            "client_id": found[0],
        }
        return _json({"resultcode": "00", "message": "success", "response": info})

    # --- Google ----------------------------------------------------------------------------------
    def _google_token(self, request: Request) -> Response:
        form = request.form.to_dict()
        grant = self._check_grant(self.google_codes, form)
        if form.get("client_id") != GOOGLE_CLIENT_ID or grant is None:
            return _json({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
        return _json(
            {
                "access_token": "ya29.x",
                "expires_in": 3599,
                "id_token": grant.token,
                "scope": "openid email profile",
                "token_type": "Bearer",
            }
        )

    def _google_certs(self, _request: Request) -> Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
        jwk |= {"kid": GOOGLE_KID, "alg": "RS256", "use": "sig"}
        return _json({"keys": [jwk]}, headers={"Cache-Control": "public, max-age=3600"})
