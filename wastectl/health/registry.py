"""Every check wastectl knows, by stable ID. The functions live in node.py, cluster.py and app.py."""

from __future__ import annotations

from wastectl.health.model import CheckSpec, Layer, Severity

X, E, W = Severity.critical, Severity.error, Severity.warning
N, C, A = Layer.node, Layer.cluster, Layer.app

SPECS: tuple[CheckSpec, ...] = (
    # --- node (over SSH) ---
    CheckSpec(
        "NodeReachable",
        N,
        E,
        "SSH reachable and authenticated",
        "start the instance / open port 22 / check --user and --key",
        15.0,
    ),
    CheckSpec("Sudo", N, E, "passwordless sudo", "allow the SSH user NOPASSWD sudo (/etc/sudoers.d)"),
    CheckSpec("SwapOff", N, E, "swap is off", "swapoff -a and comment out swap lines in /etc/fstab"),
    CheckSpec(
        "IPForward",
        N,
        E,
        "net.ipv4.ip_forward = 1",
        "sysctl -w net.ipv4.ip_forward=1 and persist it in /etc/sysctl.d/k8s.conf",
    ),
    CheckSpec(
        "BrNetfilter",
        N,
        E,
        "br_netfilter loaded, bridge-nf-call-iptables = 1",
        "modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1",
    ),
    CheckSpec(
        "DiskUsage",
        N,
        E,
        "root/var filesystem below 80 %",
        "free space: crictl rmi --prune; journalctl --vacuum-size=200M",
    ),
    CheckSpec(
        "Memory",
        N,
        E,
        "available memory (> 2000 MiB ok, > 1000 MiB warn)",
        "move workloads or resize the instance",
    ),
    CheckSpec("ContainerdActive", N, E, "containerd is active", "sudo systemctl restart containerd"),
    CheckSpec(
        "KubeletActive",
        N,
        E,
        "kubelet is active",
        "sudo systemctl restart kubelet; journalctl -u kubelet -n 50",
    ),
    CheckSpec(
        "CRIRuntime",
        N,
        E,
        "crictl answers over the CRI socket",
        "check /etc/crictl.yaml and /run/containerd/containerd.sock; restart containerd",
    ),
    CheckSpec(
        "VersionSkew",
        N,
        W,
        "kubelet version matches kubeadm",
        "install matching kubelet/kubeadm packages (apt-mark hold them)",
    ),
    # --- node: what the peers check too (peers.py) ---
    CheckSpec(
        "CertExpiry",
        N,
        E,
        f"kubeadm certificates valid for more than {30} days",
        "sudo kubeadm certs renew all, then restart the control-plane static pods (move the manifests "
        "out of /etc/kubernetes/manifests and back)",
        20.0,
        verifies="`kubeadm certs check-expiration`: every certificate's expiry (warning within 30 days)",
        roles="control-plane",
    ),
    CheckSpec(
        "EtcdHealth",
        N,
        X,
        "etcd endpoint healthy, every member started",
        "sudo crictl logs $(sudo crictl ps -q --name etcd); etcdctl member list",
        15.0,
        verifies="etcdctl endpoint health and member list (host etcdctl or the etcd container's)",
        roles="control-plane",
    ),
    CheckSpec(
        "EtcdAlarms",
        N,
        X,
        "no etcd alarm (NOSPACE, CORRUPT)",
        "etcdctl defrag, then etcdctl alarm disarm (after freeing space / compacting)",
        15.0,
        verifies="etcdctl alarm list",
        roles="control-plane",
    ),
    CheckSpec(
        "EtcdDBSize",
        N,
        W,
        "etcd DB below 80 % of its quota",
        "etcdctl compact $(etcdctl endpoint status -w json | jq .[0].Status.header.revision); etcdctl defrag",
        15.0,
        verifies="etcdctl endpoint status dbSize against the default 2 GiB quota",
        roles="control-plane",
    ),
    CheckSpec(
        "TimeSync",
        N,
        E,
        "clock synchronised by NTP",
        "sudo timedatectl set-ntp true; systemctl status systemd-timesyncd (or chronyc tracking)",
        verifies="timedatectl show -p NTPSynchronized",
    ),
    CheckSpec(
        "ContainerdConfig",
        N,
        E,
        "containerd: runc SystemdCgroup = true, sandbox image as kubeadm expects",
        "set SystemdCgroup = true and sandbox_image in /etc/containerd/config.toml; "
        "sudo systemctl restart containerd",
        verifies="containerd config dump against kubeadm config images list",
    ),
    CheckSpec(
        "ClusterDNS",
        N,
        E,
        "kubernetes.default.svc.cluster.local resolves through the cluster DNS",
        "kubectl -n kube-system logs -l k8s-app=kube-dns; check kube-proxy and the CNI on this node",
        verifies="nslookup against kubelet's clusterDNS address from the node (CoreDNS via the Service VIP)",
    ),
    CheckSpec(
        "KubeletErrors",
        N,
        W,
        "no kubelet errors in its journal in the last 10 minutes",
        "sudo journalctl -u kubelet --since -10min -p err",
        verifies="journalctl -u kubelet -p err --since -10min",
    ),
    CheckSpec(
        "InodeUsage",
        N,
        E,
        "inode use of /var/lib below 80 %",
        "find the directory with many small files (sudo du --inodes -x /var/lib | sort -n | tail); "
        "crictl rmi --prune",
        verifies="df -Pi /var/lib",
    ),
    CheckSpec(
        "PortsListening",
        N,
        E,
        "required ports listening (control plane 6443 2379 2380 10250 10257 10259; workers 10250)",
        "sudo crictl ps -a (control-plane pods); sudo systemctl status kubelet",
        verifies="ss -Hltn against the ports kubeadm's components use on this role",
    ),
    # --- cluster (Kubernetes API) ---
    CheckSpec(
        "APIServerReady",
        C,
        X,
        "/readyz?verbose reports ok",
        "check the control plane: sudo crictl ps -a | grep kube-apiserver",
        10.0,
    ),
    CheckSpec(
        "NodesReady",
        C,
        E,
        "every inventory node is registered and Ready",
        "join missing nodes (kubeadm join) and check kubelet on NotReady ones",
    ),
    CheckSpec(
        "NodePressure",
        C,
        E,
        "no Memory/Disk/PID pressure or NetworkUnavailable",
        "free resources on the node named",
    ),
    CheckSpec(
        "KubeSystemPods",
        C,
        E,
        "kube-system pods Running/Succeeded",
        "kubectl -n kube-system describe pod <pod>",
    ),
    CheckSpec(
        "CoreDNS",
        C,
        E,
        "CoreDNS deployment fully available",
        "kubectl -n kube-system rollout restart deployment coredns",
    ),
    CheckSpec(
        "CNIDaemonSet",
        C,
        E,
        "CNI DaemonSet (calico-node/flannel/cilium) ready on every node",
        "kubectl -n kube-system describe ds <cni>; check port 5473 (Typha) and 4789/udp",
    ),
    CheckSpec(
        "KubeProxy",
        C,
        E,
        "kube-proxy (or its replacement) ready on every node",
        "kubectl -n kube-system describe ds kube-proxy; kubectl -n kube-system logs ds/kube-proxy",
        verifies="the kube-proxy DaemonSet, or a CNI that replaces it (cilium)",
    ),
    CheckSpec(
        "KubeletSkew",
        C,
        E,
        "kubelet versions within the supported skew of the API server",
        "upgrade the kubelets: kubeadm upgrade node; apt-get install kubelet=<version>; "
        "systemctl restart kubelet",
        verifies="GET /version against every Node's kubeletVersion (never newer, at most 3 minors older)",
    ),
    # --- app ---
    CheckSpec(
        "Deployments",
        A,
        E,
        "every Deployment has all replicas available",
        "kubectl -n <ns> describe deployment <name>",
    ),
    CheckSpec("CrashLoop", A, E, "no pod in CrashLoopBackOff", "kubectl -n <ns> logs <pod> --previous"),
    CheckSpec("Restarts", A, W, "container restarts below 5", "kubectl -n <ns> logs <pod> --previous"),
    CheckSpec(
        "PVCsBound",
        A,
        E,
        "every PersistentVolumeClaim is Bound",
        "kubectl -n <ns> describe pvc <name>; check the StorageClass / EBS CSI driver",
    ),
    CheckSpec(
        "HelmReleases",
        A,
        E,
        "every Helm release is deployed",
        "pending-*: helm rollback <release> -n <ns> (or helm uninstall) to clear the lock",
    ),
    CheckSpec(
        "RabbitMQQueues",
        A,
        W,
        "queues have consumers, no backlog, DLQs empty",
        "scale the Celery workers; inspect dead letters in the management UI",
    ),
    CheckSpec(
        "PostgresReachable",
        A,
        E,
        "PostgreSQL answers SELECT 1",
        "check WASTE_DATABASE_URL and the postgres pod/service",
        5.0,
    ),
    CheckSpec("RedisReachable", A, E, "Redis answers PING", "check WASTE_REDIS_URL and the redis pod", 5.0),
    CheckSpec(
        "APIReady",
        A,
        E,
        "API /readyz answers 200 through the ingress",
        "kubectl -n <ns> logs deploy/api; check the Ingress and its ALB",
        10.0,
    ),
)

BY_ID = {spec.id.lower(): spec for spec in SPECS}


def spec(check_id: str) -> CheckSpec:
    return BY_ID[check_id.lower()]
