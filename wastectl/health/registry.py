"""Every check wastectl knows, each in one entry: ID, layer, severity, what it verifies, its fix,
the commands it sends (node checks) and the function that runs it (node.py, peers.py,
cluster.py, app.py, leftovers.py). `health`, `health --list` and `reset` all read this table.
"""

from __future__ import annotations

from wastectl.health import app, cluster, leftovers, node, peers
from wastectl.health.model import AppCheck, CheckId, CheckSpec, ClusterCheck, NodeCheck, Severity

X, E, W = Severity.critical, Severity.error, Severity.warning

CHECKS: tuple[CheckSpec, ...] = (
    NodeCheck(
        id=CheckId.NodeReachable,
        severity=E,
        title="SSH reachable and authenticated",
        fix="start the instance / open port 22 / check --user and --key",
        timeout=15.0,
    ),
    NodeCheck(
        id=CheckId.Sudo,
        severity=E,
        title="passwordless sudo",
        fix="allow the SSH user NOPASSWD sudo (/etc/sudoers.d)",
        commands=(node.SUDO,),
        run=node.sudo,
    ),
    NodeCheck(
        id=CheckId.SwapOff,
        severity=E,
        title="swap is off",
        fix="swapoff -a and comment out swap lines in /etc/fstab",
        commands=(node.SWAPON,),
        run=node.swap_off,
    ),
    NodeCheck(
        id=CheckId.IPForward,
        severity=E,
        title="net.ipv4.ip_forward = 1",
        fix="sysctl -w net.ipv4.ip_forward=1 and persist it in /etc/sysctl.d/k8s.conf",
        commands=(node.sysctl(node.IP_FORWARD),),
        run=node.ip_forward,
    ),
    NodeCheck(
        id=CheckId.BrNetfilter,
        severity=E,
        title="br_netfilter loaded, bridge-nf-call-iptables = 1",
        fix="modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1",
        commands=(node.LSMOD, node.sysctl(node.BRIDGE_NF)),
        run=node.br_netfilter,
    ),
    NodeCheck(
        id=CheckId.DiskUsage,
        severity=E,
        title="root/var filesystem below 80 %",
        fix="free space: crictl rmi --prune; journalctl --vacuum-size=200M",
        commands=(node.DF,),
        run=node.disk_usage,
    ),
    NodeCheck(
        id=CheckId.Memory,
        severity=E,
        title="available memory (> 2000 MiB ok, > 1000 MiB warn)",
        fix="move workloads or resize the instance",
        commands=(node.FREE,),
        run=node.memory,
    ),
    NodeCheck(
        id=CheckId.ContainerdActive,
        severity=E,
        title="containerd is active",
        fix="sudo systemctl restart containerd",
        commands=(node.is_active("containerd"),),
        run=node.service_active("containerd"),
    ),
    NodeCheck(
        id=CheckId.KubeletActive,
        severity=E,
        title="kubelet is active",
        fix="sudo systemctl restart kubelet; journalctl -u kubelet -n 50",
        commands=(node.is_active("kubelet"),),
        run=node.service_active("kubelet"),
    ),
    NodeCheck(
        id=CheckId.CRIRuntime,
        severity=E,
        title="crictl answers over the CRI socket",
        fix="check /etc/crictl.yaml and /run/containerd/containerd.sock; restart containerd",
        commands=(node.CRICTL_VERSION,),
        run=node.cri,
    ),
    NodeCheck(
        id=CheckId.VersionSkew,
        severity=W,
        title="kubelet version matches kubeadm",
        fix="install matching kubelet/kubeadm packages (apt-mark hold them)",
        commands=(node.KUBEADM_VERSION, node.KUBELET_VERSION),
        run=node.version_skew,
    ),
    NodeCheck(
        id=CheckId.CertExpiry,
        severity=E,
        title=f"kubeadm certificates valid for more than {peers.CERT_WARN_DAYS} days",
        fix=(
            "sudo kubeadm certs renew all, then restart the control-plane static pods (move the manifests "
            "out of /etc/kubernetes/manifests and back)"
        ),
        timeout=20.0,
        verifies="`kubeadm certs check-expiration`: every certificate's expiry (warning within 30 days)",
        control_plane_only=True,
        commands=(peers.CERTS,),
        run=peers.cert_expiry,
    ),
    NodeCheck(
        id=CheckId.EtcdHealth,
        severity=X,
        title="etcd endpoint healthy, every member started",
        fix="sudo crictl logs $(sudo crictl ps -q --name etcd); etcdctl member list",
        timeout=15.0,
        verifies="etcdctl endpoint health and member list (host etcdctl or the etcd container's)",
        control_plane_only=True,
        commands=(
            peers.ETCD_HEALTH,
            peers.ETCD_MEMBERS,
        ),
        run=peers.etcd_health,
    ),
    NodeCheck(
        id=CheckId.EtcdAlarms,
        severity=X,
        title="no etcd alarm (NOSPACE, CORRUPT)",
        fix="etcdctl defrag, then etcdctl alarm disarm (after freeing space / compacting)",
        timeout=15.0,
        verifies="etcdctl alarm list",
        control_plane_only=True,
        commands=(peers.ETCD_ALARMS,),
        run=peers.etcd_alarms,
    ),
    NodeCheck(
        id=CheckId.EtcdDBSize,
        severity=W,
        title="etcd DB below 80 % of its quota",
        fix=(
            "etcdctl compact $(etcdctl endpoint status -w json | jq .[0].Status.header.revision); etcdctl "
            "defrag"
        ),
        timeout=15.0,
        verifies="etcdctl endpoint status dbSize against the default 2 GiB quota",
        control_plane_only=True,
        commands=(peers.ETCD_STATUS,),
        run=peers.etcd_db_size,
    ),
    NodeCheck(
        id=CheckId.TimeSync,
        severity=E,
        title="clock synchronised by NTP",
        fix="sudo timedatectl set-ntp true; systemctl status systemd-timesyncd (or chronyc tracking)",
        verifies="timedatectl show -p NTPSynchronized",
        commands=(peers.TIME,),
        run=peers.time_sync,
    ),
    NodeCheck(
        id=CheckId.ContainerdConfig,
        severity=E,
        title="containerd: runc SystemdCgroup = true, sandbox image as kubeadm expects",
        fix=(
            "set SystemdCgroup = true and sandbox_image in /etc/containerd/config.toml; sudo systemctl "
            "restart containerd"
        ),
        verifies="containerd config dump against kubeadm config images list",
        commands=(
            peers.CONTAINERD,
            peers.KUBEADM_IMAGES,
        ),
        run=peers.containerd_config,
    ),
    NodeCheck(
        id=CheckId.ClusterDNS,
        severity=E,
        title="kubernetes.default.svc.cluster.local resolves through the cluster DNS",
        fix="kubectl -n kube-system logs -l k8s-app=kube-dns; check kube-proxy and the CNI on this node",
        verifies="nslookup against kubelet's clusterDNS address from the node (CoreDNS via the Service VIP)",
        commands=(peers.DNS,),
        run=peers.cluster_dns,
    ),
    NodeCheck(
        id=CheckId.KubeletErrors,
        severity=W,
        title="no kubelet errors in its journal in the last 10 minutes",
        fix="sudo journalctl -u kubelet --since -10min -p err",
        verifies="journalctl -u kubelet -p err --since -10min",
        commands=(peers.JOURNAL,),
        run=peers.kubelet_errors,
    ),
    NodeCheck(
        id=CheckId.InodeUsage,
        severity=E,
        title="inode use of /var/lib below 80 %",
        fix=(
            "find the directory with many small files (sudo du --inodes -x /var/lib | sort -n | tail); "
            "crictl rmi --prune"
        ),
        verifies="df -Pi /var/lib",
        commands=(peers.INODES,),
        run=peers.inode_usage,
    ),
    NodeCheck(
        id=CheckId.PortsListening,
        severity=E,
        title="required ports listening (control plane 6443 2379 2380 10250 10257 10259; workers 10250)",
        fix="sudo crictl ps -a (control-plane pods); sudo systemctl status kubelet",
        verifies="ss -Hltn against the ports kubeadm's components use on this role",
        commands=(peers.PORTS,),
        run=peers.ports_listening,
    ),
    ClusterCheck(
        id=CheckId.APIServerReady,
        severity=X,
        title="/readyz?verbose reports ok",
        fix="check the control plane: sudo crictl ps -a | grep kube-apiserver",
        run=cluster.api_ready,
    ),
    ClusterCheck(
        id=CheckId.NodesReady,
        severity=E,
        title="every inventory node is registered and Ready",
        fix="join missing nodes (kubeadm join) and check kubelet on NotReady ones",
        run=cluster.nodes_ready,
    ),
    ClusterCheck(
        id=CheckId.NodePressure,
        severity=E,
        title="no Memory/Disk/PID pressure or NetworkUnavailable",
        fix="free resources on the node named",
        run=cluster.node_pressure,
    ),
    ClusterCheck(
        id=CheckId.KubeSystemPods,
        severity=E,
        title="kube-system pods Running/Succeeded",
        fix="kubectl -n kube-system describe pod <pod>",
        run=cluster.kube_system_pods,
    ),
    ClusterCheck(
        id=CheckId.CoreDNS,
        severity=E,
        title="CoreDNS deployment fully available",
        fix="kubectl -n kube-system rollout restart deployment coredns",
        run=cluster.coredns,
    ),
    ClusterCheck(
        id=CheckId.CNIDaemonSet,
        severity=E,
        title="CNI DaemonSet (calico-node/flannel/cilium) ready on every node",
        fix="kubectl -n kube-system describe ds <cni>; check port 5473 (Typha) and 4789/udp",
        run=cluster.cni_daemonset,
    ),
    ClusterCheck(
        id=CheckId.KubeProxy,
        severity=E,
        title="kube-proxy (or its replacement) ready on every node",
        fix="kubectl -n kube-system describe ds kube-proxy; kubectl -n kube-system logs ds/kube-proxy",
        verifies="the kube-proxy DaemonSet, or a CNI that replaces it (cilium)",
        run=cluster.kube_proxy,
    ),
    ClusterCheck(
        id=CheckId.KubeletSkew,
        severity=E,
        title="kubelet versions within the supported skew of the API server",
        fix=(
            "upgrade the kubelets: kubeadm upgrade node; apt-get install kubelet=<version>; systemctl "
            "restart kubelet"
        ),
        verifies="GET /version against every Node's kubeletVersion (never newer, at most 3 minors older)",
        run=cluster.kubelet_skew,
    ),
    AppCheck(
        id=CheckId.Deployments,
        severity=E,
        title="every Deployment has all replicas available",
        fix="kubectl -n <ns> describe deployment <name>",
        run=app.deployments,
        needs_kube=True,
    ),
    AppCheck(
        id=CheckId.CrashLoop,
        severity=E,
        title="no pod in CrashLoopBackOff",
        fix="kubectl -n <ns> logs <pod> --previous",
        run=app.crash_loop,
        needs_kube=True,
    ),
    AppCheck(
        id=CheckId.Restarts,
        severity=W,
        title="container restarts below 5",
        fix="kubectl -n <ns> logs <pod> --previous",
        run=app.restarts,
        needs_kube=True,
    ),
    AppCheck(
        id=CheckId.PVCsBound,
        severity=E,
        title="every PersistentVolumeClaim is Bound",
        fix="kubectl -n <ns> describe pvc <name>; check the StorageClass / EBS CSI driver",
        run=app.pvcs_bound,
        needs_kube=True,
    ),
    AppCheck(
        id=CheckId.HelmReleases,
        severity=E,
        title="every Helm release is deployed",
        fix="pending-*: helm rollback <release> -n <ns> (or helm uninstall) to clear the lock",
        run=app.helm_releases,
        needs_kube=True,
    ),
    AppCheck(
        id=CheckId.RabbitMQQueues,
        severity=W,
        title="queues have consumers, no backlog, DLQs empty",
        fix="scale the Celery workers; inspect dead letters in the management UI",
        run=app.rabbitmq_queues,
    ),
    AppCheck(
        id=CheckId.PostgresReachable,
        severity=E,
        title="PostgreSQL answers SELECT 1",
        fix="check WASTE_DATABASE_URL and the postgres pod/service",
        timeout=5.0,
        run=app.postgres,
    ),
    AppCheck(
        id=CheckId.RedisReachable,
        severity=E,
        title="Redis answers PING",
        fix="check WASTE_REDIS_URL and the redis pod",
        timeout=5.0,
        run=app.redis_ping,
    ),
    AppCheck(
        id=CheckId.APIReady,
        severity=E,
        title="API /readyz answers 200 through the ingress",
        fix="kubectl -n <ns> logs deploy/api; check the Ingress and its ALB",
        run=app.api_ready,
    ),
    NodeCheck(
        id=CheckId.ResetLeftovers,
        severity=E,
        title=(
            "nothing Kubernetes keeps is left on the node (state directories, CNI links, iptables rules, "
            "containers)"
        ),
        fix="read the step that failed in the reset summary, fix it, then run `wastectl reset` again",
        timeout=30.0,
        verifies="ls -d of the state directories (as root), ip -o link show, iptables-save, crictl ps -a",
        in_health=False,
        commands=leftovers.COMMANDS,
        run=leftovers.reset_leftovers,
    ),
)

BY_ID: dict[CheckId, CheckSpec] = {check.id: check for check in CHECKS}
#: What `health` runs and `health --list` shows, in this order.
HEALTH_CHECKS = tuple(check for check in CHECKS if check.in_health)


def spec(check_id: CheckId) -> CheckSpec:
    return BY_ID[check_id]


def node_check(check_id: CheckId) -> NodeCheck:
    check = BY_ID[check_id]
    assert isinstance(check, NodeCheck), check_id
    return check


def health_check_ids() -> dict[str, CheckId]:
    """Lower-cased ID -> ID of every health check (`--ignore` is case-insensitive)."""
    return {check.id.lower(): check.id for check in HEALTH_CHECKS}
