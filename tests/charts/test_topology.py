"""Queue names and arguments in the chart come from workers/queues.py, and cannot drift."""

from __future__ import annotations

import json

from api.tasks.names import WORK_QUEUES, dlq_name
from tests.charts.support import CHART, RELEASE, VALUE_SETS, by_kind, render
from workers import topology
from workers.queues import task_queues


def test_committed_topology_file_matches_workers_queues() -> None:
    committed = (CHART / "files" / "queues.json").read_text()
    assert committed == topology.render(), "run: python -m workers.topology"


def test_topology_carries_the_queue_arguments() -> None:
    document = json.loads(topology.render())
    args = {q["name"]: q["arguments"] for q in document["work_queues"]}
    for queue in task_queues():
        assert args[queue.name] == queue.queue_arguments
    assert [q["name"] for q in document["dead_letter_queues"]] == [dlq_name(q) for q in WORK_QUEUES]


def test_rendered_topology_configmap_is_the_file() -> None:
    configmap = by_kind(render(), "ConfigMap")[f"{RELEASE}-topology"]
    assert json.loads(configmap["data"]["queues.json"]) == json.loads(topology.render())


def test_workers_consume_exactly_the_declared_queues() -> None:
    for values in VALUE_SETS.values():
        consumed: list[str] = []
        for name, deployment in by_kind(render(values), "Deployment").items():
            if "-worker-" not in name:
                continue
            args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
            queues = next(a for a in args if a.startswith("--queues=")).removeprefix("--queues=")
            consumed.extend(queues.split(","))
        assert sorted(consumed) == sorted(WORK_QUEUES)


def test_alerts_cover_every_queue_and_dlq() -> None:
    docs = render(VALUE_SETS["monitoring"])
    rules = by_kind(docs, "PrometheusRule")[RELEASE]["spec"]["groups"][0]["rules"]
    no_consumer = {r["labels"]["queue"] for r in rules if r["alert"] == "WasteQueueWithoutConsumer"}
    assert no_consumer == set(WORK_QUEUES)
    dlq_rule = next(r for r in rules if r["alert"] == "WasteDeadLetterQueueNotEmpty")
    assert 'queue=~".+\\\\.dlq"' in dlq_rule["expr"]
    assert all(dlq_name(q).endswith(".dlq") for q in WORK_QUEUES)
