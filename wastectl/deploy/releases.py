"""Release records: the revision history as Helm keeps it, and the stuck pending-* check with its fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wastectl.deploy.model import ReleaseStatus, Revision
from wastectl.deploy.target import Target, as_dict, helm_message
from wastectl.errors import WastectlError

if TYPE_CHECKING:
    import helm_python


class StuckRelease(WastectlError):
    """The latest revision is pending-*: a helm operation was interrupted (or is still running)."""


def read_revisions(config: helm_python.Config, release: str) -> list[Revision]:
    import helm_python

    try:
        entries = config.history(release)
    except helm_python.HelmNotFoundError:
        return []
    except helm_python.HelmError as exc:
        if "not found" in str(exc):
            return []
        raise WastectlError(f"cannot read the history of release {release}: {helm_message(exc)}") from None
    out = []
    for entry in entries:
        number = int(entry.get("revision", 0))
        try:
            values = as_dict(config.get_values(release, all_values=True, revision=number))
        except helm_python.HelmError:
            values = {}
        tag = as_dict(values.get("image")).get("tag") or entry.get("app_version")
        out.append(
            Revision(
                revision=number,
                status=ReleaseStatus.of(entry.get("status")),
                updated=str(entry.get("deployed_at") or ""),
                chart=str(entry.get("chart_name") or ""),
                chart_version=str(entry.get("chart_version") or ""),
                app_version=str(entry.get("app_version") or ""),
                image_tag=str(tag) if tag else None,
                description=str(entry.get("description") or ""),
            )
        )
    return sorted(out, key=lambda r: r.revision)


def history(target: Target) -> list[Revision]:
    kube = target.kube()
    try:
        target.probe(kube)
    finally:
        kube.close()
    with target.helm() as config:
        return read_revisions(config, target.release)


def stuck_fix(target: Target, revisions: list[Revision]) -> StuckRelease | None:
    """The error to raise when the latest revision is pending, with the exact command that fixes it."""
    if not revisions or not revisions[-1].status.pending:
        return None
    latest = revisions[-1]
    good = [r for r in revisions[:-1] if r.status in (ReleaseStatus.deployed, ReleaseStatus.superseded)]
    where = f"-n {target.namespace}"
    if good:
        hint = (
            f"if no deploy is running any more, run `wastectl rollback {good[-1].revision} --namespace "
            f"{target.namespace} --release {target.release}` (the last good revision), then deploy again"
        )
    else:
        hint = (
            f"nothing was ever deployed: delete the stuck record with `kubectl {where} delete secret "
            f"sh.helm.release.v1.{target.release}.v{latest.revision}`, then deploy again"
        )
    return StuckRelease(
        f"release {target.release} is stuck in {latest.status.value} (revision {latest.revision}, since "
        f"{latest.updated or 'unknown'}): an earlier helm operation was interrupted",
        hint=hint,
    )
