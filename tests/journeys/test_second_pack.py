"""Journey: can the gate be trusted on a pack and an agent worded by someone else?

`tests/data/packs/kite` is a second user-written pack, not retail and not a bank: Kite
Mobile's chat care (plan switches, lost phones, travel passes, data usage; billing
disputes go to a person). Its HTTP bot (`agent.py`) words things its own way — "Shall I
switch you from Plus 20GB to Unlimited ($60/month)? (yes/no)", "OK to block the SIM on
the line ending 0142 now?" —, quotes prices from the policy's price list (no tool returns
a price) and hands over with `route_to_care_team`. `agent.py --defect NAME` starts a build
with one known bug.

As a team would, the test copies the pack, runs one campaign with v1, v1 again in a second
process and the seven one-bug builds (`convsim run`), and gates each against v1 with the
default policy (`convsim gate`): v1 against itself must pass with no finding, and each
defect must fail the gate on its own evaluator's metric, in a finding that v1 against
itself does not show. convsim's source is not touched; nothing of convsim's is imported
but the CLI app. The same comparison over 20 seeds: `benchmarks/second_pack_seeds.py`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from tests.cli_shell import convsim, folder_with_pack

_spec = importlib.util.spec_from_file_location(
    "kite_campaign", Path(__file__).resolve().parents[1] / "kite_campaign.py")
kite_campaign = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(kite_campaign)  # type: ignore[union-attr]
PACK_SOURCE, DEFECTS, SAFETY = kite_campaign.PACK, kite_campaign.DEFECTS, kite_campaign.SAFETY
TOOLS = {"verify_caller", "list_lines", "get_usage", "change_plan", "block_sim",
         "add_travel_pass", "route_to_care_team"}
SEEDS = (3, 8)


def campaign(seed: int, pack: Path, versions: list[str]) -> dict[str, Any]:
    """Every intent equally often (30 scenarios), on a clean and on a shaky backend."""
    return kite_campaign.campaign(seed, 30, pack, versions, batch_size=30)  # type: ignore[no-any-return]


def gate(run: Path, candidate: str) -> dict[str, Any]:
    out = run.parent.parent / "gates" / candidate
    done = convsim("gate", run, "--baseline", "v1", "--candidate", candidate, "--out", out)
    verdict: dict[str, Any] = json.loads((out / "gate.json").read_text())
    verdict["exit"] = done.exit_code
    verdict["markdown"] = done.output
    return verdict


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Seed 3: v1, v1_rerun and every defect; seed 8: v1 and v1_rerun."""
    root, pack = folder_with_pack(tmp_path_factory, "kite", PACK_SOURCE)
    out = {}
    for seed in SEEDS:
        versions = ["v1", "v1_rerun", *(DEFECTS if seed == SEEDS[0] else ())]
        folder = root / f"seed{seed}"
        folder.mkdir()
        file = folder / "campaign.yaml"
        file.write_text(yaml.safe_dump(campaign(seed, pack, versions), sort_keys=False))
        ran = convsim("run", file, "--out", folder / "runs")
        assert ran.exit_code == 0, ran.output
        (out[seed],) = (folder / "runs" / "kite").iterdir()
    return out


def test_the_pack_checks_and_names_its_transfer_tool() -> None:
    shown = convsim("domains", PACK_SOURCE, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["name"] == "kite_mobile"
    assert {t["name"] for t in data["tools"]} == TOOLS
    assert [t["name"] for t in data["tools"] if t["escalation"]] == ["route_to_care_team"]


def test_the_campaign_exercises_every_intent_and_the_faults(runs: dict[int, Path]) -> None:
    run = runs[SEEDS[0]]
    conversations = pl.read_parquet(run / "conversations" / "*.parquet")
    calls = pl.read_parquet(run / "tool_calls" / "*.parquet")
    v1 = conversations.filter(pl.col("agent_version") == "v1")
    assert v1.height == 60 and conversations.height == 60 * (2 + len(DEFECTS))
    assert not set(conversations["outcome"]) & {"simulator_error", "agent_error"}
    assert set(v1["intent"]) == {"switch_plan", "lost_phone", "travel_pass", "data_usage",
                                 "billing_dispute"}
    assert set(calls["tool"]) == TOOLS and conversations["n_unknown_tool_calls"].sum() == 0
    faulted = calls.filter(pl.col("injected_fault").is_not_null())
    assert set(faulted["tool"]) <= {"change_plan", "block_sim", "add_travel_pass"}
    assert faulted.filter(pl.col("agent_version") == "false_success").height > 0
    # v1 hands every billing dispute over, and keeps the other requests
    assert set(v1.filter(pl.col("intent") == "billing_dispute")["outcome"]) == {"transferred"}
    assert v1.filter(pl.col("intent") == "data_usage")["outcome"].to_list().count("completed") > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_v1_against_itself_passes_with_no_finding_and_no_safety_violation(
        runs: dict[int, Path], seed: int) -> None:
    run = runs[seed]
    scores = pl.read_parquet(run / "scores" / "*.parquet")
    violations = scores.filter(pl.col("agent_version").is_in(["v1", "v1_rerun"])
                               & pl.col("metric").is_in(SAFETY) & (pl.col("status") == "scored")
                               & ~pl.col("passed"))
    assert violations.height == 0, violations.select("metric", "rationale").head(3).to_dicts()
    verdict = gate(run, "v1_rerun")
    assert verdict["findings"] == [] and verdict["exit"] == 0, verdict["markdown"]


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_defect_fails_the_gate_on_its_own_metric(runs: dict[int, Path], defect: str) -> None:
    run = runs[SEEDS[0]]
    noise = {(f["metric"], f["kind"]) for f in gate(run, "v1_rerun")["findings"]}
    verdict = gate(run, defect)
    assert verdict["exit"] == 1, verdict["markdown"]
    named = {(f["metric"], f["kind"]) for f in verdict["findings"]}
    metric = DEFECTS[defect]
    caught = {kind for m, kind in named - noise if m == metric}
    assert caught, (f"{defect}: no finding on {metric} beyond v1 vs v1's {sorted(noise)}; "
                    f"findings {sorted(named)}\n{verdict['markdown']}")
