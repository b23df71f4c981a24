"""Seeded defects are caught on their own metric; an unchanged agent is not flagged.

One retail campaign (local executor, in-process reference agents) runs v1, a copy of v1
(A/A) and one variant per defect, each built from `agents/v1.yaml` with one knob changed.
For every variant, its own metric is compared with v1's pair by pair (same scenario,
customer, perturbations and seed), with an exact McNemar test. A metric that does not
apply to a conversation (not_applicable) counts as not failed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from convsim.core.campaign_file import load_campaign
from convsim.core.packs.discovery import find_domain
from convsim.engine.campaign import run_campaign

V1 = Path(find_domain("retail").agents["v1"])
CHANGES = ["cancel_pending_order", "return_delivered_order_items", "modify_user_address"]
VARIANTS: dict[str, tuple[dict[str, Any], str]] = {
    "v1b": ({}, "escalation"),  # A/A: v1 under another name
    "never_escalates": ({"transfer_out_of_scope": False}, "escalation"),
    "escalates_early": ({"transfer_at_first_hurdle": True}, "escalation"),
    "acts_without_consent": ({"confirm_before": []}, "rule:consent_before_change"),
    "claims_success": ({"claims_success_after_failure": True}, "truthfulness"),
    "skips_verification": ({"checks_verification": False}, "rule:verified_before_change"),
    "drops_disclosure": ({"disclosures": "drop cancel_order"}, "disclosure:refund_timing"),
}


def mcnemar_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs."""
    try:
        from scipy.stats import binomtest
    except ImportError:
        n, k = b + c, min(b, c)
        return 1.0 if n == 0 else min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    return 1.0 if b + c == 0 else float(binomtest(min(b, c), b + c, 0.5).pvalue)


def _variant(tmp: Path, version: str, change: dict[str, Any]) -> Path:
    config = yaml.safe_load(V1.read_text())
    config["version"] = version
    for key, value in change.items():
        if value == "drop cancel_order":
            config["disclosures"].pop("cancel_order")
        else:
            config[key] = value
    path = tmp / f"{version}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    tmp = tmp_path_factory.mktemp("defects")
    agents = [{"version": "v1", "connector": "python", "reference": str(V1)}] + [
        {"version": v, "connector": "python", "reference": str(_variant(tmp, v, change))}
        for v, (change, _) in VARIANTS.items()]
    change_outage = {c: {"error_rate": 0.4, "timeout_rate": 0.1} for c in CHANGES}
    campaign = {
        "name": "defects", "seed": 5, "repetitions": 1,
        "scenarios": {"domain": "retail", "n": 100, "strategy": "stratified"},
        "personas": {"n": 30},
        "perturbations": ["clean", "backend_outage",
                          {"name": "change_outage", "tool_faults": change_outage}],
        "agents": agents,
        "evaluators": ["process", "disclosures", "goal", "rules", "escalation", "truthfulness"],
        "execution": {"executor": "local", "concurrency": 64, "batch_size": 400},
        "output_dir": str(tmp / "runs"),
    }
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    info = run_campaign(load_campaign(path))
    return pl.read_parquet(info.run_dir / "scores" / "*.parquet")


def paired(scores: pl.DataFrame, version: str, metric: str) -> tuple[int, int, int]:
    """(pairs, v1 ok & variant failed, v1 failed & variant ok) on one metric."""
    ok = scores.filter(pl.col("metric") == metric).select(
        "pair_id", "agent_version", pl.col("passed").fill_null(True).alias("ok"))
    base = ok.filter(pl.col("agent_version") == "v1").drop("agent_version")
    other = ok.filter(pl.col("agent_version") == version).drop("agent_version")
    joined = base.join(other, on="pair_id", suffix="_v")
    worse = joined.filter(pl.col("ok") & ~pl.col("ok_v")).height
    better = joined.filter(~pl.col("ok") & pl.col("ok_v")).height
    return joined.height, worse, better


@pytest.mark.parametrize("version", [v for v in VARIANTS if v != "v1b"])
def test_each_defect_is_caught_on_its_own_metric(scores: pl.DataFrame, version: str) -> None:
    metric = VARIANTS[version][1]
    pairs, worse, better = paired(scores, version, metric)
    p = mcnemar_p(worse, better)
    print(f"{version}: {metric} pairs={pairs} worse={worse} better={better} p={p:.2e}")
    assert pairs >= 75 and worse > better and p < 0.05


@pytest.mark.parametrize("metric", sorted({m for _, m in VARIANTS.values()}))
def test_an_unchanged_agent_is_not_flagged(scores: pl.DataFrame, metric: str) -> None:
    pairs, worse, better = paired(scores, "v1b", metric)
    assert pairs >= 75 and mcnemar_p(worse, better) >= 0.05


def test_backend_outage_exercises_failed_consequential_calls(scores: pl.DataFrame) -> None:
    # v1 under the faults: the campaign must put failed changes in front of the agent.
    truth = scores.filter((pl.col("metric") == "truthfulness") & (pl.col("agent_version") == "v1")
                          & (pl.col("perturbation") != "clean"))
    assert truth.filter(pl.col("status") == "scored").height >= 20
