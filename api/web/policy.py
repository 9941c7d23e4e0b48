"""Response headers of the web client's routes: a Content-Security-Policy built from the settings.

The page loads only its own files, talks only to this API (plus the S3 bucket when uploads go
there) and shows images only from itself, `blob:` (the photo preview) and the configured map tile
server. Trusted Types are required, so no code path can assign HTML strings to the DOM.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from api.settings import Settings


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def upload_origins(settings: Settings) -> list[str]:
    """Where the browser POSTs the upload form: this API (local storage) or the S3 bucket."""
    if not settings.s3_bucket:
        return []
    if settings.s3_endpoint_url:
        origin = _origin(settings.s3_endpoint_url)
        return [origin] if origin else []
    bucket, region = settings.s3_bucket, settings.aws_region
    # boto3 signs form uploads for the virtual-hosted bucket name, regional or global.
    return [f"https://{bucket}.s3.{region}.amazonaws.com", f"https://{bucket}.s3.amazonaws.com"]


def tile_origins(settings: Settings) -> list[str]:
    if not settings.web_map_tile_url:
        return []
    origin = _origin(settings.web_map_tile_url.replace("{s}", "a"))
    return [origin] if origin else []


def content_security_policy(settings: Settings) -> str:
    connect = " ".join(["'self'", *upload_origins(settings)])
    images = " ".join(["'self'", "blob:", *tile_origins(settings)])
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        f"connect-src {connect}",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
    return "; ".join(directives)


def web_headers(settings: Settings) -> dict[str, str]:
    """Set by the web routes themselves, so a global security-headers layer keeps them (it only adds
    headers a response does not already carry)."""
    return {
        "Content-Security-Policy": content_security_policy(settings),
        # The page asks for the location (nearby points); the camera goes through <input capture>,
        # which needs no permission.
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
