#!/usr/bin/python3
"""Stand-in kubeadm, kubelet, kubectl and helm for lab nodes (packaged as .debs / a tarball).

They share one "API server": /srv/lab/cluster/state.json, bind-mounted into every node, holding
nodes, bootstrap tokens, applied objects and Helm releases. They answer like the real tools:
`kubeadm init` prints a join command and refuses to run twice, `kubeadm join` checks the token
and the CA hash and refuses an already-joined node, `kubectl apply` says created/configured/
unchanged, `helm list -o json` lists releases. Every call is appended to /srv/lab/cluster/calls.log.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import socket
import sys
import time
from pathlib import Path

import yaml

SHARE = Path(os.environ.get("LAB_CLUSTER_DIR", "/srv/lab/cluster"))
VERSION = "@VERSION@"


@contextlib.contextmanager
def cluster_state():
    SHARE.mkdir(parents=True, exist_ok=True)
    with open(SHARE / "state.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = SHARE / "state.json"
        state = json.loads(path.read_text()) if path.is_file() else {}
        for key in ("nodes", "tokens", "objects", "releases"):
            state.setdefault(key, {})
        yield state
        path.write_text(json.dumps(state, indent=1, sort_keys=True))


def record(tool, args):
    shown = ["<redacted>" if i > 0 and args[i - 1] in ("--token",) else a for i, a in enumerate(args)]
    with open(SHARE / "calls.log", "a") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.write(f"{socket.gethostname()}\t{tool}\t{' '.join(shown)}\n")


def fail(message, code=1):
    print(message, file=sys.stderr)
    return code


def option(args, name, default=None):
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def new_node(name, labels=None, taints=None):
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": taints or []},
    }


# -- kubeadm ---------------------------------------------------------------------------------
def kubeadm(args):
    if not args or args[0] == "version":
        short = "short" in args
        print(f"v{VERSION}" if short else f'kubeadm version: &version.Info{{GitVersion:"v{VERSION}"}}')
        return 0
    if args[0] == "init":
        return kubeadm_init(args)
    if args[:2] == ["token", "create"]:
        return kubeadm_token(args)
    if args[0] == "join":
        return kubeadm_join(args)
    return fail(f"kubeadm stand-in: unsupported {' '.join(args)}")


def start_kubelet():
    """kubeadm's kubelet-start phase: (re)start kubelet through the init system."""
    import subprocess

    subprocess.run(["systemctl", "restart", "kubelet"], check=False)


