"""Move dead letters back to their work queue without ever holding the only copy.

Each message is read from `<queue>.dlq` with manual ack, republished to the work exchange with
publisher confirms, and only then acked. A crash in between leaves a duplicate at worst, never a
loss, and the tasks are idempotent.

Every moved message gets the header `x-waste-replay: <replay id>` (workers.queues.REPLAY_HEADER): the
scan task re-opens the failed scan it concerns, once per replay id, instead of finding it final and
doing nothing. The id is derived from the message (its task id and the replay id it already carried),
not drawn at random, so a dead letter moved twice (a crash between publish and ack) yields two copies
with the same id, and the second re-opens nothing; a message that fails again after a replay carries
the previous id and therefore gets a new one when replayed again. Celery's `retries` header restarts
at 0 so a scan that had used up its retries gets its full budget back.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from wastectl.errors import WastectlError
from wastectl.settings import redact_url

DROP_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason")


REPLAY_NAMESPACE = uuid.UUID("3f0c5d0e-5b7a-4d3e-9a51-0d7c1f2a8b64")


def replay_id(queue: str, body: bytes | str, headers: dict[str, Any], replay_header: str) -> str:
    """Deterministic per dead letter: the same message moved twice gets the same id.

    The previous replay id chains replays of one task; the time RabbitMQ dead-lettered it (x-death)
    tells two dead-letterings apart even if a message lost the header on the way.
    """
    raw = body.encode() if isinstance(body, str) else bytes(body)
    task_id = headers.get("id") or hashlib.sha256(raw).hexdigest()
    previous = headers.get(replay_header) or ""
    deaths = headers.get("x-death") or [{}]
    died = deaths[0].get("time", "") if isinstance(deaths, list) and isinstance(deaths[0], dict) else ""
    return str(uuid.uuid5(REPLAY_NAMESPACE, f"{queue}|{task_id}|{previous}|{died}"))


def replay(broker_url: str, *, queue: str, dlq: str, exchange: str, limit: int | None) -> int:
    import kombu

    from workers.queues import REPLAY_HEADER

    k: Any = kombu  # kombu ships no complete type information

    moved = 0
    try:
        with k.Connection(broker_url, connect_timeout=5, transport_options={"confirm_publish": True}) as conn:
            try:
                channel = conn.channel()
            except Exception as exc:
                raise WastectlError(
                    f"cannot connect to the broker at {redact_url(broker_url)}: {exc}",
                    hint="check WASTE_BROKER_URL (host, credentials, vhost); nothing was moved",
                ) from None
            producer = k.Producer(channel, exchange=k.Exchange(exchange, type="direct", durable=True))
            while limit is None or moved < limit:
                message: Any = channel.basic_get(dlq, no_ack=False)
                if message is None:
                    break
                properties = message.properties
                raw_headers = properties.get("application_headers") or {}
                headers = {k: v for k, v in raw_headers.items() if k not in DROP_HEADERS}
                headers[REPLAY_HEADER] = replay_id(queue, message.body, raw_headers, REPLAY_HEADER)
                if "retries" in headers:
                    headers["retries"] = 0
                producer.publish(
                    message.body,
                    routing_key=queue,
                    headers=headers,
                    content_type=properties.get("content_type"),
                    content_encoding=properties.get("content_encoding"),
                    delivery_mode=2,
                    correlation_id=properties.get("correlation_id"),
                    reply_to=properties.get("reply_to"),
                    serializer=None,
                    retry=True,
                )
                channel.basic_ack(message.delivery_tag)
                moved += 1
            channel.close()
    except WastectlError:
        raise
    except Exception as exc:
        raise WastectlError(
            f"replay stopped after {moved} messages: {exc}",
            hint="messages not yet acked stay in the DLQ; run the command again",
        ) from None
    return moved
