"""`wastectl logs`: the logs of every pod of one service through the Kubernetes API, merged in time order.

Each pod's log is read with `timestamps=true`, so lines from different pods can be ordered by the
kubelet's own clock. With `follow`, one reader thread per pod streams `follow=true`; the pod list is
re-read every `poll` seconds, so pods created by a rollout are picked up as they appear. Lines from
all readers are held for a short window and emitted sorted, which keeps the merge in time order
across pods without delaying output noticeably.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wastectl.deploy.model import Service
from wastectl.deploy.target import COMPONENT_LABEL, INSTANCE_LABEL, Target
from wastectl.errors import WastectlError

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient

REORDER_WINDOW = 0.2


@dataclass(frozen=True, order=True)
class LogLine:
    at: datetime
    pod: str
    text: str


Emit = Callable[[LogLine], None]


def parse_line(pod: str, raw: str) -> LogLine:
    stamp, _, text = raw.partition(" ")
    try:
        head, _, fraction = stamp.rstrip("Z").partition(".")
        at = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        at = at.replace(microsecond=int((fraction + "000000")[:6]))
    except ValueError:
        return LogLine(datetime.now(UTC), pod, raw)
    return LogLine(at, pod, text)


@dataclass
class LogOptions:
    service: Service
    follow: bool = False
    since_seconds: int | None = None
    tail: int | None = None
    grep: re.Pattern[str] | None = None
    poll: float = 1.0


def _pods(kube: KubeClient, target: Target, service: Service) -> list[dict[str, Any]]:
    selector = f"{INSTANCE_LABEL}={target.release},{COMPONENT_LABEL}={service.value}"
    return kube.items(f"/api/v1/namespaces/{target.namespace}/pods", labelSelector=selector)


def _params(pod: dict[str, Any], options: LogOptions, *, first: bool, follow: bool) -> dict[str, str]:
    params = {"timestamps": "true"}
    containers = (pod.get("spec") or {}).get("containers") or []
    if containers:
        params["container"] = str(containers[0].get("name"))
    if follow:
        params["follow"] = "true"
    if first and options.since_seconds:
        params["sinceSeconds"] = str(options.since_seconds)
    if first and options.tail is not None:
        params["tailLines"] = str(options.tail)
    return params


def read_logs(kube: KubeClient, target: Target, options: LogOptions, emit: Emit) -> int:
    """Every pod's log up to now, merged by time; returns the number of pods read."""
    pods = _pods(kube, target, options.service)
    lines: list[LogLine] = []
    for pod in pods:
        name = pod["metadata"]["name"]
        path = f"/api/v1/namespaces/{target.namespace}/pods/{name}/log"
        text = kube.request("GET", path, params=_params(pod, options, first=True, follow=False))
        lines.extend(parse_line(name, raw) for raw in str(text or "").splitlines() if raw)
    for line in sorted(lines):
        if options.grep is None or options.grep.search(line.text):
            emit(line)
    return len(pods)


def follow_logs(
    kube: KubeClient, target: Target, options: LogOptions, emit: Emit, stop: threading.Event
) -> None:
    """Stream until `stop` is set; pods that appear later are read from their first line."""
    import httpx

    lines: queue.Queue[LogLine] = queue.Queue()
    readers: dict[str, threading.Thread] = {}
    first_round = True

    def reader(pod: dict[str, Any], first: bool) -> None:
        name = pod["metadata"]["name"]
        path = f"/api/v1/namespaces/{target.namespace}/pods/{name}/log"
        params = _params(pod, options, first=first, follow=True)
        try:
            with kube.http.stream(
                "GET", path, params=params, timeout=httpx.Timeout(10.0, read=None)
            ) as response:
                if response.status_code >= 400:
                    return
                for raw in response.iter_lines():
                    if stop.is_set():
                        return
                    if raw:
                        lines.put(parse_line(name, raw))
        except httpx.HTTPError:
            return

    next_poll = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_poll:
            try:
                pods = _pods(kube, target, options.service)
            except WastectlError:
                pods = []
            for pod in pods:
                name = pod["metadata"]["name"]
                if name not in readers and (pod.get("status") or {}).get("phase") != "Pending":
                    thread = threading.Thread(
                        target=reader, args=(pod, first_round), daemon=True, name=f"log-{name}"
                    )
                    readers[name] = thread
                    thread.start()
            first_round = False
            next_poll = time.monotonic() + options.poll
        batch: list[LogLine] = []
        deadline = time.monotonic() + REORDER_WINDOW
        while (left := deadline - time.monotonic()) > 0:
            try:
                batch.append(lines.get(timeout=left))
            except queue.Empty:
                break
        for line in sorted(batch):
            if options.grep is None or options.grep.search(line.text):
                emit(line)
