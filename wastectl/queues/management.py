"""Queue depths, consumers and DLQ sizes from the RabbitMQ management HTTP API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from wastectl.errors import UsageError, WastectlError
from wastectl.settings import redact_url


@dataclass(frozen=True)
class BrokerTarget:
    management_url: str
    vhost: str
    username: str
    password: str


@dataclass
class QueueRow:
    queue: str
    ready: int
    unacked: int
    consumers: int
    dlq: str
    dlq_messages: int
    dead_letter_exchange: str | None
    declared: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def target_from(broker_url: str | None, management_url: str) -> BrokerTarget:
    """Credentials and vhost come from WASTE_BROKER_URL; the HTTP endpoint from the management URL."""
    if not broker_url:
        raise UsageError("WASTE_BROKER_URL is not set: there are no queues on the embedded profile",
                         hint="set WASTE_BROKER_URL=amqp://user:pass@host:5672/vhost")  # fmt: skip
    parts = urlsplit(broker_url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return BrokerTarget(
        management_url.rstrip("/"), vhost, parts.username or "guest", parts.password or "guest"
    )


def _get(target: BrokerTarget, path: str) -> Any:
    import httpx

    url = f"{target.management_url}/api/{path}"
    try:
        response = httpx.get(url, auth=(target.username, target.password), timeout=10)
    except httpx.HTTPError as exc:
        raise WastectlError(
            f"cannot reach the RabbitMQ management API at {redact_url(target.management_url)}: {exc}",
            hint="run `rabbitmq-plugins enable rabbitmq_management` or set WASTE_RABBITMQ_MANAGEMENT_URL",
        ) from None
    if response.status_code == 401:
        raise WastectlError("the RabbitMQ management API refused the credentials from WASTE_BROKER_URL",
                            hint="the user needs the 'monitoring' (or 'management') tag")  # fmt: skip
    if response.status_code == 404:
        raise WastectlError(
            f"vhost {target.vhost!r} does not exist on the broker",
            hint="check the vhost in WASTE_BROKER_URL and that WASTE_RABBITMQ_MANAGEMENT_URL is the "
            "management API's base URL",
        )
    if not response.is_success:
        raise WastectlError(
            f"the RabbitMQ management API at {redact_url(target.management_url)} answered "
            f"HTTP {response.status_code} for /api/{path}",
            hint="WASTE_RABBITMQ_MANAGEMENT_URL must be the management API's base URL, "
            "e.g. http://127.0.0.1:15672",
        )
    try:
        return response.json()
    except ValueError:
        raise WastectlError(
            f"{redact_url(target.management_url)} did not answer with JSON: is it the RabbitMQ "
            "management API?",
            hint="WASTE_RABBITMQ_MANAGEMENT_URL must be the management API's base URL, "
            "e.g. http://127.0.0.1:15672",
        ) from None


def list_queues(target: BrokerTarget, work_queues: tuple[str, ...], dlq_suffix: str) -> list[QueueRow]:
    raw = _get(target, f"queues/{quote(target.vhost, safe='')}")
    by_name = {queue["name"]: queue for queue in raw}
    rows = []
    for name in work_queues:
        queue = by_name.get(name, {})
        dlq = by_name.get(name + dlq_suffix, {})
        rows.append(
            QueueRow(
                queue=name,
                ready=int(queue.get("messages_ready", 0) or 0),
                unacked=int(queue.get("messages_unacknowledged", 0) or 0),
                consumers=int(queue.get("consumers", 0) or 0),
                dlq=name + dlq_suffix,
                dlq_messages=int(dlq.get("messages", 0) or 0),
                dead_letter_exchange=(queue.get("arguments") or {}).get("x-dead-letter-exchange"),
                declared=name in by_name and name + dlq_suffix in by_name,
            )
        )
    return rows


def list_pidbox_workers(target: BrokerTarget) -> list[str]:
    """Celery workers online: each one consumes its own `<hostname>.celery.pidbox` control queue."""
    raw = _get(target, f"queues/{quote(target.vhost, safe='')}")
    suffix = ".celery.pidbox"
    return sorted(
        str(queue["name"]).removesuffix(suffix)
        for queue in raw
        if str(queue.get("name", "")).endswith(suffix) and int(queue.get("consumers", 0) or 0) > 0
    )
