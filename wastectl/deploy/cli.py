"""Options shared by deploy, rollback, status and logs (one place, same names and env vars)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PANEL = "Deploy"
DEFAULT_CHART = Path(__file__).resolve().parents[2] / "charts" / "wastecoach"

KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config).",
        envvar="WASTECTL_KUBECONFIG",
    ),
]
ContextOption = Annotated[
    str | None, typer.Option("--context", help="Kubeconfig context (default: its current-context).")
]
NamespaceOption = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        help="Namespace (default: the context's, else waste).",
        envvar="WASTECTL_NAMESPACE",
    ),
]
ReleaseOption = Annotated[
    str | None,
    typer.Option("--release", help="Helm release name (default: wastecoach).", envvar="WASTECTL_RELEASE"),
]
