"""Where a deploy goes: kubeconfig + context + namespace + release, opened as a Kubernetes API client
and a Helm SDK configuration. Problems with any of them end in one clear line, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.errors import UsageError, WastectlError

if TYPE_CHECKING:
    import helm_python

    from wastectl.kube.client import KubeClient

DEFAULT_RELEASE = "wastecoach"
DEFAULT_NAMESPACE = "waste"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"


@dataclass(frozen=True)
class Target:
    kubeconfig: Path
    context: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    release: str = DEFAULT_RELEASE
    timeout: float = 10.0

    @classmethod
    def resolve(
        cls, kubeconfig: Path | None, context: str | None, namespace: str | None, release: str | None
    ) -> Target:
        """Check the kubeconfig and its context locally, before anything contacts a cluster."""
        import yaml

        path = kubeconfig or Path(os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or "~/.kube/config")
        path = path.expanduser()
        if not path.is_file():
            raise UsageError(f"kubeconfig {path} does not exist", hint="pass --kubeconfig or set KUBECONFIG")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"kubeconfig {path} is not readable YAML: {exc}") from None
        contexts = {
            c.get("name"): c.get("context") or {} for c in data.get("contexts") or [] if isinstance(c, dict)
        }
        chosen = context or data.get("current-context")
        if not chosen:
            raise UsageError(f"kubeconfig {path} has no current-context", hint="pass --context NAME")
        if chosen not in contexts:
            known = ", ".join(sorted(str(n) for n in contexts)) or "none"
            raise UsageError(
                f"context {chosen!r} is not in kubeconfig {path}", hint=f"contexts there: {known}"
            )
        ns = namespace or contexts[chosen].get("namespace") or DEFAULT_NAMESPACE
        name = release or DEFAULT_RELEASE
        _check_release_name(name)
        return cls(kubeconfig=path, context=chosen, namespace=ns, release=name)

    def kube(self) -> KubeClient:
        from wastectl.kube.client import KubeClient

        return KubeClient.from_kubeconfig(self.kubeconfig, context=self.context, timeout=self.timeout)

    def probe(self, kube: KubeClient) -> str:
        """GET /version: one line for an unreachable or refusing API server, else its version."""
        from wastectl.kube.client import KubeError

        try:
            version = kube.get("/version")
        except KubeError as exc:
            if exc.status in (401, 403):
                raise WastectlError(
                    f"the Kubernetes API {kube.server} refused the credentials of context {self.context}",
                    hint="check the user of that context in the kubeconfig",
                ) from None
            raise WastectlError(
                f"Kubernetes API {kube.server} is unreachable (context {self.context})",
                hint="check the cluster is up and the kubeconfig's server address",
            ) from None
        return str(version.get("gitVersion", "?")) if isinstance(version, dict) else "?"

    @contextmanager
    def helm(self) -> Iterator[helm_python.Config]:
        import helm_python

        config = helm_python.Config(
            kubeconfig_path=str(self.kubeconfig), kube_context=self.context, namespace=self.namespace
        )
        try:
            yield config
        finally:
            config.close()


def require_helm() -> None:
    """One clear line when the optional Helm engine is missing (it is not in the app image)."""
    try:
        import helm_python  # noqa: F401
    except ImportError:
        raise WastectlError(
            "the Helm engine (helm-python-sdk) is not installed",
            hint="pip install 'wastectl[deploy]' (the venv made from requirements.lock has it)",
        ) from None


def _check_release_name(name: str) -> None:
    require_helm()
    import helm_python

    try:
        helm_python.validate_release_name(name)
    except helm_python.HelmError as exc:
        raise UsageError(f"invalid release name {name!r}: {getattr(exc, 'detail', None) or exc}") from None


def helm_message(exc: Exception) -> str:
    """The SDK's detail without the ABI prefix, on one line."""
    detail = getattr(exc, "detail", None) or str(exc)
    return " ".join(str(detail).split())


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
