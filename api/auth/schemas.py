from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.users.schemas import NICKNAME_PATTERN, UserPublic


class DevTokenRequest(BaseModel):
    nickname: str = Field(min_length=2, max_length=20, pattern=NICKNAME_PATTERN)
    set_cookies: bool = Field(
        default=False, description="browser clients: also set the HttpOnly auth cookies, as the web flow does"
    )


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="access token lifetime in seconds")
    refresh_expires_in: int = Field(description="refresh token lifetime in seconds")
    token_type: Literal["bearer"] = "bearer"
    session_id: uuid.UUID
    user: UserPublic


class ProviderTokenRequest(BaseModel):
    """Mobile login: the provider token the native SDK obtained."""

    model_config = ConfigDict(extra="forbid")

    access_token: str | None = Field(
        default=None, min_length=1, max_length=4096, description="Kakao or Naver access token"
    )
    id_token: str | None = Field(default=None, min_length=1, max_length=8192, description="Google ID token")
    device_id: str | None = Field(default=None, max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str | None = Field(
        default=None, min_length=1, max_length=4096, description="omit to use the refresh cookie"
    )


class AuthorizeResponse(BaseModel):
    authorization_url: str
    state: str
    expires_in: int
    binding: str = Field(
        description="proof that the callback comes from this client: browsers get it as the HttpOnly "
        "`waste_login` cookie too; apps without cookies send it back in the `X-Login-Binding` header"
    )


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str
    device_id: str | None
    user_agent: str | None
    ip_address: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool = False
