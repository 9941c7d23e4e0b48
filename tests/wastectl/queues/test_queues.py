"""`wastectl queues` against the real RabbitMQ (management API) and `queues dlq replay` over AMQP."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.support import services
from tests.support.profile import TEST_PROFILE
from wastectl.app import main

MANAGEMENT_URL = "http://127.0.0.1:15672"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def broker(broker_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    try:
        httpx.get(MANAGEMENT_URL + "/api/overview", auth=("guest", "guest"), timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        services.unavailable("RabbitMQ management API", MANAGEMENT_URL, exc)
    from api.settings import Settings
    from workers.celery_app import create_celery
    from workers.queues import declare_topology

    app = create_celery(Settings(_env_file=None, **TEST_PROFILE, broker_url=broker_url))  # type: ignore[call-arg]
    declare_topology(app)
    from kombu import Connection

    with Connection(broker_url) as conn:
        for queue in ("scan.analyse", "scan.analyse.dlq", "scan.post.dlq"):
            conn.default_channel.queue_purge(queue)
    monkeypatch.setenv("WASTE_BROKER_URL", broker_url)
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", MANAGEMENT_URL)
    return broker_url


def _dead_letter(broker_url: str, count: int) -> None:
    """Publish like RabbitMQ dead-lettering does: to the DLX with the work queue's routing key."""
    from kombu import Connection, Exchange, Producer

    with Connection(broker_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.default_channel, exchange=Exchange("waste.dlx", type="direct", durable=True))
        for index in range(count):
            headers = {"task": "scans.analyse", "x-death": [{}]}
            producer.publish(
                {"scan": index},
                routing_key="scan.analyse",
                headers=headers,
                serializer="json",
                delivery_mode=2,
            )


