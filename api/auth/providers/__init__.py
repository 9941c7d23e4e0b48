"""Provider clients (Kakao, Naver, Google) and the per-app registry that holds them."""

from __future__ import annotations

from api.auth.providers.base import HttpProvider
from api.auth.providers.google import GoogleProvider
from api.auth.providers.kakao import KakaoProvider
from api.auth.providers.naver import NaverProvider
from api.settings import Settings

SUPPORTED = ("kakao", "naver", "google")


class ProviderRegistry:
    """The enabled providers of one app (a provider is enabled when its client id is set).

    Lives on `app.state` so Google's JWKS cache is shared by requests but not between apps.
    """

    def __init__(self, settings: Settings) -> None:
        self.providers: dict[str, HttpProvider] = {}
        if settings.kakao_client_id:
            self.providers["kakao"] = KakaoProvider(settings)
        if settings.naver_client_id:
            self.providers["naver"] = NaverProvider(settings)
        if settings.google_client_id:
            self.providers["google"] = GoogleProvider(settings)

    def get(self, name: str) -> HttpProvider | None:
        return self.providers.get(name)


__all__ = ["SUPPORTED", "HttpProvider", "ProviderRegistry"]
