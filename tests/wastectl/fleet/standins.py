"""Stand-in node binaries for the sshd test nodes: realistic output, state kept in files.

Each node gets `<dir>/bin` first on its sshd session PATH with scripts named like the real tools
(kubeadm, crictl, systemctl, kubelet, sysctl, swapon, free, df, lsmod, ip, iptables, ipvsadm,
sudo). Dangerous ones only log to `<dir>/calls.log` and edit `<dir>/state/*`: nothing on this
machine is ever flushed, deleted or restarted. `sudo rm|cat|ls` act on `<dir>/root` as if it were
"/" (where the Kubernetes state a reset removes lives), so the product sends its real paths.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DEFAULT_STATE = {
    "containerd": "active",
    "kubelet": "active",
    "kubelet_version": "v1.28.4",
    "kubeadm_version": "v1.28.4",
    "swap": "",
    "ip_forward": "1",
    "bridge_nf": "1",
    "modules": "br_netfilter           32768  0\noverlay               151552  0\n",
    "disk_pct": "41",
    "mem_available": "5321",
    "links": "lo\neth0\ncni0\nflannel.1\ntunl0\nvxlan.calico\n",
    "iptables": "-A KUBE-SERVICES -j KUBE-NODEPORTS\n-A FORWARD -j KUBE-FORWARD\n",
    "ipvs": "TCP  10.96.0.1:443 rr\n",
    "containers": "3f1e2d4c5b6a\n9a8b7c6d5e4f\n",
    "images": "sha256:aaa\nsha256:bbb\n",
    "cri": "ok",
    "sleep": "0",
    "delay": "",
    # --- for the peer checks (cert expiry, etcd, time, containerd config, DNS, journal, ports) ---
    "cert_days": "300",
    "etcd_health": "true",
    "etcd_alarms": "",
    "etcd_db_bytes": "20480000",
    "etcd_members": "k8s-master",
    "ntp_sync": "yes",
    "systemd_cgroup": "true",
    "sandbox_image": "registry.k8s.io/pause:3.9",
    "pause_image": "registry.k8s.io/pause:3.9",
    "dns": "ok",
    "kubelet_errors": "",
    "inode_pct": "12",
    "ports": "22 6443 2379 2380 10250 10256 10257 10259",
}

SCRIPTS: dict[str, str] = {
    "sudo": """
