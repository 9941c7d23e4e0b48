"""ResetLeftovers: what Kubernetes leaves on a node, looked for after `wastectl reset`.

`reset` removes exactly what is listed here (wastectl/reset/steps.py), so the check and the
removal cannot drift apart. The paths are always the node's own and are looked at as root, like
they were removed: a directory the SSH user cannot search must never read as gone.
"""

from __future__ import annotations

from wastectl.health.model import fail
from wastectl.health.node import Probe

STATE_DIRS = (
    "/etc/kubernetes",
    "/var/lib/etcd",
    "/var/lib/kubelet",
    "/etc/cni/net.d",
    "/var/lib/cni",
    "/opt/cni/bin",
)
CNI_LINKS = ("cni0", "flannel.1", "tunl0", "vxlan.calico")
IPTABLES_MARKERS = ("KUBE-", "cali-", "FLANNEL", "CILIUM")
#: What `rm -rf` removes and the check looks for; `$HOME` is the SSH user's, expanded on the node.
PATHS = (*STATE_DIRS, '"$HOME/.kube"')

#: Existing paths on stdout; GNU ls exits 2 when some are missing, anything else means "not checked".
PATHS_LEFT = "sudo -n ls -d -- " + " ".join(PATHS)
LINKS = "ip -o link show"
RULES = "sudo -n iptables-save"
CONTAINERS = "sudo -n crictl ps -a -q"
COMMANDS = (PATHS_LEFT, LINKS, RULES, CONTAINERS)


def find(probe: Probe, timeout: float) -> list[str]:
    """Every leftover, one line each (reset prints each as its own `[ERROR ResetLeftovers]`)."""
    found: list[str] = []
    paths = probe.run(PATHS_LEFT, timeout)
    if paths.exit_status not in (0, 2):
        found.append(f"state paths not checked: {(paths.stderr or paths.stdout).strip()[:200]}")
    found += [f"{line} still exists" for line in paths.stdout.splitlines() if line.strip()]
    links = probe.run(LINKS, timeout).stdout
    names = {part.split(":")[1].strip().split("@")[0] for part in links.splitlines() if part.count(":") >= 2}
    found += [f"link {link} still exists" for link in CNI_LINKS if link in names]
    rules = probe.run(RULES, timeout).stdout
    kube_rules = [line for line in rules.splitlines() if any(m in line for m in IPTABLES_MARKERS)]
    if kube_rules:
        found.append(f"{len(kube_rules)} Kubernetes/CNI iptables rule(s) remain")
    containers = probe.run(CONTAINERS, timeout).stdout.split()
    if containers:
        found.append(f"{len(containers)} container(s) remain")
    return found


def reset_leftovers(probe: Probe, timeout: float) -> str:
    """The check as the registry runs it (a timed-out command ends it as ERROR, see Probe)."""
    found = find(probe, timeout)
    if found:
        raise fail("; ".join(found))
    return "nothing Kubernetes keeps is left on the node"
