"""The one settings object for the API, the workers and `wastectl dev`.

Secure by default: `WASTE_ENV` defaults to `production`, which refuses the public placeholder JWT
secret and SQLite and keeps the dev login off. `wastectl dev` selects `development` explicitly: the
*embedded* profile, with SQLite and local image storage under one data directory, tasks executed
in-process, the offline analyser and no external calls. Setting a service's URL or key switches
that part to the real service. Every variable is documented in docs/configuration.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"
#: What OpenAI's vision models are given at `detail=low` (a 512 x 512 box), and a size for high.
LOW_DETAIL_SIDE = 512
HIGH_DETAIL_SIDE = 1024

_DB_URL = re.compile(r"^(sqlite|postgresql|postgres)(\+[a-z0-9_]+)?://", re.IGNORECASE)
_BROKER_URL = re.compile(r"^(amqp|amqps|pyamqp)://", re.IGNORECASE)
_REDIS_URL = re.compile(r"^(redis|rediss|unix)://", re.IGNORECASE)
# One or more limits in the notation of the `limits` library: "30/minute", "300 per hour;10/second".
_RATE_LIMIT = re.compile(
    r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE
)


def _check_rate_limit(value: str) -> str:
    """Checked here without importing `limits` (slow to import); api.ratelimit parses it."""
    if not all(_RATE_LIMIT.match(part) for part in re.split(r"[;,]", value)):
        raise ValueError('must look like "30/minute" or "20/minute;200/hour" (second..year)')
    return value


RateLimitText = Annotated[str, Field(max_length=200), AfterValidator(_check_rate_limit)]


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/wastectl`, falling back to `~/.local/share/wastectl`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wastectl"


class Environment(StrEnum):
    """`development` is the only profile that accepts the placeholder secret and opens the dev login."""

    development = "development"
    test = "test"
    production = "production"


AnalyserName = Literal["offline", "openai", "openai-compatible"]


class OAuthProvider(StrEnum):
    """The social logins; each has `WASTE_<NAME>_CLIENT_ID`, `_CLIENT_SECRET` and `_REDIRECT_URI`."""

    kakao = "kakao"
    naver = "naver"
    google = "google"


@dataclass(frozen=True)
class OAuthClient:
    """One provider's registration with us (client id empty: the provider is not enabled)."""

    client_id: str
    client_secret: SecretStr | None
    redirect_uri: str | None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WASTE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    #: False for `ToolSettings`: operator tools neither sign nor verify tokens (see the validator).
    serves_requests: ClassVar[bool] = True

    # --- core -------------------------------------------------------------------------------
    env: Environment = Environment.production
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    broker_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "waste:"
    public_base_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cors_origins: list[str] = Field(default_factory=list)

    # --- database pool ----------------------------------------------------------------------
    # Sync endpoints and dependencies run on AnyIO's thread pool; a request holds at most one
    # connection, so a pool as large as that thread pool means no thread waits for a connection
    # another thread of this process holds. The checkout timeout answers 503 instead of hanging.
    # Connections kept open (at most `api_threads`). A connection above it is closed after one
    # use and the next checkout starts a PostgreSQL backend again: at 10 kept of 40, that churn
    # cost GET /scans/{id} 30 % of its rate; 20 did as well as 40 at 50 clients, and keeps two API
    # processes and two workers (80) under PostgreSQL's default 100 (docs/benchmarks.md).
    api_threads: Annotated[int, Field(ge=4, le=512)] = 40
    db_pool_size: Annotated[int, Field(ge=1, le=512)] = 20
    db_pool_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 5.0

    # --- auth -------------------------------------------------------------------------------
    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_JWT_SECRET)
    jwt_issuer: str = "wastectl"
    jwt_audience: str = "waste-coach-api"
    access_token_ttl_seconds: Annotated[int, Field(gt=0)] = 15 * 60
    refresh_token_ttl_seconds: Annotated[int, Field(gt=0)] = 30 * 24 * 3600
    oauth_state_ttl_seconds: Annotated[int, Field(gt=0, le=3600)] = 600
    auth_http_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    # Checked sessions are cached per API process (api/auth/cache.py); a revocation reaches the
    # other processes through Redis at once, the TTL bounds what nothing announces. 0 turns it off.
    auth_cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    auth_cache_entries: Annotated[int, Field(ge=0, le=1_000_000)] = 10_000
    # Browser flow: where the callback may send the user back to (no open redirect) and cookies.
    auth_frontend_origins: list[str] = Field(default_factory=list)
    auth_frontend_redirect_path: str = "/"
    auth_frontend_error_path: str = "/"
    auth_redirect_uris: list[str] = Field(default_factory=list)
    auth_cookie_domain: str | None = None
    auth_cookie_secure: bool = True
    # `POST /auth/dev/token` (login by nickname, no provider). Unset: on only when WASTE_ENV=development.
    dev_login: bool | None = None
    # Kakao Login (a provider is enabled when its client id is set).
    kakao_client_id: str | None = None
    kakao_client_secret: SecretStr | None = None
    kakao_app_id: str | None = None
    kakao_redirect_uri: str | None = None
    kakao_auth_base_url: str = "https://kauth.kakao.com"
    kakao_api_base_url: str = "https://kapi.kakao.com"
    # Naver Login.
    naver_client_id: str | None = None
    naver_client_secret: SecretStr | None = None
    naver_redirect_uri: str | None = None
    naver_auth_base_url: str = "https://nid.naver.com"
    naver_api_base_url: str = "https://openapi.naver.com"
    # Google Sign-In (OpenID Connect).
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_extra_client_ids: list[str] = Field(default_factory=list)
    google_redirect_uri: str | None = None
    google_authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_jwks_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    google_issuers: list[str] = Field(
        default_factory=lambda: ["https://accounts.google.com", "accounts.google.com"]
    )

    # --- rate limits (api/ratelimit.py) -------------------------------------------------------
    # Per client IP (IPv6 per /64) and, where a user is known, per user; Redis when WASTE_REDIS_URL
    # is set (shared by every API process), process memory otherwise. Notation of `limits`.
    rate_limits_enabled: bool = True
    rate_limit_login_per_ip: RateLimitText = "60/minute;600/hour"  # authorize, callback, dev token
    rate_limit_token_per_ip: RateLimitText = "60/minute;600/hour"  # mobile provider-token exchange
    rate_limit_refresh_per_ip: RateLimitText = "300/minute"
    rate_limit_upload_per_ip: RateLimitText = "600/minute"  # upload tickets and local uploads
    rate_limit_upload_per_user: RateLimitText = "30/minute;300/hour"
    rate_limit_scan_per_ip: RateLimitText = "600/minute"
    rate_limit_scan_per_user: RateLimitText = "20/minute;200/hour"

    # --- storage ----------------------------------------------------------------------------
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    aws_region: str = "ap-northeast-2"
    upload_max_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024
    upload_url_ttl_seconds: Annotated[int, Field(gt=0, le=7 * 24 * 3600)] = 15 * 60
    image_max_pixels: Annotated[int, Field(gt=0)] = 40_000_000
    # Unset: 512 with `openai_image_detail=low` (the model is given a 512 px version then, so
    # larger pixels only cost CPU, storage and upload), 1024 otherwise (`image_output_side`).
    image_max_side: Annotated[int | None, Field(ge=64, le=4096)] = None
    # Decode memory (api/uploads/images.py): per image, and shared by all concurrent decodes.
    image_decode_max_bytes: Annotated[int, Field(ge=16 * 1024 * 1024)] = 128 * 1024 * 1024
    image_decode_budget_bytes: Annotated[int, Field(ge=16 * 1024 * 1024)] = 256 * 1024 * 1024
    upload_retention_hours: Annotated[int, Field(gt=0)] = 24
    image_retention_days: Annotated[int, Field(gt=0)] = 30

    # --- analyser ---------------------------------------------------------------------------
    analyser: AnalyserName | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o"
    openai_timeout_seconds: Annotated[float, Field(gt=0)] = 45.0
    openai_image_detail: Literal["low", "high", "auto"] = "low"
    openai_max_output_tokens: Annotated[int, Field(gt=0)] = 800

    # --- locations --------------------------------------------------------------------------
    kakao_rest_api_key: SecretStr | None = None
    kakao_local_base_url: str = "https://dapi.kakao.com"
    kakao_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    locations_default_radius_m: Annotated[int, Field(gt=0)] = 1000
    locations_max_radius_m: Annotated[int, Field(gt=0, le=20000)] = 20000
    locations_max_limit: Annotated[int, Field(gt=0, le=200)] = 50
    locations_kakao_min_points: Annotated[int, Field(ge=0)] = 3
    locations_cache_ttl_seconds: Annotated[int, Field(gt=0)] = 3600
    locations_scan_radius_m: Annotated[int, Field(gt=0, le=20000)] = 2000

    # --- scans ------------------------------------------------------------------------------
    scan_daily_quota: Annotated[int, Field(ge=0)] = 50
    scan_cache_ttl_seconds: Annotated[int, Field(ge=0)] = 7 * 24 * 3600
    scan_note_max_chars: Annotated[int, Field(gt=0)] = 500
    scan_max_attempts: Annotated[int, Field(ge=1)] = 5
    scan_retry_base_seconds: Annotated[float, Field(ge=0)] = 2.0
    scan_retry_max_seconds: Annotated[float, Field(gt=0)] = 60.0
    scan_stuck_minutes: Annotated[int, Field(gt=0)] = 10
    # Scans' JSON is cached per API process (api/scans/result_cache.py), kept true like the session
    # cache; the TTL bounds what nothing announces. 0 turns it off. A pending scan's stage changes
    # are not announced: it is kept this long at most (its finishing is), 0 = every poll reads.
    scan_result_cache_seconds: Annotated[float, Field(ge=0, le=86400)] = 300.0
    scan_pending_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 3.0
    scan_result_cache_entries: Annotated[int, Field(ge=0, le=1_000_000)] = 5_000
    scan_in_process_workers: Annotated[int, Field(ge=1, le=64)] = 4
    # Below this model confidence the scan result asks the user which item it is (issue 14).
    scan_confidence_threshold: Annotated[float, Field(ge=0, le=1)] = 0.6
    rabbitmq_management_url: str = "http://127.0.0.1:15672"

    # --- web client (docs/web.md) -------------------------------------------------------------
    # A map under the nearby list when set, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
    # (the tile server sees the area looked at; unset, the page shows the list alone).
    web_map_tile_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    web_map_attribution: str = Field(default="© OpenStreetMap contributors", max_length=200)

    # --- deployment (the Helm chart sets these; see docs/deploy.md) ---------------------------
    # Celery worker and beat processes touch this file from a thread; the liveness probe reads its age.
    heartbeat_file: Path | None = None
    heartbeat_interval_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    # A Celery worker serves its Prometheus metrics on this port (0 = off).
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 0
    worker_metrics_host: str = "0.0.0.0"
    # Production: the API's /metrics and /readyz details answer only `Authorization: Bearer <this>`.
    metrics_token: SecretStr | None = None

    # --- HTTP edge (issue 15, api/http/; docs/http.md) ------------------------------------
    # Request bodies above this are refused with 413 while they stream; a multipart form to the
    # two image routes (`/uploads/local`, `/scans`) may have WASTE_UPLOAD_MAX_BYTES plus 64 KiB.
    request_body_max_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024

    # --- validation -------------------------------------------------------------------------
    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is not None and not _DB_URL.match(value):
            raise ValueError("must look like postgresql://user@host:5432/dbname or sqlite:///path/to/file.db")
        return value

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str | None) -> str | None:
        if value is not None and not _BROKER_URL.match(value):
            raise ValueError("must be an AMQP URL such as amqp://guest:guest@127.0.0.1:5672//")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not _REDIS_URL.match(value):
            raise ValueError("must be a Redis URL such as redis://127.0.0.1:6379/0")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> Self:
        """The placeholder secret is public (it is in this file): anyone could sign tokens with it."""
        if self.env is Environment.development or not self.serves_requests:
            return self
        problems = []
        secret = self.jwt_secret.get_secret_value()
        if secret == PLACEHOLDER_JWT_SECRET or len(secret) < 32:
            problems.append("WASTE_JWT_SECRET must be set to a random value of at least 32 characters")
        if self.is_production and self.resolved_database_url.startswith("sqlite"):
            problems.append("WASTE_DATABASE_URL must point at PostgreSQL (SQLite is for development only)")
        if self.is_production and self.dev_login:
            problems.append("WASTE_DEV_LOGIN must not be enabled in production (anyone could log in)")
        if problems:
            default = "" if "env" in self.model_fields_set else " (the default)"
            raise ValueError(
                f"refusing to start with WASTE_ENV={self.env.value}{default}: "
                + "; ".join(problems)
                + "; for local development set WASTE_ENV=development (wastectl dev does)"
            )
        return self

    # --- derived ----------------------------------------------------------------------------
    @property
    def image_output_side(self) -> int:
        """Longest side of the image the analyser gets (`image_max_side`, else from the detail)."""
        if self.image_max_side is not None:
            return self.image_max_side
        return LOW_DETAIL_SIDE if self.openai_image_detail == "low" else HIGH_DETAIL_SIDE

    @property
    def db_pool_kept(self) -> int:
        """Connections the pool keeps open: `db_pool_size`, never more than the threads."""
        return min(self.db_pool_size, self.api_threads)

    @property
    def db_max_overflow(self) -> int:
        """Connections above the kept ones, so that the pool covers every API thread."""
        return self.api_threads - self.db_pool_kept

    @cached_property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL, with the psycopg 3 driver chosen for PostgreSQL in one place."""
        if self.database_url is None:
            return f"sqlite:///{self.data_dir / 'waste.db'}"
        url = self.database_url
        scheme, rest = url.split("://", 1)
        if scheme.lower() in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return url

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @property
    def dev_login_enabled(self) -> bool:
        """`/auth/dev/token` answers only when explicitly enabled or on the development profile."""
        if self.dev_login is not None:
            return self.dev_login
        return self.env is Environment.development

    def oauth_client(self, provider: OAuthProvider) -> OAuthClient:
        """One provider's settings by its name, typed: the one place that maps a name to its fields."""
        match provider:
            case OAuthProvider.kakao:
                client = (self.kakao_client_id, self.kakao_client_secret, self.kakao_redirect_uri)
            case OAuthProvider.naver:
                client = (self.naver_client_id, self.naver_client_secret, self.naver_redirect_uri)
            case OAuthProvider.google:
                client = (self.google_client_id, self.google_client_secret, self.google_redirect_uri)
        client_id, secret, redirect_uri = client
        return OAuthClient(client_id or "", secret, redirect_uri)

    @property
    def tasks_in_process(self) -> bool:
        """Without a broker, tasks run in a thread pool inside the API process."""
        return self.broker_url is None

    @property
    def effective_analyser(self) -> AnalyserName:
        if self.analyser is not None:
            return self.analyser
        return "openai" if self.openai_api_key is not None else "offline"

    def profile(self) -> dict[str, str]:
        """Which backend each part uses: a safe summary for logs and `wastectl config show`."""
        return {
            "database": "postgresql" if self.database_url and "postgres" in self.database_url else "sqlite",
            "tasks": "in-process" if self.tasks_in_process else "celery",
            "cache": "redis" if self.redis_url else "none",
            "storage": "s3" if self.s3_bucket else "local",
            "analyser": self.effective_analyser,
        }


class ToolSettings(Settings):
    """Settings of operator tools (migrations, data loads, `wastectl queues/health/config`).

    They serve no request and neither sign nor verify tokens, so they skip the start-up refusals
    of the API and workers: an operator can inspect queues without holding the JWT secret.
    """

    serves_requests: ClassVar[bool] = False


def load_settings(*, serving: bool = True, **overrides: object) -> Settings:
    """Build settings from the environment (and `.env`), with explicit overrides for tests and the CLI.

    `serving=False` builds `ToolSettings`, for processes that serve no request.
    """
    cls = Settings if serving else ToolSettings
    return cls(**overrides)  # type: ignore[arg-type]
