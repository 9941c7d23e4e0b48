"""The cost line: the monthly price of the planned nodes, their volumes and public IPs, and the
fixed items, from the price table kept in the repository (prices.json), next to the seed's $185."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from wastectl.errors import UsageError


@dataclass(frozen=True)
class Line:
    item: str
    detail: str
    monthly: float

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "detail": self.detail, "monthly_usd": round(self.monthly, 2)}


@dataclass(frozen=True)
class Estimate:
    region: str
    lines: tuple[Line, ...]
    as_of: str
    source: str
    seed: float

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "total_monthly_usd": round(self.total, 2),
            "seed_monthly_usd": self.seed,
            "vs_seed_usd": round(self.total - self.seed, 2),
            "lines": [line.as_dict() for line in self.lines],
            "prices_as_of": self.as_of,
            "prices_source": self.source,
        }


@cache
def price_table() -> dict[str, Any]:
    text = resources.files("wastectl.infra").joinpath("prices.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def estimate(nodes: dict[str, dict[str, Any]], region: str) -> Estimate:
    """`nodes` is the `nodes` output shape: name -> {instance_type, volume_size, public_ip?...}."""
    table = price_table()
    prices = table["regions"].get(region)
    if prices is None:
        raise UsageError(
            f"no prices for region {region!r} in wastectl/infra/prices.json",
            hint="regions with prices: " + ", ".join(sorted(table["regions"])),
        )
    hours = float(table["hours_per_month"])
    lines: list[Line] = []
    unknown: list[str] = []
    for name, attrs in sorted(nodes.items()):
        itype = str(attrs.get("instance_type") or "")
        hourly = prices["instance_hourly"].get(itype)
        if hourly is None:
            unknown.append(f"{name} ({itype or 'no instance_type'})")
            continue
        lines.append(Line(f"node {name}", f"{itype} x {hours:.0f} h", hourly * hours))
        size = attrs.get("volume_size")
        if isinstance(size, (int, float)):
            lines.append(Line(f"volume {name}", f"{size:g} GiB gp3", float(size) * prices["gp3_gb_month"]))
        lines.append(Line(f"public IPv4 {name}", f"{hours:.0f} h", prices["public_ipv4_hourly"] * hours))
    if unknown:
        raise UsageError(
            "no price for instance type of " + ", ".join(unknown) + f" in region {region}",
            hint="add it to wastectl/infra/prices.json (docs/infra.md, section Cost)",
        )
    for item, monthly in prices["fixed_monthly"].items():
        lines.append(Line(item, "fixed", float(monthly)))
    return Estimate(
        region=region,
        lines=tuple(lines),
        as_of=str(table["as_of"]),
        source=str(table["source"]),
        seed=float(table["seed_monthly_usd"]),
    )


def compare(after: Estimate, before: Estimate | None) -> dict[str, Any]:
    """The cost line's data: planned total, the current total, the change, and the seed."""
    data = after.as_dict()
    data["current_monthly_usd"] = round(before.total, 2) if before is not None else None
    data["change_usd"] = round(after.total - before.total, 2) if before is not None else None
    return data


def sentence(data: dict[str, Any]) -> str:
    """One line for people: `$232.13/month planned (seed design: $185.00, +$47.13) ...`."""
    total = data["total_monthly_usd"]
    vs_seed = data["vs_seed_usd"]
    text = (
        f"estimated cost: ${total:,.2f}/month in {data['region']} "
        f"(seed design: ${data['seed_monthly_usd']:,.2f}, {vs_seed:+,.2f})"
    )
    change = data.get("change_usd")
    if change is not None:
        if change > 0:
            now = data["current_monthly_usd"]
            text += f"; this plan RAISES the cost by ${change:,.2f}/month (now ${now:,.2f})"
        elif change < 0:
            text += f"; this plan lowers the cost by ${-change:,.2f}/month"
        else:
            text += "; no change to the cost"
    return text + f" [prices as of {data['prices_as_of']}]"
