"""A small Kubernetes API client: credentials come from the official `kubernetes` kubeconfig loader
(client certs, tokens, exec plugins), requests go through httpx so every verb (GET, PATCH, POST
eviction, DELETE) and selector is explicit and the raw JSON is what checks read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from wastectl.errors import WastectlError

if TYPE_CHECKING:
    import httpx

    from wastectl.fleet.ssh import Connection


class KubeError(WastectlError):
    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass
class KubeClient:
    http: httpx.Client
    server: str

    @classmethod
    def from_kubeconfig(
        cls, path: Path, *, server: str | None = None, timeout: float = 10.0, context: str | None = None
    ) -> KubeClient:
        import httpx
        from kubernetes import client as k8s_client
        from kubernetes import config as k8s_config

        configuration = k8s_client.Configuration()
        try:
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(path), context=context, client_configuration=configuration
            )
        except Exception as exc:
            raise KubeError(f"cannot load kubeconfig {path}: {exc}") from None
        host = server or configuration.host
        headers = {"Accept": "application/json"}
        token = (configuration.api_key or {}).get("authorization") or (configuration.api_key or {}).get(
            "BearerToken"
        )
        if token:
            headers["Authorization"] = token if token.startswith("Bearer ") else f"Bearer {token}"
        verify: Any = configuration.verify_ssl
        if configuration.ssl_ca_cert and configuration.verify_ssl:
            import ssl

            verify = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
        cert: Any = (configuration.cert_file, configuration.key_file) if configuration.cert_file else None
        http = httpx.Client(base_url=host, headers=headers, verify=verify, cert=cert, timeout=timeout)
        return cls(http=http, server=host)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise KubeError(f"Kubernetes API {self.server} unreachable: {exc}") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("message", response.text)
            except ValueError:
                detail = response.text
            raise KubeError(
                f"{method} {path}: HTTP {response.status_code}: {str(detail)[:200]}",
                status=response.status_code,
            )
        if not response.content:
            return {}
        try:
            return response.json()
        except json.JSONDecodeError:
            return response.text

    def get(self, path: str, **params: str) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v})

    def items(self, path: str, **params: str) -> list[dict[str, Any]]:
        data = self.get(path, **params)
        return list(data.get("items") or []) if isinstance(data, dict) else []

    def text(self, path: str) -> tuple[int, str]:
        """Status and body of a plain-text endpoint such as /readyz?verbose."""
        import httpx

        try:
            response = self.http.get(path, headers={"Accept": "text/plain"})
        except httpx.HTTPError as exc:
            raise KubeError(f"Kubernetes API {self.server} unreachable: {exc}") from None
        return response.status_code, response.text


def fetch_admin_kubeconfig(conn: Connection, dest: Path, *, root_prefix: str = "") -> Path:
    """Copy /etc/kubernetes/admin.conf from the master and point it at the master's address."""
    import yaml

    result = conn.run(f"sudo -n cat {root_prefix}/etc/kubernetes/admin.conf", timeout=15)
    if result.exit_status != 0 or not result.stdout.strip():
        raise KubeError(
            f"cannot read admin.conf on {conn.node.name}: {result.stderr.strip()[:200]}",
            hint="pass --kubeconfig, or check that the control plane was initialised",
        )
    try:
        data = yaml.safe_load(result.stdout)
        for entry in data.get("clusters") or []:
            parts = urlsplit(entry["cluster"]["server"])
            netloc = f"{conn.node.host}:{parts.port or 6443}"
            entry["cluster"]["server"] = urlunsplit(parts._replace(netloc=netloc))
    except (yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
        raise KubeError(f"admin.conf on {conn.node.name} is not a kubeconfig: {exc}") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(data), encoding="utf-8")
    dest.chmod(0o600)
    return dest
