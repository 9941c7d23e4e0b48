"""Does the image tag exist? Ask the registry over the OCI distribution API before changing anything.

`HEAD /v2/<repository>/manifests/<tag>`; on 401 with a Bearer challenge, fetch an anonymous (or
WASTECTL_REGISTRY_TOKEN / _USER+_PASSWORD) pull token from the realm and retry. 404 refuses the deploy.
A registry that cannot be asked (offline, 5xx) only warns: the check is best effort by design.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from wastectl.errors import UsageError

ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    tag: str

    @property
    def base_url(self) -> str:
        host = self.registry.split(":")[0]
        scheme = "http" if host in ("localhost", "127.0.0.1", "::1") else "https"
        return f"{scheme}://{self.registry}"

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


def parse(repository: str, tag: str) -> ImageRef:
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return ImageRef(first, rest, tag)
    return ImageRef("registry-1.docker.io", repository if rest else f"library/{repository}", tag)


def check_tag(ref: ImageRef, *, timeout: float = 5.0) -> str | None:
    """None when the tag exists; a warning when the registry could not be asked; raises on 404."""
    import httpx

    url = f"{ref.base_url}/v2/{ref.repository}/manifests/{ref.tag}"
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as http:
            response = http.head(url, headers={"Accept": ACCEPT})
            if response.status_code == 401:
                token = _token(http, response.headers.get("www-authenticate", ""), ref)
                if token is None:
                    return f"registry {ref.registry} wants credentials: set WASTECTL_REGISTRY_TOKEN"
                response = http.head(url, headers={"Accept": ACCEPT, "Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return (
            f"could not ask registry {ref.registry} whether {ref.tag} exists ({type(exc).__name__}); going on"
        )
    if response.status_code == 404:
        raise UsageError(
            f"image {ref} does not exist in the registry",
            hint="push it first (CI tags every commit on main), or pass --tag with an existing tag",
        )
    if response.status_code in (401, 403):
        return (
            f"registry {ref.registry} refused to say whether {ref.tag} exists (HTTP {response.status_code})"
        )
    if not response.is_success:
        return f"registry {ref.registry} answered HTTP {response.status_code} for {ref.tag}; going on"
    return None


def _token(http: object, challenge: str, ref: ImageRef) -> str | None:
    import httpx

    assert isinstance(http, httpx.Client)
    if not challenge.lower().startswith("bearer "):
        return None
    params = dict(_CHALLENGE.findall(challenge))
    realm = params.pop("realm", None)
    if not realm:
        return None
    explicit = os.environ.get("WASTECTL_REGISTRY_TOKEN")
    if explicit:
        return explicit
    params.setdefault("scope", f"repository:{ref.repository}:pull")
    user, password = os.environ.get("WASTECTL_REGISTRY_USER"), os.environ.get("WASTECTL_REGISTRY_PASSWORD")
    response = http.get(realm, params=params, auth=(user, password) if user and password else None)
    if not response.is_success:
        return None
    body = response.json()
    token = body.get("token") or body.get("access_token")
    return str(token) if token else None
