"""Request and response models of `/api/v1/uploads`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(max_length=100, examples=["image/jpeg"])


class UploadTicket(BaseModel):
    key: str = Field(description="pass as upload_key to POST /api/v1/scans")
    method: Literal["POST"] = "POST"
    url: str = Field(description="POST a multipart form here: every field below, then the file as 'file'")
    fields: dict[str, str]
    max_bytes: int
    expires_at: int = Field(description="Unix time after which the form is refused")
