"""Node checks the peers (kubeadm preflight, k8s health scripts, node-problem-detector) have:
certificate expiry, etcd, time sync, containerd's config, cluster DNS, kubelet's journal, inodes
and the ports every component must listen on. Same model as node.py: the registry lists each
check's commands (the constants below), which go out in one batch.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from wastectl.health.model import Outcome, Status, fail, skip, warn
from wastectl.health.node import Probe

CERT_WARN_DAYS = 30
ETCD_QUOTA_BYTES = 2 * 1024**3  # etcd's default --quota-backend-bytes
JOURNAL_MINUTES = 10
CONTROL_PLANE_PORTS = {
    6443: "kube-apiserver",
    2379: "etcd client",
    2380: "etcd peer",
    10250: "kubelet",
    10257: "kube-controller-manager",
    10259: "kube-scheduler",
}
WORKER_PORTS = {10250: "kubelet"}

# etcdctl on the host if installed, else the one inside the etcd container (kubeadm's static pod).
ETCD = (
    "sudo -n sh -c 'E=etcdctl; command -v etcdctl >/dev/null || "
    'E="crictl exec $(crictl ps -q --name etcd | head -n1) etcdctl"; '
    "ETCDCTL_API=3 $E --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
    '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key "$@"\' etcdctl'
)
CERTS = "sudo -n kubeadm certs check-expiration"
ETCD_HEALTH = f"{ETCD} endpoint health -w json"
ETCD_MEMBERS = f"{ETCD} member list -w json"
ETCD_ALARMS = f"{ETCD} alarm list"
ETCD_STATUS = f"{ETCD} endpoint status -w json"
TIME = "timedatectl show -p NTPSynchronized --value"
CONTAINERD = "sudo -n containerd config dump"
KUBEADM_IMAGES = 'kubeadm config images list --kubernetes-version "$(kubeadm version -o short)"'
DNS = (
    "ip=$(sudo -n awk '/^clusterDNS:/{getline; gsub(/[- ]/,\"\"); print; exit}' "
    "/var/lib/kubelet/config.yaml 2>/dev/null); "
    'nslookup -timeout=3 kubernetes.default.svc.cluster.local "${ip:-10.96.0.10}"'
)
JOURNAL = f'sudo -n journalctl -u kubelet --since "-{JOURNAL_MINUTES} min" -p err --no-pager -q -o cat'
INODES = "df -Pi /var/lib"
PORTS = "ss -Hltn"


def _out(probe: Probe, command: str, timeout: float) -> tuple[int, str]:
    result = probe.run(command, timeout)
    return result.exit_status, (result.stdout + ("\n" + result.stderr if result.stderr else "")).strip()


def cert_expiry(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, CERTS, timeout)
    dates = re.findall(r"^(\S+)\s+([A-Z][a-z]{2} \d{2}, \d{4} \d{2}:\d{2} UTC)", text, re.MULTILINE)
    if status != 0 or not dates:
        raise Outcome(Status.error, f"kubeadm certs check-expiration failed: {text[:200]}")
    now = datetime.now(UTC)
    left = sorted(
        ((datetime.strptime(d, "%b %d, %Y %H:%M %Z").replace(tzinfo=UTC) - now).days, name)
        for name, d in dates
    )
    days, name = left[0]
    if days < 0:
        expired = [n for d, n in left if d < 0]
        raise fail(f"{len(expired)} certificate(s) EXPIRED: {', '.join(expired)}")
    if days < CERT_WARN_DAYS:
        soon = [f"{n} ({d}d)" for d, n in left if d < CERT_WARN_DAYS]
        raise warn(f"certificate(s) expire within {CERT_WARN_DAYS} days: {', '.join(soon)}")
    return f"{len(left)} certificates valid; first to expire: {name} in {days} days"


def _json(text: str) -> Any:
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    try:
        return json.loads(text[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        return None


def etcd_health(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, ETCD_HEALTH, timeout)
    data = _json(text)
    if not isinstance(data, list) or not data:
        raise fail(f"etcdctl endpoint health failed: {text[:200]}")
    sick = [f"{e.get('endpoint')}: {e.get('error', 'unhealthy')}" for e in data if not e.get("health")]
    if sick or status != 0:
        raise fail("etcd unhealthy: " + "; ".join(sick or [text[:200]]))
    members = _json(_out(probe, ETCD_MEMBERS, timeout)[1])
    names = [m.get("name") or "(unstarted)" for m in (members or {}).get("members", [])]
    if "(unstarted)" in names:
        raise fail(f"etcd member(s) not started: {', '.join(names)}")
    return f"etcd healthy ({data[0].get('took', '?')}); {len(names)} member(s): {', '.join(names)}"


def etcd_alarms(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, ETCD_ALARMS, timeout)
    if status != 0:
        raise Outcome(Status.error, f"etcdctl alarm list failed: {text[:200]}")
    alarms = re.findall(r"alarm:(\w+)", text)
    if alarms:
        raise fail(
            f"etcd alarm(s) raised: {', '.join(sorted(set(alarms)))} (etcd is read-only until cleared)"
        )
    return "no etcd alarms"


def etcd_db_size(probe: Probe, timeout: float) -> str:
    text = _out(probe, ETCD_STATUS, timeout)[1]
    data = _json(text)
    try:
        size = int(data[0]["Status"]["dbSize"])
    except (TypeError, KeyError, IndexError, ValueError):
        raise Outcome(Status.error, f"etcdctl endpoint status failed: {text[:200]}") from None
    pct = 100 * size / ETCD_QUOTA_BYTES
    text = f"etcd DB {size / 1024**2:.0f} MiB ({pct:.0f}% of the 2 GiB quota)"
    if pct >= 80:
        raise warn(text)
    return text


def time_sync(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, TIME, timeout)
    if text.strip() == "yes":
        return "clock synchronised (NTP)"
    if status != 0:
        raise fail(f"cannot read the NTP state: {text[:200]}")
    raise fail("clock is NOT synchronised (NTPSynchronized=no): TLS and etcd leases suffer from drift")


def containerd_config(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, CONTAINERD, timeout)
    if status != 0:
        raise fail(f"containerd config dump failed: {text[:200]}")
    cgroup = re.search(r"^\s*SystemdCgroup\s*=\s*(\w+)", text, re.MULTILINE)
    if not cgroup or cgroup[1] != "true":
        raise fail(
            f"runc SystemdCgroup = {cgroup[1] if cgroup else 'unset'} (kubelet uses the systemd driver)"
        )
    sandbox = re.search(r'^\s*(?:sandbox_image|sandbox)\s*=\s*"([^"]+)"', text, re.MULTILINE)
    images = _out(probe, KUBEADM_IMAGES, timeout)[1]
    wanted = next((line.strip() for line in images.splitlines() if "/pause:" in line), None)
    if sandbox and wanted and sandbox[1] != wanted:
        raise warn(f"sandbox image {sandbox[1]}, kubeadm expects {wanted}")
    return f"SystemdCgroup = true, sandbox image {sandbox[1] if sandbox else '(default)'}"


def cluster_dns(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, DNS, timeout)
    server = re.search(r"^Server:\s*(\S+)", text, re.MULTILINE)
    answer = re.search(
        r"^Name:\s*kubernetes\.default\.svc\.cluster\.local\s*\nAddress:\s*(\S+)", text, re.MULTILINE
    )
    if status != 0 or not answer:
        raise fail(
            f"kubernetes.default.svc.cluster.local did not resolve: {text.splitlines()[-1] if text else ''}"
        )
    return f"kubernetes.default.svc.cluster.local -> {answer[1]} via {server[1] if server else 'cluster DNS'}"


def kubelet_errors(probe: Probe, timeout: float) -> str:
    status, text = _out(probe, JOURNAL, timeout)
    if status != 0:
        raise skip(f"cannot read kubelet's journal: {text[:120]}")
    lines = [line for line in text.splitlines() if line.strip()]
    if lines:
        raise warn(
            f"{len(lines)} kubelet error(s) in the last {JOURNAL_MINUTES} min; latest: {lines[-1][:160]}"
        )
    return f"no kubelet errors in the last {JOURNAL_MINUTES} min"


def inode_usage(probe: Probe, timeout: float) -> str:
    out = _out(probe, INODES, timeout)[1]
    match = re.search(r"\s(\d+)%\s+(\S+)\s*$", out)
    if not match:
        raise Outcome(Status.error, f"cannot parse df -i output: {out[:120]!r}")
    pct, mount = int(match[1]), match[2]
    if pct >= 90:
        raise fail(f"{mount} uses {pct}% of its inodes")
    if pct >= 80:
        raise warn(f"{mount} uses {pct}% of its inodes (>= 80%)")
    return f"{mount} uses {pct}% of its inodes"


def ports_listening(probe: Probe, timeout: float) -> str:
    out = _out(probe, PORTS, timeout)[1]
    listening = {int(p) for p in re.findall(r"^\S+\s+\d+\s+\d+\s+\S*:(\d+)\s", out, re.MULTILINE)}
    node = probe.node
    wanted = CONTROL_PLANE_PORTS if node is not None and node.is_control_plane else WORKER_PORTS
    missing = [f"{port} ({what})" for port, what in sorted(wanted.items()) if port not in listening]
    if missing:
        raise fail("not listening: " + ", ".join(missing))
    return "listening: " + ", ".join(str(p) for p in sorted(wanted))
