"""App-layer checks: workloads through the Kubernetes API, plus the services the API depends on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from wastectl.health.model import fail, skip, warn
from wastectl.kube.client import KubeClient

RESTART_LIMIT = 5
QUEUE_BACKLOG = 100


@dataclass(frozen=True)
class AppTarget:
    """Where the app's pieces are. Anything left None is reported as skipped, never guessed."""

    kube: KubeClient | None = None
    api_url: str | None = None
    database_url: str | None = None
    redis_url: str | None = None
    rabbitmq_api: str | None = None  # http://user:pass@host:15672
    rabbitmq_vhost: str | None = None  # only this vhost's queues; None: every vhost the user sees


def _kube(target: AppTarget) -> KubeClient:
    if target.kube is None:
        raise skip("no Kubernetes API for this target")
    return target.kube


def _app_namespaces(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i.get("metadata", {}).get("namespace") not in ("kube-system", "kube-public")]


def deployments(target: AppTarget) -> str:
    items = _app_namespaces(_kube(target).items("/apis/apps/v1/deployments"))
    bad = []
    for dep in items:
        want = dep.get("spec", {}).get("replicas", 1)
        have = dep.get("status", {}).get("availableReplicas") or 0
        if have < want:
            bad.append(f"{dep['metadata']['namespace']}/{dep['metadata']['name']} {have}/{want}")
    if bad:
        raise fail("unavailable: " + ", ".join(bad))
    return f"{len(items)} deployment(s) available"


def _containers(target: AppTarget) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for pod in _kube(target).items("/api/v1/pods"):
        name = f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"
        out += [(name, status) for status in pod.get("status", {}).get("containerStatuses") or []]
    return out


def crash_loop(target: AppTarget) -> str:
    containers = _containers(target)
    looping = sorted(
        {
            pod
            for pod, s in containers
            if (s.get("state", {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
        }
    )
    if looping:
        raise fail(f"{len(looping)} pod(s) in CrashLoopBackOff: " + ", ".join(looping[:10]))
    return f"no CrashLoopBackOff among {len(containers)} container(s)"


def restarts(target: AppTarget) -> str:
    counts = sorted(((s.get("restartCount", 0), pod) for pod, s in _containers(target)), reverse=True)
    high = [f"{pod} ({count})" for count, pod in counts if count >= RESTART_LIMIT]
    if high:
        raise warn(f"{len(high)} container(s) restarted >= {RESTART_LIMIT} times: " + ", ".join(high[:5]))
    return f"max restarts {counts[0][0] if counts else 0}"


def pvcs_bound(target: AppTarget) -> str:
    items = _kube(target).items("/api/v1/persistentvolumeclaims")
    bad = [
        f"{p['metadata']['namespace']}/{p['metadata']['name']} ({p.get('status', {}).get('phase')})"
        for p in items
        if p.get("status", {}).get("phase") != "Bound"
    ]
    if bad:
        raise fail("not Bound: " + ", ".join(bad))
    return f"{len(items)} PVC(s) Bound"


def helm_releases(target: AppTarget) -> str:
    """Helm 3 keeps one Secret per release revision, labelled owner=helm,name,status,version."""
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for secret in _kube(target).items("/api/v1/secrets", labelSelector="owner=helm"):
        labels = secret.get("metadata", {}).get("labels") or {}
        key = (secret["metadata"].get("namespace", ""), labels.get("name", "?"))
        version = int(labels.get("version", "0") or 0)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, labels.get("status", "unknown"))
    bad = []
    for (namespace, name), (version, status) in sorted(latest.items()):
        if status.startswith("pending-"):
            bad.append(
                f"{namespace}/{name} is {status} (revision {version}): "
                f"helm rollback {name} {max(version - 1, 1)} -n {namespace}"
            )
        elif status != "deployed":
            bad.append(f"{namespace}/{name} is {status} (revision {version})")
    if bad:
        raise fail("; ".join(bad))
    return f"{len(latest)} release(s) deployed"


def rabbitmq_queues(target: AppTarget) -> str:
    import httpx

    from api.tasks.names import DLQ_SUFFIX

    if not target.rabbitmq_api:
        raise skip("RabbitMQ management API not configured (--rabbitmq-api, or WASTE_BROKER_URL locally)")
    url = httpx.URL(target.rabbitmq_api)
    auth = (url.username or "guest", url.password or "guest")
    base = str(url.copy_with(username=None, password=None)).rstrip("/")
    vhost = target.rabbitmq_vhost
    path = "/api/queues" if vhost is None else "/api/queues/" + quote(vhost, safe="")
    try:
        response = httpx.get(base + path, auth=auth, timeout=5)
    except httpx.HTTPError as exc:
        raise fail(f"management API {base} unreachable: {exc}") from None
    if response.status_code == 401:
        raise fail(f"management API {base} refused the credentials of user {auth[0]!r} (HTTP 401)")
    if response.status_code == 404 and vhost is not None:
        raise fail(f"vhost {vhost!r} does not exist on the broker ({base})")
    if response.status_code != 200:
        raise fail(f"management API {base}: HTTP {response.status_code}")
    problems = []
    queues = response.json()
    for queue in queues:
        name, messages, consumers = queue["name"], queue.get("messages", 0), queue.get("consumers", 0)
        if name.endswith(DLQ_SUFFIX):  # the task system's dead-letter queues (api/tasks/names.py)
            if messages:
                problems.append(f"dead-letter queue {name} holds {messages} message(s)")
        elif messages and not consumers:
            problems.append(f"{name}: {messages} message(s), no consumers")
        elif messages > QUEUE_BACKLOG:
            problems.append(f"{name}: backlog {messages} ({consumers} consumers)")
    if problems:
        raise warn("; ".join(problems))
    return f"{len(queues)} queue(s) fine" + (f" on vhost {vhost}" if vhost is not None else "")


def postgres(target: AppTarget) -> str:
    url = target.database_url
    if not url or url.startswith("sqlite"):
        raise skip("no PostgreSQL configured (embedded SQLite profile)" if url else "no database URL")
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://").replace(
        "postgresql+psycopg2://", "postgresql://"
    )
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        raise fail(f"PostgreSQL unreachable: {str(exc).strip()[:200]}") from None
    return f"PostgreSQL {version[0] if version else '?'} answers"


def redis_ping(target: AppTarget) -> str:
    if not target.redis_url:
        raise skip("no Redis configured")
    import redis

    client = redis.Redis.from_url(target.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise fail(f"Redis unreachable: {exc}") from None
    finally:
        client.close()
    return "Redis answers PING"


def api_ready(target: AppTarget) -> str:
    import httpx

    if not target.api_url:
        raise skip("no API URL (inventory api_url or --api-url)")
    url = target.api_url.rstrip("/") + "/readyz"
    # A production API names the failing checks only to the bearer of its WASTE_METRICS_TOKEN.
    token = os.environ.get("WASTE_METRICS_TOKEN")
    try:
        response = httpx.get(url, timeout=10, headers={"Authorization": f"Bearer {token}"} if token else {})
    except httpx.HTTPError as exc:
        raise fail(f"{url} unreachable: {exc}") from None
    if response.status_code != 200:
        try:
            failing = ", ".join(response.json().get("failing") or [])
        except ValueError:
            failing = response.text[:120]
        unnamed = "? (set WASTE_METRICS_TOKEN to see which)" if not token else "?"
        raise fail(f"{url} HTTP {response.status_code}; failing: {failing or unnamed}")
    return f"{url} ready"