def kubeadm_init(args):
    admin = Path("/etc/kubernetes/admin.conf")
    if admin.exists():
        return fail(
            "[preflight] Some fatal errors occurred:\n"
            "\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: "
            "/etc/kubernetes/manifests/kube-apiserver.yaml already exists"
        )
    config = option(args, "--config")
    docs = list(yaml.safe_load_all(Path(config).read_text())) if config else []
    init = next((d for d in docs if d and d.get("kind") == "InitConfiguration"), {})
    cluster = next((d for d in docs if d and d.get("kind") == "ClusterConfiguration"), {})
    endpoint = cluster.get("controlPlaneEndpoint") or "127.0.0.1:6443"
    name = init.get("nodeRegistration", {}).get("name") or socket.gethostname()
    ca_hash = "sha256:" + hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    for sub in ("manifests", "pki/etcd"):
        Path("/etc/kubernetes", sub).mkdir(parents=True, exist_ok=True)
    Path("/etc/kubernetes/manifests/kube-apiserver.yaml").write_text(yaml.safe_dump({"endpoint": endpoint}))
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster.get("clusterName", "kubernetes"), "cluster": {"server": f"https://{endpoint}"}}
        ],
        "contexts": [
            {
                "name": "admin",
                "context": {"cluster": cluster.get("clusterName", "kubernetes"), "user": "admin"},
            }
        ],
        "current-context": "admin",
        "users": [{"name": "admin", "user": {"token": secrets.token_hex(16)}}],
    }
    admin.write_text(yaml.safe_dump(kubeconfig))
    admin.chmod(0o600)
    token = f"{secrets.token_hex(3)}.{secrets.token_hex(8)}"
    with cluster_state() as state:
        state["endpoint"], state["ca_hash"] = endpoint, ca_hash
        state["cluster"] = {
            "name": cluster.get("clusterName"),
            "podSubnet": cluster.get("networking", {}).get("podSubnet"),
        }
        state["tokens"][token] = time.time() + 86400
        state["nodes"][name] = new_node(
            name,
            {"node-role.kubernetes.io/control-plane": ""},
            [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
        )
    start_kubelet()
    print("Your Kubernetes control-plane has initialized successfully!\n")
    print("Then you can join any number of worker nodes by running the following on each as root:\n")
    print(f"kubeadm join {endpoint} --token {token} \\\n\t--discovery-token-ca-cert-hash {ca_hash}")
    return 0


def kubeadm_token(args):
    if not Path("/etc/kubernetes/admin.conf").exists():
        return fail(
            "failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory"
        )
    ttl = option(args, "--ttl", "24h")
    seconds = int(ttl[:-1]) * {"s": 1, "m": 60, "h": 3600}[ttl[-1]] if ttl[-1] in "smh" else 86400
    token = f"{secrets.token_hex(3)}.{secrets.token_hex(8)}"
    with cluster_state() as state:
        state["tokens"][token] = time.time() + seconds
        endpoint, ca_hash = state["endpoint"], state["ca_hash"]
    if "--print-join-command" in args:
        print(f"kubeadm join {endpoint} --token {token} --discovery-token-ca-cert-hash {ca_hash} ")
    else:
        print(token)
    return 0


def kubeadm_join(args):
    if Path("/etc/kubernetes/kubelet.conf").exists():
        return fail(
            "[preflight] Some fatal errors occurred:\n"
            "\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: "
            "/etc/kubernetes/kubelet.conf already exists"
        )
    token, ca_hash = option(args, "--token"), option(args, "--discovery-token-ca-cert-hash")
    name = option(args, "--node-name") or socket.gethostname()
    with cluster_state() as state:
        if args[1:2] != [state.get("endpoint")]:
            return fail(f"couldn't validate the identity of the API Server: endpoint {args[1:2]} unknown")
        if state["tokens"].get(token, 0) < time.time():
            return fail(
                "error execution phase preflight: couldn't validate the identity of the API Server: "
                "could not find a JWS signature in the cluster-info ConfigMap for token ID"
            )
        if ca_hash != state.get("ca_hash"):
            return fail(
                "cluster CA found in cluster-info ConfigMap is invalid: none of the public keys match the pin"
            )
        state["nodes"][name] = new_node(name)
        state.setdefault("joins", {})[name] = state.setdefault("joins", {}).get(name, 0) + 1
    Path("/etc/kubernetes").mkdir(exist_ok=True)
    Path("/etc/kubernetes/kubelet.conf").write_text(
        yaml.safe_dump({"server": f"https://{state['endpoint']}"})
    )
    start_kubelet()
    print(
        "This node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received."
    )
    return 0


# -- kubectl ---------------------------------------------------------------------------------
def _positional(args):
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--kubeconfig", "-o", "--output", "-f", "--filename", "-n", "--namespace"):
            skip = True
            continue
        if not arg.startswith("-"):
            out.append(arg)
    return out


def kubectl(args):
    if option(args, "--kubeconfig") and not Path(option(args, "--kubeconfig")).is_file():
        return fail(f"error: stat {option(args, '--kubeconfig')}: no such file or directory")
    words = _positional(args)
    if not words or words[0] == "version":
        print(f"Client Version: v{VERSION}")
        return 0
    if words[0] == "apply":
        return kubectl_apply(args)
    if words[:2] == ["get", "node"] and len(words) == 3:
        with cluster_state() as state:
            node = state["nodes"].get(words[2])
        if node is None:
            return fail(f'Error from server (NotFound): nodes "{words[2]}" not found')
        print(json.dumps({"apiVersion": "v1", "kind": "Node", **node}))
        return 0
    if words[:2] in (["label", "node"], ["taint", "node"]) and len(words) >= 4:
        with cluster_state() as state:
            node = state["nodes"].get(words[2])
            if node is None:
                return fail(f'Error from server (NotFound): nodes "{words[2]}" not found')
            for spec in words[3:]:
                if words[0] == "label":
                    key, _, value = spec.partition("=")
                    node["metadata"]["labels"][key] = value
                else:
                    keyvalue, _, effect = spec.partition(":")
                    key, _, value = keyvalue.partition("=")
                    taints = [t for t in node["spec"]["taints"] if (t["key"], t["effect"]) != (key, effect)]
                    node["spec"]["taints"] = [*taints, {"key": key, "value": value, "effect": effect}]
        print(f"node/{words[2]} {'labeled' if words[0] == 'label' else 'tainted'}")
        return 0
    return fail(f"kubectl stand-in: unsupported {' '.join(args)}")


def kubectl_apply(args):
    files = [args[i + 1] for i, a in enumerate(args) if a in ("-f", "--filename")]
    docs = [d for f in files for d in yaml.safe_load_all(Path(f).read_text()) if d]
    with cluster_state() as state:
        for doc in docs:
            kind, meta = doc.get("kind"), doc.get("metadata", {})
            if not kind or not meta.get("name"):
                return fail(f"error: error validating data: kind or metadata.name not set in {files}")
            key = f"{doc.get('apiVersion')}/{kind}/{meta.get('namespace', '')}/{meta['name']}"
            group = doc.get("apiVersion", "v1").split("/")[0] if "/" in doc.get("apiVersion", "") else ""
            shown = f"{kind.lower()}{'.' + group if group else ''}/{meta['name']}"
            old = state["objects"].get(key)
            state["objects"][key] = doc
            print(f"{shown} {'created' if old is None else 'unchanged' if old == doc else 'configured'}")
    return 0


# -- helm ------------------------------------------------------------------------------------
def helm(args):
    words = _positional(args)
    if not words or words[0] == "version":
        print('version.BuildInfo{Version:"v3.16.2-lab"}')
        return 0
    namespace = option(args, "--namespace", "default")
    if words[0] == "list":
        pattern = (option(args, "--filter") or "").strip("^$")
        with cluster_state() as state:
            found = [
                r
                for r in state["releases"].values()
                if r["namespace"] == namespace and (not pattern or r["name"] == pattern)
            ]
        print(
            json.dumps(
                [
                    {k: r[k] for k in ("name", "namespace", "revision", "status", "chart", "app_version")}
                    for r in found
                ]
            )
        )
        return 0
    if words[:1] == ["upgrade"] and "--install" in args and len(words) >= 3:
        name, chart, version = words[1], words[2], option(args, "--version", "0.0.0")
        values_file = option(args, "--values") or option(args, "-f")
        values = yaml.safe_load(Path(values_file).read_text()) if values_file else {}
        with cluster_state() as state:
            old = state["releases"].get(f"{namespace}/{name}")
            state["releases"][f"{namespace}/{name}"] = {
                "name": name,
                "namespace": namespace,
                "revision": str(int(old["revision"]) + 1 if old else 1),
                "status": "deployed",
                "chart": f"{chart.rsplit('/', 1)[-1]}-{version}",
                "app_version": version,
                "repo": option(args, "--repo"),
                "values": values,
            }
        print(f'Release "{name}" has been {"upgraded" if old else "installed"}. Happy Helming!')
        return 0
    return fail(f"helm stand-in: unsupported {' '.join(args)}")


def main():
    tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
    record(tool, args)
    if tool == "kubelet":
        print(f"Kubernetes v{VERSION}")
        return 0
    return {"kubeadm": kubeadm, "kubectl": kubectl, "helm": helm}[tool](args)


if __name__ == "__main__":
    sys.exit(main())
