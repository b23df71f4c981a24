"""`convsim gate` on two sets of conversations without pairs (a canary and its control):
the stratified test by intent, what a run lacks in words, and conversations the LLM
budget stopped kept out of every check. Hand-made runs, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.results import ResultWriter
from convsim.decisions.power import required_pairs, required_per_version
from convsim.decisions.unpaired import Stratum, cmh_worse


def production_run(root: Path, name: str, version: str | None,
                   cells: dict[str, tuple[int, int]], *, budget_stopped: int = 0,
                   outcome: str = "resolved") -> Path:
    """Historical conversations scored on `goal`: intent -> (passed, n); each conversation
    is its own (no pair, no scenario shared)."""
    run = root / name / "r"
    writer = ResultWriter(run, f"{name}-r")
    convs, turns, scores = [], [], []
    for intent, (passed, n) in cells.items():
        for i in range(n + (budget_stopped if intent == next(iter(cells)) else 0)):
            cid = f"{name}-{intent}-{i}"
            stopped = i >= n
            convs.append({"conversation_id": cid, "run_id": f"{name}-r", "agent_version": version,
                          "source": "historical", "scenario_id": f"h-{cid}", "intent": intent,
                          "outcome": "budget_stopped" if stopped else outcome,
                          "domain": "test", "repetition": 0})
            turns.append({"conversation_id": cid, "run_id": f"{name}-r",
                          "agent_version": version, "turn_index": 0, "role": "customer",
                          "text": f"conversation {cid}"})
            scores.append({"conversation_id": cid, "run_id": f"{name}-r",
                           "agent_version": version, "scenario_id": f"h-{cid}",
                           "intent": intent, "pair_id": None, "repetition": 0,
                           "domain": "test", "evaluator": "goal", "metric": "goal",
                           "passed": None if stopped else i < passed,
                           "status": "unscored" if stopped else "scored"})
    writer.write_part({"conversations": convs, "turns": turns, "tool_calls": [],
                       "scores": scores})
    return run


def gate(run: Path, *args: str | Path) -> tuple[int, str, dict[str, Any]]:
    result = CliRunner().invoke(app, ["gate", str(run), *map(str, args)])
    assert "Traceback" not in result.output, result.output
    verdict = json.loads((run / "gate.json").read_text()) if (run / "gate.json").exists() else {}
    return result.exit_code, result.output, verdict


def policy(tmp: Path) -> Path:
    path = tmp / "policy.yaml"
    path.write_text(yaml.safe_dump({"min_conversations": 20, "segments": ["intent"],
                                    "thresholds": {}, "safety": None}))
    return path


def goal_overall(verdict: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [r for r in verdict["rules"] if r["rule"] == "regression" and r["name"] == "goal"]
    return rule


def canary_gate(tmp: Path, control: dict[str, tuple[int, int]], canary: dict[str, tuple[int, int]],
                canary_version: str = "v2") -> tuple[int, str, dict[str, Any]]:
    """Gate a canary slice of production (v1 or `canary_version`) against a control slice
    (v1), each with {intent: (passed, conversations)}, under the by-intent policy."""
    control_run = production_run(tmp, "control", "v1", control)
    canary_run = production_run(tmp, "canary", canary_version, canary)
    return gate(canary_run, "--baseline-run", control_run, "--policy", policy(tmp))


def test_an_intent_mix_shift_is_not_a_regression(tmp_path: Path) -> None:
    # The canary got the hard intent (disputes: 30% pass for both versions) far more often
    # than the control: pooled, 76% -> 37%; within every intent, nothing changed.
    code, out, verdict = canary_gate(tmp_path, {"address": (90, 100), "dispute": (6, 20)},
                                     {"address": (18, 20), "dispute": (30, 100)})
    assert code == 0, out
    rule = goal_overall(verdict)
    assert rule["numbers"]["baseline_rate"] > rule["numbers"]["candidate_rate"] + 0.3
    assert rule["numbers"]["test"] == "Cochran-Mantel-Haenszel by intent (2 strata)"
    assert abs(rule["numbers"]["diff"]) < 1e-9 and rule["numbers"]["p_worse"] >= 0.5
    assert verdict["comparison"] == "unpaired"
    assert verdict["one_side_only"] == [] and "one side only" not in out


def test_a_drop_within_intents_fails_the_canary(tmp_path: Path) -> None:
    code, out, verdict = canary_gate(tmp_path, {"address": (54, 60), "dispute": (40, 60)},
                                     {"address": (36, 60), "dispute": (24, 60)})
    assert code == 1, out
    rule = goal_overall(verdict)
    assert rule["status"] == "fail" and rule["numbers"]["p_adjusted"] < 0.001
    assert "**goal** regressed: v1 78.3% → v2 50.0%" in out
    # the same check per intent (one stratum each), in the Holm family
    failed = {r["name"] for r in verdict["rules"] if r["status"] == "fail"}
    assert failed == {"goal", "goal [intent=address]", "goal [intent=dispute]"}
    # power of a comparison without pairs: conversations per version, not pairs
    row = next(p for p in verdict["power"] if p["segment"] is None)
    assert row["pairs"] == 120 and row["pairs_needed"] == required_per_version(
        row["baseline_rate"], 0.05)
    assert "conversations per version" in out
    # the plan-size call it names gives that number (for the rate as it shows it: 3 digits)
    assert row["plan_size"].endswith("--unpaired")
    planned = CliRunner().invoke(app, [*row["plan_size"].split()[1:], "--json"])
    assert planned.exit_code == 0, planned.output
    shown = float(f"{row['baseline_rate']:.3g}")
    assert json.loads(planned.output)["per_version"] == required_per_version(shown, 0.05)
    assert abs(json.loads(planned.output)["per_version"] - row["pairs_needed"]) <= 5


def test_plan_size_unpaired_refuses_a_discordance() -> None:
    res = CliRunner().invoke(app, ["plan-size", "--baseline-rate", "0.9", "--drop", "0.05",
                                   "--unpaired", "--discordance", "0.1"])
    assert res.exit_code == 2 and "no meaning with --unpaired" in res.output
    assert "Traceback" not in res.output


def test_the_same_version_in_two_slices_passes(tmp_path: Path) -> None:
    code, out, verdict = canary_gate(tmp_path, {"address": (50, 60), "dispute": (20, 40)},
                                     {"address": (47, 55), "dispute": (21, 45)}, "v1")
    assert code == 0, out
    assert verdict["candidate"] == verdict["baseline"] == "v1"


def test_cmh_against_a_hand_computed_value() -> None:
    # One stratum: S = 45 - 50*75/100 = 7.5, V = 50*50*75*25/(100^2*99) = 4.7348;
    # z = 7/sqrt(V) = 3.217 -> p = 0.000648
    res = cmh_worse([Stratum(45, 50, 30, 50)])
    assert abs(res.p_worse - 0.000648) < 2e-6 and res.risk_difference == -0.3
    # an intent only one side has is outside the test, and counted
    res = cmh_worse([Stratum(45, 50, 30, 50), Stratum(5, 7, 0, 0)])
    assert res.strata == 1 and res.one_side_only == 7
    # two independent sets need about what the paired formula assumes for independent pairs
    assert abs(required_per_version(0.8, 0.05) - required_pairs(0.8, 0.05).pairs) <= 5


def test_runs_without_agent_version_say_what_is_missing(tmp_path: Path) -> None:
    control = production_run(tmp_path, "control", "v1", {"address": (9, 10)})
    unnamed = production_run(tmp_path, "canary", None, {"address": (60, 69)})
    code, out, _ = gate(unnamed, "--baseline-run", control)
    assert code == 2
    assert "agent_version is empty in 69 conversations: pass --agent-version to convsim " \
        "ingest or convsim evaluate" in out
    assert "no conversations" not in out
    code, out, _ = gate(control, "--baseline-run", unnamed)
    assert code == 2 and "--baseline-run" in out and "agent_version is empty in 69" in out


def test_budget_stopped_conversations_are_left_out_and_counted(tmp_path: Path) -> None:
    # 3 of the canary's conversations were stopped by the LLM budget (unscored): they are
    # neither inconclusive nor conversations of the size check; one line says so.
    control = production_run(tmp_path, "control", "v1", {"address": (27, 30)})
    canary = production_run(tmp_path, "canary", "v1", {"address": (26, 30)}, budget_stopped=3)
    path = tmp_path / "tight.yaml"
    path.write_text(yaml.safe_dump({"min_conversations": 30, "max_inconclusive_rate": 0.05,
                                    "segments": [], "thresholds": {}, "safety": None}))
    code, out, verdict = gate(canary, "--baseline-run", control, "--policy", path)
    assert code == 0, out
    assert "3 conversations stopped by the budget, not scored" in out
    assert verdict["budget_stopped"] == {"candidate": 3, "baseline": 0}
    inconclusive = next(r for r in verdict["rules"] if r["name"] == "inconclusive rate")
    assert inconclusive["numbers"]["count"] == 0 and inconclusive["numbers"]["n"] == 30
    size = next(r for r in verdict["rules"] if r["rule"] == "min_conversations")
    assert size["numbers"]["n"] == 30
    assert verdict["counts"] == "30 conversations"


def test_conversations_without_a_version_beside_named_ones_are_a_note(tmp_path: Path) -> None:
    control = production_run(tmp_path, "control", "v1", {"address": (27, 30)})
    canary = production_run(tmp_path, "canary", "v1", {"address": (26, 30)})
    unnamed = production_run(tmp_path, "canary", None, {"billing": (5, 7)})  # same run folder
    assert unnamed == canary
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump({"min_conversations": 20, "segments": [],
                                    "thresholds": {}, "safety": None}))
    code, out, verdict = gate(canary, "--baseline-run", control, "--policy", path)
    assert code == 0, out
    assert "agent_version is empty in 7 conversations of the run: left out" in out
