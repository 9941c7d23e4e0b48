"""Move dead letters back to their work queue without ever holding the only copy.

Each message is read from `<queue>.dlq` with manual ack, republished to the work exchange with
publisher confirms, and only then acked. A crash in between leaves a duplicate at worst, never a
loss, and the tasks are idempotent.
"""

from __future__ import annotations

from typing import Any

from wastectl.errors import WastectlError
from wastectl.settings import redact_url

DROP_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason")


def replay(broker_url: str, *, queue: str, dlq: str, exchange: str, limit: int | None) -> int:
    import kombu

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
