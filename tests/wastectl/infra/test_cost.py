"""The cost line's arithmetic against the price table in the repository."""

from __future__ import annotations

import pytest

from tests.wastectl.infra.hcl import TERRAFORM, blocks
from wastectl.errors import UsageError
from wastectl.infra import cost

SEED_NODES = blocks(TERRAFORM / "envs" / "prod", "variable")["nodes"]["default"]


def test_the_seed_nodes_in_us_east_1_match_the_seeds_ec2_figure() -> None:
    estimate = cost.estimate(SEED_NODES, "us-east-1")
    ec2 = sum(line.monthly for line in estimate.lines if line.item.startswith("node "))
    assert ec2 == pytest.approx(182.21, abs=0.01)  # the seed says "EC2 $180"
    assert estimate.seed == 185.0


def test_the_seed_nodes_in_seoul_with_volumes_ipv4_and_alb() -> None:
    data = cost.compare(cost.estimate(SEED_NODES, "ap-northeast-2"), None)
    by_item = {line["item"]: line["monthly_usd"] for line in data["lines"]}
    assert by_item["node master"] == 75.92  # t3.large 0.104 x 730
    assert by_item["volume storage"] == 9.12  # 100 GiB x 0.0912
    assert by_item["public IPv4 worker-1"] == 3.65
    assert data["total_monthly_usd"] == 290.0
    assert data["vs_seed_usd"] == 105.0
    assert data["prices_as_of"] == "2025-10"


def test_the_sentence_says_how_much_a_plan_raises_or_lowers_the_cost() -> None:
    small = {"master": SEED_NODES["master"]}
    before, after = cost.estimate(small, "ap-northeast-2"), cost.estimate(SEED_NODES, "ap-northeast-2")
    raised = cost.sentence(cost.compare(after, before))
    assert "this plan RAISES the cost by $179.21/month (now $110.80)" in raised
    assert "(seed design: $185.00, +$105.00)" in raised
    lowered = cost.sentence(cost.compare(before, after))
    assert "this plan lowers the cost by $179.21/month" in lowered
    assert "no change to the cost" in cost.sentence(cost.compare(after, after))


def test_unknown_instance_type_or_region_is_a_clear_usage_error() -> None:
    with pytest.raises(UsageError, match=r"no price for instance type of big \(x9.metal\)"):
        cost.estimate({"big": {"instance_type": "x9.metal", "volume_size": 20}}, "ap-northeast-2")
    with pytest.raises(UsageError, match="no prices for region 'mars-east-1'"):
        cost.estimate(SEED_NODES, "mars-east-1")


def test_every_priced_region_prices_every_default_instance_type() -> None:
    table = cost.price_table()
    types = {n["instance_type"] for n in SEED_NODES.values()}
    for region, prices in table["regions"].items():
        assert types <= set(prices["instance_hourly"]), region
    assert table["as_of"] and table["source"]
