"""A small Kubernetes API client: credentials come from the official `kubernetes` kubeconfig loader
(client certs, tokens, exec plugins), requests go through httpx so every verb (GET, PATCH, POST
eviction, DELETE) and selector is explicit and the raw JSON is what checks read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wastectl.errors import WastectlError

if TYPE_CHECKING:
    import httpx

    from wastectl.nodes.ssh import Connection


class KubeError(WastectlError):
    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass
class KubeClient:
    http: httpx.Client
    server: str
    tls_server_name: str | None = None  # the name TLS verifies when it is not the server's host
    via: str = "direct"  # how the API is reached, for reports: "direct" or "SSH tunnel through <node>"
    closers: list[Callable[[], None]] = field(default_factory=list)  # tunnel, SSH connection

    @property
    def extensions(self) -> dict[str, Any]:
        return {"sni_hostname": self.tls_server_name} if self.tls_server_name else {}

    @classmethod
    def from_kubeconfig(
        cls,
        path: Path,
        *,
        server: str | None = None,
        tls_server_name: str | None = None,
        timeout: float = 10.0,
        context: str | None = None,
    ) -> KubeClient:
        """`server` replaces the kubeconfig's address (a tunnel's local end); `tls_server_name`
        is the name TLS verifies then (default: the kubeconfig's tls-server-name); `context` picks
        a kubeconfig context other than the current one."""
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
        http = httpx.Client(base_url=host, headers=headers, verify=_tls(configuration), timeout=timeout)
        name = tls_server_name or getattr(configuration, "tls_server_name", None) or None
        return cls(http=http, server=host, tls_server_name=name)

    @staticmethod
    def endpoint(path: Path) -> tuple[str, int, str | None, str]:
        """(host, port, tls-server-name, scheme) of the kubeconfig's current cluster."""
        from kubernetes import client as k8s_client
        from kubernetes import config as k8s_config

        configuration = k8s_client.Configuration()
        try:
            k8s_config.load_kube_config(config_file=str(path), client_configuration=configuration)  # type: ignore[no-untyped-call]
        except Exception as exc:
            raise KubeError(f"cannot load kubeconfig {path}: {exc}") from None
        parts = urlsplit(configuration.host)
        default = 443 if parts.scheme == "https" else 80
        tls_name = getattr(configuration, "tls_server_name", None)
        return parts.hostname or "", parts.port or default, tls_name, parts.scheme or "https"

    def close(self) -> None:
        self.http.close()
        for closer in reversed(self.closers):
            closer()
        self.closers.clear()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self.http.request(method, path, extensions=self.extensions, **kwargs)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
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

    def _unreachable(self, exc: Exception) -> KubeError:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            name = self.tls_server_name or urlsplit(self.server).hostname
            return KubeError(
                f"Kubernetes API {self.server}: TLS verification failed for the name {name!r} ({text}); "
                "a kubeadm certificate names `kubernetes` and the private address, not a public IP: "
                "set `tls-server-name: kubernetes` in the kubeconfig, or omit --kubeconfig so wastectl "
                "tunnels to the API over SSH"
            )
        import re

        reason = re.sub(r"\[Errno -?\d+\] ", "", text).strip() or type(exc).__name__
        if reason == "All connection attempts failed":
            reason = "connection refused or no route"
        return KubeError(f"Kubernetes API {self.server} unreachable: {reason.lower()}")

    def get(self, path: str, **params: str) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v})

    def items(self, path: str, **params: str) -> list[dict[str, Any]]:
        data = self.get(path, **params)
        return list(data.get("items") or []) if isinstance(data, dict) else []

    def text(self, path: str) -> tuple[int, str]:
        """Status and body of a plain-text endpoint such as /readyz?verbose."""
        import httpx

        try:
            response = self.http.get(path, headers={"Accept": "text/plain"}, extensions=self.extensions)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
        return response.status_code, response.text


def _tls(configuration: Any) -> Any:
    """The SSL context for the kubeconfig's CA and client certificate (False: verification off)."""
    import ssl

    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert or None)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    return context


def fetch_admin_kubeconfig(conn: Connection, dest: Path) -> Path:
    """Copy /etc/kubernetes/admin.conf from the master, unchanged: its server address is the one
    the API server's certificate names, reached through an SSH tunnel (see tunnel.py)."""
    import yaml

    result = conn.run("sudo -n cat /etc/kubernetes/admin.conf", timeout=15)
    if result.exit_status != 0 or not result.stdout.strip():
        raise KubeError(
            f"cannot read admin.conf on {conn.node.name}: {result.stderr.strip()[:200]}",
            hint="pass --kubeconfig, or check that the control plane was initialised",
        )
    try:
        data = yaml.safe_load(result.stdout)
        for entry in data.get("clusters") or []:
            urlsplit(entry["cluster"]["server"])
    except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise KubeError(f"admin.conf on {conn.node.name} is not a kubeconfig: {exc}") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.touch(mode=0o600)
    dest.write_text(result.stdout, encoding="utf-8")
    dest.chmod(0o600)
    return dest
