"""Tables for people: a plan's summary and the nodes of the outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wastectl.output import Printer

if TYPE_CHECKING:
    from wastectl.infra.plan import PlanSummary


def render_summary(p: Printer, summary: PlanSummary) -> None:
    if not summary.has_changes:
        p.info("No changes: the infrastructure matches the configuration.")
        return
    p.table("Planned changes", ["action", "resource type", "count"], summary.rows())
    for title, addresses in (("REPLACED", summary.replaced), ("DESTROYED", summary.destroyed)):
        if addresses:
            p.out.print(f"[bold red]{title}[/] ({len(addresses)}):")
            for address in addresses:
                p.out.print(f"  - {address}", markup=False)


def nodes_table(p: Printer, nodes: dict[str, Any]) -> None:
    if nodes:
        p.table(
            "Nodes",
            ["name", "role", "type", "az", "public ip", "private ip", "instance"],
            [
                (
                    name,
                    n.get("role"),
                    n.get("instance_type"),
                    n.get("availability_zone"),
                    n.get("public_ip"),
                    n.get("private_ip"),
                    n.get("instance_id"),
                )
                for name, n in sorted(nodes.items())
            ],
        )