def _rows(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(capsys, "queues", "--output", "json")
    assert code == 0, err
    envelope = json.loads(out)
    assert envelope["ok"] and envelope["command"] == "queues"
    return {row["queue"]: row for row in envelope["data"]["queues"]}


def test_lists_depths_consumers_and_dlq_sizes(broker: str, capsys: pytest.CaptureFixture[str]) -> None:
    _dead_letter(broker, 3)
    deadline = time.monotonic() + 15  # management statistics refresh every 5 s
    rows = _rows(capsys)
    while rows["scan.analyse"]["dlq_messages"] != 3 and time.monotonic() < deadline:
        time.sleep(0.5)
        rows = _rows(capsys)
    assert set(rows) == {"scan.analyse", "scan.post", "batch", "default"}
    assert rows["scan.analyse"]["dlq_messages"] == 3 and rows["scan.analyse"]["dlq"] == "scan.analyse.dlq"
    assert rows["scan.post"]["dead_letter_exchange"] == "waste.dlx"
    assert rows["batch"]["consumers"] == 0
    assert all(row["declared"] for row in rows.values())
    code, out, _err = run(capsys, "queues")
    assert code == 0 and "scan.analyse.dlq" in out


def test_replay_moves_dead_letters_back(broker: str, capsys: pytest.CaptureFixture[str]) -> None:
    from kombu import Connection

    _dead_letter(broker, 3)
    code, out, err = run(capsys, "queues", "dlq", "replay", "scan.analyse", "--limit", "2", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["data"] == {"queue": "scan.analyse", "dlq": "scan.analyse.dlq", "replayed": 2}
    with Connection(broker) as conn:
        channel = conn.default_channel
        assert channel.queue_declare("scan.analyse.dlq", passive=True).message_count == 1
        assert channel.queue_declare("scan.analyse", passive=True).message_count == 2
        message = channel.basic_get("scan.analyse", no_ack=True)
        assert json.loads(message.body) == {"scan": 0}
        assert message.headers["task"] == "scans.analyse" and "x-death" not in message.headers
    code, out, err = run(capsys, "queues", "dlq", "replay", "scan.analyse.dlq")
    assert code == 0 and "replayed 1" in err


def test_bad_input_exit_codes(
    broker: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _out, err = run(capsys, "queues", "dlq", "replay", "nope")
    assert code == 2 and "unknown queue 'nope'" in err and "scan.analyse" in err
    code, _out, err = run(capsys, "queues", "dlq", "replay", "scan.post", "--limit", "0")
    assert code == 2 and "--limit must be at least 1" in err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", f"http://127.0.0.1:{closed}")
    code, _out, err = run(capsys, "queues")
    assert code == 1 and "management API" in err and "rabbitmq_management" in err
    # A path under the real management listener that is not the API root: RabbitMQ answers 404 for
    # our vhost, and 400 for the default vhost "/" (its %2F is refused outside the API routes).
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", MANAGEMENT_URL + "/not-the-api")
    code, _out, err = run(capsys, "queues")
    assert code == 1 and "unexpected" not in err and "WASTE_RABBITMQ_MANAGEMENT_URL" in err
    monkeypatch.setenv("WASTE_BROKER_URL", services.with_vhost(broker, "/"))
    code, _out, err = run(capsys, "queues")
    assert code == 1 and "answered HTTP 400" in err and "unexpected" not in err
    assert "WASTE_RABBITMQ_MANAGEMENT_URL" in err
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", MANAGEMENT_URL)
    monkeypatch.setenv("WASTE_BROKER_URL", services.with_vhost(broker, "no-such-vhost"))
    code, _out, err = run(capsys, "queues")
    assert code == 1 and "vhost 'no-such-vhost' does not exist" in err
    code, _out, err = run(capsys, "queues", "dlq", "replay", "scan.post")
    assert code == 1 and "cannot connect to the broker" in err and "nothing was moved" in err
    assert "no-such-vhost" in err
    monkeypatch.delenv("WASTE_BROKER_URL")
    code, _out, err = run(capsys, "queues")
    assert code == 2 and "WASTE_BROKER_URL" in err


def test_queues_missing_on_the_vhost_are_flagged(
    broker: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vhost no worker has started on: every row says not declared instead of a reassuring 0."""
    vhost = f"waste-test-empty-{uuid.uuid4().hex[:8]}"
    api = f"{MANAGEMENT_URL}/api"
    auth = ("guest", "guest")
    httpx.put(f"{api}/vhosts/{vhost}", auth=auth, timeout=10).raise_for_status()
    try:
        httpx.put(
            f"{api}/permissions/{vhost}/guest",
            json={"configure": ".*", "write": ".*", "read": ".*"},
            auth=auth,
            timeout=10,
        ).raise_for_status()
        monkeypatch.setenv("WASTE_BROKER_URL", services.with_vhost(broker, vhost))
        rows = _rows(capsys)
        assert rows and not any(row["declared"] for row in rows.values())
        code, out, err = run(capsys, "queues")
        assert code == 0 and "scan.analyse" in out
        assert "not declared" in err and "a worker declares" in err
    finally:
        httpx.delete(f"{api}/vhosts/{vhost}", auth=auth, timeout=10)


def _replay_all(broker: str, capsys: pytest.CaptureFixture[str]) -> list[Any]:
    from kombu import Connection

    code, _out, err = run(capsys, "queues", "dlq", "replay", "scan.analyse")
    assert code == 0, err
    with Connection(broker) as conn:
        messages = []
        while (message := conn.default_channel.basic_get("scan.analyse", no_ack=True)) is not None:
            messages.append(message)
        return messages


def test_replay_marks_messages_for_the_worker(broker: str, capsys: pytest.CaptureFixture[str]) -> None:
    """x-waste-replay: the same dead letter moved twice keeps its id; a failed-again replay gets a new
    one; Celery's retries restart at 0 (the scan task re-opens the scan: tests/workers)."""
    from kombu import Connection, Exchange, Producer

    def dead_letter(headers: dict[str, Any]) -> None:
        with Connection(broker, transport_options={"confirm_publish": True}) as conn:
            producer = Producer(conn.default_channel, exchange=Exchange("waste.dlx", type="direct"))
            body = [["00000000-0000-0000-0000-000000000001"], {}, {}]
            headers = {"task": "scans.analyse", "id": "task-1", "x-death": [{}], **headers}
            producer.publish(body, routing_key="scan.analyse", headers=headers, serializer="json")

    dead_letter({"retries": 4})
    dead_letter({"retries": 4})  # the same message twice: a replay that died before its ack
    first, second = _replay_all(broker, capsys)
    replay_id = first.headers["x-waste-replay"]
    assert second.headers["x-waste-replay"] == replay_id
    assert first.headers["retries"] == 0 and "x-death" not in first.headers
    uuid.UUID(replay_id)
    dead_letter({"retries": 1, "x-waste-replay": replay_id})  # failed again after that replay
    (again,) = _replay_all(broker, capsys)
    assert again.headers["x-waste-replay"] not in (None, replay_id)
