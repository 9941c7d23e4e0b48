"""Provider clients (Kakao, Naver, Google) and the per-app registry that holds them."""

from __future__ import annotations

from api.auth.providers.base import HttpProvider
from api.auth.providers.google import GoogleProvider
from api.auth.providers.kakao import KakaoProvider
from api.auth.providers.naver import NaverProvider
from api.settings import OAuthProvider, Settings

SUPPORTED: tuple[str, ...] = tuple(OAuthProvider)


class ProviderRegistry:
    """The enabled providers of one app (a provider is enabled when its client id is set).

    Lives on `app.state` so Google's JWKS cache is shared by requests but not between apps.
    """

    def __init__(self, settings: Settings) -> None:
        classes: dict[OAuthProvider, type[HttpProvider]] = {
            OAuthProvider.kakao: KakaoProvider, OAuthProvider.naver: NaverProvider,
            OAuthProvider.google: GoogleProvider,
        }  # fmt: skip
        self.providers: dict[str, HttpProvider] = {
            provider.value: cls(settings)
            for provider, cls in classes.items()
            if settings.oauth_client(provider).client_id
        }

    def get(self, name: str) -> HttpProvider | None:
        return self.providers.get(name)


__all__ = ["SUPPORTED", "HttpProvider", "ProviderRegistry"]
