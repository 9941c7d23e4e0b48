from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.users.schemas import UserPublic


class DevTokenRequest(BaseModel):
    nickname: str = Field(min_length=2, max_length=20, pattern=r"^[\w가-힣 .-]+$")


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str | None = None
    expires_in: int
    token_type: Literal["bearer"] = "bearer"
    user: UserPublic
