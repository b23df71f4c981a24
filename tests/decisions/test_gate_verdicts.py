"""`convsim gate` on hand-made runs: safety rules, one-sided pairs, list segments, power,
no verdict for convsim's own failures, internal errors; `judge calibrate` with nothing to
compare. Every case goes through the CLI (exit code, one-line errors, the three files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.results import ResultWriter
from convsim.decisions.power import detectable_drop, required_pairs

REPO = Path(__file__).resolve().parents[2]
BANK = REPO / "tests" / "data" / "packs" / "bank"


def conv(cid: str, version: str, pair: str, scenario: str, *, outcome: str = "completed",
         intent: str = "cancel_order", tags: list[str] | None = None,
         perturbation: str = "clean") -> dict[str, Any]:
    row = {"conversation_id": cid, "agent_version": version, "pair_id": pair,
           "scenario_id": scenario, "persona_id": f"p-{pair}", "perturbation": perturbation,
           "repetition": 0, "intent": intent, "outcome": outcome, "persona_emotion": "calm",
           "domain": "test", "scenario_tags": tags or []}
    turns = [{"conversation_id": cid, "agent_version": version, "turn_index": 0,
              "role": "customer", "text": f"hello from {cid}"}]
    return {"conversation": row, "turns": turns}


def score(c: dict[str, Any], metric: str, passed: bool | None, status: str = "scored",
          evaluator: str | None = None) -> dict[str, Any]:
    row = c["conversation"]
    return {k: row[k] for k in ("conversation_id", "agent_version", "scenario_id", "intent",
                                "perturbation", "pair_id", "repetition", "domain")} | {
        "evaluator": evaluator or metric.split(":")[0], "metric": metric, "passed": passed,
        "status": status}


def write_run(root: Path, convs: list[dict[str, Any]], scores: list[dict[str, Any]],
              domain: str | None = None) -> Path:
    run = root / "camp" / "r1"
    writer = ResultWriter(run, "r1")
    for s in scores:
        s.setdefault("run_id", "r1")
    writer.write_part({"conversations": [c["conversation"] | {"run_id": "r1"} for c in convs],
                       "turns": [t | {"run_id": "r1"} for c in convs for t in c["turns"]],
                       "tool_calls": [], "scores": scores})
    if domain is not None:
        (run / "manifest.json").write_text(json.dumps({"run_id": "r1", "domain": domain,
                                                       "config": {"scenarios": {"domain": domain}}}))
    return run


def paired_run(root: Path, n: int, metrics: dict[str, Any], **kw: Any) -> Path:
    """n pairs v1/v2; metrics: name -> function (i, version) -> passed (None: not applicable)."""
    convs, scores = [], []
    for i in range(n):
        for version in ("v1", "v2"):
            c = conv(f"c{i}-{version}", version, f"pair{i}", f"s{i}",
                     intent=("cancel_order", "return_items")[i % 2],
                     tags=[["gold", "web"], ["web"], []][i % 3])
            convs.append(c)
            for metric, rule in metrics.items():
                passed = rule(i, version)
                scores.append(score(c, metric, passed) if passed is not None else
                              score(c, metric, None, status="not_applicable"))
    return write_run(root, convs, scores, **kw)


def gate(run: Path, *args: str | Path) -> tuple[int, str, dict[str, Any]]:
    result = CliRunner().invoke(app, ["gate", str(run), *map(str, args)])
    assert "Traceback" not in result.output, result.output
    out = Path(args[args.index("--out") + 1]) if "--out" in args else run
    verdict = json.loads((out / "gate.json").read_text()) if (out / "gate.json").exists() else {}
    return result.exit_code, result.output, verdict


def policy(tmp: Path, **fields: Any) -> Path:
    path = tmp / "policy.yaml"
    path.write_text(yaml.safe_dump({"min_conversations": 10, **fields}))
    return path


def test_safety_rule_fails_on_the_candidates_own_violations(tmp_path: Path) -> None:
    # Truthfulness: the candidate makes 3 false success claims where the baseline handed
    # the customer over (not applicable there): no pair to compare, the count decides.
    run = paired_run(tmp_path, 60, {
        "goal": lambda i, v: True,
        "truthfulness": lambda i, v: (None if v == "v1" and i < 3 else not (v == "v2" and i < 3)),
    })
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path))
    assert code == 1, out
    (rule,) = [r for r in verdict["rules"] if r["rule"] == "safety"]
    assert rule["status"] == "fail" and rule["numbers"]["violations"] == 3
    assert rule["numbers"]["n"] == 60 and 0 < rule["numbers"]["ci_low"] < 0.05
    assert verdict["findings"][0]["kind"] == "safety" and verdict["findings"][0]["metric"] == \
        "truthfulness"
    assert "**truthfulness** (safety rule, zero tolerance): 3 violations in 60 conversations" in out
    # The 3 candidate-only conversations are counted and shown, not dropped.
    assert verdict["one_side_only"] == [{"metric": "truthfulness", "only_baseline": 0,
                                         "only_candidate": 3}]
    assert "truthfulness 3 candidate / 0 baseline" in out
    # The baseline being just as bad changes nothing; a ceiling of 3 lets it through.
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path, safety={"max_violations": 3}))
    assert code == 0, out


def test_pack_rules_by_kind_and_severity_are_safety_rules(tmp_path: Path) -> None:
    pack = tmp_path / "bank"
    shutil.copytree(BANK, pack)
    doc = yaml.safe_load((pack / "domain.yaml").read_text())
    doc["rules"] = [
        {"name": "identify_before_freeze", "requires_result": {
            "tool": "find_customer", "before": ["freeze_card"]}},
        {"name": "freeze_once", "severity": "critical", "at_most": {"tool": "freeze_card", "n": 1}},
        {"name": "balance_once", "at_most": {"tool": "get_balance", "n": 1}},
    ]
    (pack / "domain.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    fails = {f"rule:{name}": (lambda i, v: not (v == "v2" and i == 0))
             for name in ("identify_before_freeze", "freeze_once", "balance_once")}
    run = paired_run(tmp_path, 40, fails, domain=str(pack))
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path))
    assert code == 1, out
    assert verdict["safety_metrics"] == ["rule:freeze_once", "rule:identify_before_freeze"]
    failed = {r["name"] for r in verdict["rules"] if r["status"] == "fail"}
    assert failed == {"rule:freeze_once", "rule:identify_before_freeze"}  # not balance_once


def test_list_column_segment_counts_a_conversation_in_each_tag(tmp_path: Path) -> None:
    run = paired_run(tmp_path, 60, {"goal": lambda i, v: not (v == "v2" and i % 3 == 0)})
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2", "--policy",
                              policy(tmp_path, segments=["scenario_tags"], thresholds={}))
    assert code == 1, out
    rules = {r["name"]: r for r in verdict["rules"]}
    # Tags cycle [gold, web], [web], []: 20 gold (all failing on v2), 40 web, 20 untagged.
    gold, web = rules["goal [scenario_tags=gold]"], rules["goal [scenario_tags=web]"]
    assert (gold["numbers"]["n_pairs"], gold["numbers"]["discordant_worse"]) == (20, 20)
    assert (web["numbers"]["n_pairs"], web["numbers"]["discordant_worse"]) == (40, 20)
    assert gold["status"] == "fail"
    assert "worst in **scenario_tags=gold**" in out


def test_underpowered_segments_warn_and_fail_under_strict(tmp_path: Path) -> None:
    run = paired_run(tmp_path, 60, {"goal": lambda i, v: i % 10 != 0})
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path))
    assert code == 0, out
    rows = {(p["metric"], p["segment"]): p for p in verdict["power"]}
    overall = rows[("goal", None)]
    assert overall["pairs"] == 60 and overall["underpowered"]
    assert overall["detectable_drop"] == pytest.approx(detectable_drop(0.9, 60), abs=1e-9)
    assert overall["pairs_needed"] == required_pairs(0.9, 0.05).pairs
    assert rows[("goal", "intent=cancel_order")]["pairs"] == 30
    assert "⚠️ Underpowered: " in out and f"{required_pairs(0.9, 0.05).pairs} pairs needed" in out
    plan = CliRunner().invoke(app, ["plan-size", "--baseline-rate", "0.9", "--drop", "0.05",
                                    "--json"])
    assert json.loads(plan.stdout)["pairs"] == overall["pairs_needed"]
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path, strict=True))
    assert code == 2 and verdict["status"] == "no_verdict", out
    assert "NO VERDICT" in out and "strict" in verdict["reason"]
    # Enough pairs for the drop asked: not underpowered.
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2", "--policy",
                              policy(tmp_path, strict=True, segments=[],
                                     regression={"max_drop": 0.3}))
    assert code == 0 and not [p for p in verdict["power"] if p["underpowered"]], out


def test_detectable_drop_inverts_plan_size() -> None:
    for rate, pairs in ((0.9, 60), (0.97, 186), (1.0, 30)):
        drop = detectable_drop(rate, pairs)
        assert drop is not None
        assert required_pairs(rate, drop).pairs <= pairs < required_pairs(rate, drop - 0.002).pairs
    assert detectable_drop(0.9, 3) is None  # not even 90% -> 0% is detectable from 3 pairs


def test_simulator_errors_above_the_ceiling_give_no_verdict_with_files(tmp_path: Path) -> None:
    convs, scores = [], []
    for i in range(60):
        for version in ("v1", "v2"):
            broken = version == "v2" and i < 10
            c = conv(f"c{i}-{version}", version, f"pair{i}", f"s{i}",
                     outcome="simulator_error" if broken else "completed")
            convs.append(c)
            if not broken:
                scores.append(score(c, "goal", version == "v1" or i % 2 == 0))
    run = write_run(tmp_path, convs, scores)
    out = tmp_path / "gate"
    code, text, verdict = gate(run, "--baseline", "v1", "--candidate", "v2", "--out", out)
    assert code == 2 and verdict["status"] == "no_verdict", text
    assert "blocked" not in text and "NO VERDICT" in text
    assert "simulator_error 10/60" in verdict["reason"]
    suite = ET.parse(out / "gate.junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    assert (out / "gate.md").read_text() == text


def test_internal_error_is_one_line_exit_2(tmp_path: Path) -> None:
    run = paired_run(tmp_path, 20, {"goal": lambda i, v: True})
    (run / "scores" / "zz-broken.parquet").write_bytes(b"PAR1 not a parquet file")
    for command in (["gate", str(run), "--baseline", "v1", "--candidate", "v2"],
                    ["report", str(run), "--out", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(app, command)
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert result.exit_code == 2, result.output
        assert len(lines) == 1 and f"internal error in convsim {command[0]}" in lines[0], lines
        assert "Traceback" not in result.output


def test_calibrate_with_no_decided_judge_verdict_exits_2(tmp_path: Path) -> None:
    convs, scores = [], []
    for i in range(8):
        c = conv(f"c{i}", "v1", f"pair{i}", f"s{i}")
        convs.append(c)
        scores += [score(c, "goal", i % 2 == 0),
                   score(c, "judge:task_success", None, status="unscored", evaluator="judge")]
    run = write_run(tmp_path, convs, scores)
    result = CliRunner().invoke(app, ["judge", "calibrate", str(run)])
    assert result.exit_code == 2, result.output
    assert "nothing to compare" in result.output and "8 of its 8 verdicts" in result.output
    assert len([ln for ln in result.output.splitlines() if ln.strip()]) == 1


def test_a_judge_that_decided_nothing_gives_no_verdict(tmp_path: Path) -> None:
    # Every judge answer unusable (unscored): convsim's side, not the agent's.
    run = paired_run(tmp_path, 60, {"goal": lambda i, v: True})
    extra = []
    for i in range(60):
        for version in ("v1", "v2"):
            c = conv(f"c{i}-{version}", version, f"pair{i}", f"s{i}")
            extra.append(score(c, "judge:task_success", None, status="unscored",
                               evaluator="judge") | {"run_id": "r1"})
    ResultWriter(run, "r1").write_part({"conversations": [], "turns": [], "tool_calls": [],
                                        "scores": extra})
    code, out, verdict = gate(run, "--baseline", "v1", "--candidate", "v2",
                              "--policy", policy(tmp_path))
    assert code == 2 and verdict["status"] == "no_verdict", out
    assert "inconclusive 60/120 = 50.0%" in verdict["reason"] and "blocked" not in out


def test_user_errors_are_not_called_internal(tmp_path: Path) -> None:
    run = paired_run(tmp_path, 20, {"goal": lambda i, v: True})
    for command, message in (
            (["gate", str(run), "--baseline", "v9", "--candidate", "v2"], "'v9' is not in the run"),
            (["gate", str(run), "--policy", str(tmp_path / "none.yaml")], "none.yaml"),
            (["report", str(run), "--baseline", "v9"], "unknown agent version 'v9'")):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and message in result.output, result.output
        assert "internal error" not in result.output and "Traceback" not in result.output