while [ $# -gt 0 ]; do case "$1" in -n|-E|-H) shift;; *) break;; esac; done
[ "$(st sudo_denied)" = "1" ] && { echo "sudo: a password is required" >&2; exit 1; }
case "$1" in rm|cat|ls) ;; *) exec "$@";; esac
# File tools as root see this node's sandbox <node>/root as "/": every absolute path is moved
# into it, anything else is refused, so nothing outside the sandbox is ever read or removed.
tool=$1; shift
for a in "$@"; do
  shift
  case "$a" in
    --|-?*) set -- "$@" "$a";;
    /*) if [ "$tool" = rm ] && grep -qx -- "$a" "$S/stuck_paths" 2>/dev/null; then
          echo "rm: cannot remove '$a': Device or resource busy" >&2; busy=1; continue
        fi
        set -- "$@" "$N/root$a";;
    *) log REFUSED "$tool" "$a"; exit 99;;
  esac
done
out=$(/bin/"$tool" "$@"); rc=$?
[ -n "$out" ] && printf '%s\n' "$out" | sed "s|^$N/root||"
[ -n "$busy" ] && exit 1
exit $rc
""",
    "systemctl": """
log systemctl "$@"
case "$1" in
  is-active)
    n=$(st "$2_flaps"); if [ -n "$n" ] && [ "$n" -gt 0 ]; then put "$2_flaps" $((n - 1)); v=activating
    else v=$(st "$2"); fi
    echo "${v:-inactive}"; [ "$v" = active ] || exit 3;;
  restart)
    [ "$(st restart_fails)" = "$2" ] && {
      echo "Job for $2.service failed because the control process exited with error code." >&2; exit 1; }
    put "$2" active;;
  *) exit 0;;
esac
""",
    "kubeadm": """
log kubeadm "$@"
case "$1" in
  version) echo "$(st kubeadm_version)";;
  certs) d=$(st cert_days)
    if [ "$d" -lt 0 ]; then e=$(date -u -d "$d days" "+%b %d, %Y %H:%M UTC"); r="<invalid>"
    else e=$(date -u -d "+$d days" "+%b %d, %Y %H:%M UTC"); r="${d}d"; fi
    printf '%-26s %-24s %-15s %-23s %s\n' CERTIFICATE EXPIRES "RESIDUAL TIME" "CERTIFICATE AUTHORITY" \
      "EXTERNALLY MANAGED"
    for c in admin.conf apiserver apiserver-etcd-client apiserver-kubelet-client scheduler.conf; do
      printf '%-26s %s   %-15s ca                      no\n' "$c" "$e" "$r"; done
    echo
    echo "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED"
    ca=$(date -u -d "+3000 days" "+%b %d, %Y %H:%M UTC")
    printf 'ca                      %s   9y              no\n' "$ca";;
  config) echo registry.k8s.io/kube-apiserver:v1.28.4; st pause_image; echo
          echo registry.k8s.io/etcd:3.5.9-0;;
  reset) echo "[reset] Reading configuration from the cluster..."
         echo "[preflight] Running pre-flight checks"
         echo "[reset] Deleted contents of the etcd data directory: /var/lib/etcd"
         echo "[reset] Stopping the kubelet service"
         echo "[reset] Unmounting mounted directories in \\"/var/lib/kubelet\\""
         put kubelet inactive;;
esac
""",
    "kubelet": 'echo "Kubernetes $(st kubelet_version)"',
    "crictl": """
log crictl "$@"
E='validate service connection: CRI v1 runtime API is not implemented'
[ "$(st cri)" = ok ] || { echo "$E for endpoint \"unix:///run/containerd/containerd.sock\"" >&2; exit 1; }
case "$1" in
  version) printf 'Version:  0.1.0\\nRuntimeName:  containerd\\n'
           printf 'RuntimeVersion:  1.7.2\\nRuntimeApiVersion:  v1\\n';;
  ps) st containers;;
  images) st images;;
  rm) put containers "";;
  rmi) put images "";;
esac
""",
    "sysctl": """
key=$2; [ "$1" = -n ] || key=$1
case "$key" in
  net.ipv4.ip_forward) st ip_forward;;
  net.bridge.bridge-nf-call-iptables)
    v=$(st bridge_nf); [ -n "$v" ] && { echo "$v"; exit 0; }
    echo "sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory" >&2
    exit 255;;
  *) exit 255;;
esac
""",
    "swapon": """
s=$(st swap); [ -z "$s" ] && exit 0
echo "$s"
""",
    "free": """
a=$(st mem_available)
echo "               total        used        free      shared  buff/cache   available"
echo "Mem:            7951        2212         418           3        5320        $a"
echo "Swap:              0           0           0"
""",
    "df": """
if [ "$1" = -Pi ]; then p=$(st inode_pct)
  echo "Filesystem      Inodes  IUsed   IFree IUse% Mounted on"
  echo "/dev/root      5160960 $((51609 * p)) 4000000   $p% /"; exit 0
fi
p=$(st disk_pct)
echo "Filesystem     1024-blocks     Used Available Capacity Mounted on"
echo "/dev/root         81106868 $((811068 * p)) 40000000      $p% /"
""",
    "lsmod": 'echo "Module                  Size  Used by"; st modules',
    "ip": """
log ip "$@"
case "$1 $2" in
  "link delete")
    if grep -qx "$3" "$S/stuck_links" 2>/dev/null; then
      echo "RTNETLINK answers: Device or resource busy" >&2; exit 2
    fi
    grep -qx "$3" "$S/links" || { echo "Cannot find device \"$3\"" >&2; exit 1; }
    grep -vx "$3" "$S/links" > "$S/links.new"; mv "$S/links.new" "$S/links";;
  "-o link") n=1
    while read -r l; do echo "$n: $l: <BROADCAST,MULTICAST,UP> mtu 1450"; n=$((n+1)); done < "$S/links";;
esac
""",
    "iptables": """
log iptables "$@"
case "$*" in *-F*) put iptables "";; esac
""",
    "iptables-save": "st iptables",
    "ipvsadm": """
log ipvsadm "$@"
case "$1" in --clear|-C) put ipvs "";; -Ln|-L) st ipvs;; esac
""",
    "pause": 'sleep "$(st sleep)"',
    "etcdctl": """
log etcdctl "$@"
for a in "$@"; do case "$a" in endpoint|alarm|member) cmd="$a";; health|status|list) sub="$a";; esac; done
case "$cmd $sub" in
  "endpoint health")
    if [ "$(st etcd_health)" = true ]; then
      echo '[{"endpoint":"https://127.0.0.1:2379","health":true,"took":"9.2ms"}]'
    else
      echo '[{"endpoint":"https://127.0.0.1:2379","health":false,"took":"5.0s",'\
'"error":"context deadline exceeded"}]'; exit 1
    fi;;
  "endpoint status")
    printf '[{"Endpoint":"https://127.0.0.1:2379","Status":{"version":"3.5.9",'
    printf '"dbSize":%s,' "$(st etcd_db_bytes)"
    printf '"leader":1,'
    echo '"raftIndex":4711,"raftTerm":2}}]';;
  "alarm list") a=$(st etcd_alarms); [ -n "$a" ] && echo "memberID:8e9e05c52164694d alarm:$a"; true;;
  "member list") printf '{"members":['; sep=""
    for m in $(st etcd_members); do [ "$m" = - ] && m=""  # "-": a member added but never started
      printf '%s{"ID":1,"name":"%s","peerURLs":["https://10.0.1.10:2380"]}' "$sep" "$m"; sep=,; done
    echo ']}';;
esac
""",
    "timedatectl": """
case "$*" in *NTPSynchronized*) st ntp_sync; echo;; *) echo "System clock synchronized: $(st ntp_sync)";; esac
""",
    "containerd": """
[ "$1 $2" = "config dump" ] || exit 0
echo 'version = 2'
echo '[plugins."io.containerd.grpc.v1.cri"]'
echo "  sandbox_image = \\"$(st sandbox_image)\\""
echo '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]'
echo "  SystemdCgroup = $(st systemd_cgroup)"
""",
    "nslookup": """
if [ "$(st dns)" = ok ]; then
  printf 'Server:\\t\\t10.96.0.10\\nAddress:\\t10.96.0.10#53\\n\\n'
  printf 'Name:\\tkubernetes.default.svc.cluster.local\\nAddress: 10.96.0.1\\n'
else
  echo ";; connection timed out; no servers could be reached"; exit 1
fi
""",
    "journalctl": "st kubelet_errors",
    "ss": """
for p in $(st ports); do echo "LISTEN 0      4096         0.0.0.0:$p       0.0.0.0:*"; done
""",
}

PRELUDE = """#!/bin/sh
N="{node}"
S="{state}"
st() {{ cat "$S/$1" 2>/dev/null; }}
put() {{ printf '%s' "$2" > "$S/$1"; }}
log() {{ echo "$*" >> "{calls}"; echo "{name} $*" >> "{fleet_calls}"; }}
d=$(st delay); [ -n "$d" ] && sleep "$d"  # simulated node-side latency (benchmarks)
"""


def install(node_dir: Path) -> Path:
    """Write the stand-ins and the default state under `node_dir`; returns the bin dir."""
    bin_dir = node_dir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    reset_state(node_dir)
    prelude = PRELUDE.format(
        node=node_dir,
        name=node_dir.name,
        state=node_dir / "state",
        calls=node_dir / "calls.log",
        fleet_calls=node_dir.parent / "fleet-calls.log",
    )
    for name, body in SCRIPTS.items():
        path = bin_dir / name
        path.write_text(prelude + body.lstrip("\n") + "\n", encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


def reset_state(node_dir: Path, **overrides: str) -> None:
    state = node_dir / "state"
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    for key, value in {**DEFAULT_STATE, **overrides}.items():
        (state / key).write_text(value, encoding="utf-8")
    (node_dir / "calls.log").write_text("", encoding="utf-8")
    (node_dir.parent / "fleet-calls.log").write_text("", encoding="utf-8")
    root = node_dir / "root"
    if root.exists():
        shutil.rmtree(root)
    home = Path.home().as_posix().lstrip("/")  # the sshd user's HOME: ~/.kube is <root>/<home>/.kube
    for sub in (
        "etc/kubernetes/manifests",
        "var/lib/etcd/member",
        "var/lib/kubelet",
        "etc/cni/net.d",
        "var/lib/cni",
        "opt/cni/bin",
        f"{home}/.kube",
    ):
        (root / sub).mkdir(parents=True)
    (root / "etc/cni/net.d/10-calico.conflist").write_text("{}", encoding="utf-8")


def set_state(node_dir: Path, **values: str) -> None:
    for key, value in values.items():
        (node_dir / "state" / key).write_text(value, encoding="utf-8")
