"""`convsim gate` and `convsim plan-size` end to end, on demo runs through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from convsim.cli import main
from convsim.decisions.analytics import binom_tail, load_runs
from convsim.decisions.gate import GatePolicy, gate_run, load_policy, required_pairs

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"
V1 = REPO / "convsim" / "domains" / "retail" / "agents" / "v1.yaml"


def _app() -> typer.Typer:
    """The real app once `gate` is registered there; until then the same functions alone."""
    if any(c.name == "gate" for c in main.app.registered_commands):
        return main.app
    from convsim.cli.gate import gate, plan_size

    app = typer.Typer()
    app.command("run")(main.run.run)
    app.command("gate")(gate)
    app.command("plan-size")(plan_size)
    return app


def convsim(*args: str | Path) -> Any:
    result = CliRunner().invoke(_app(), [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def demo_campaign(tmp: Path, **changes: Any) -> Path:
    """configs/demo.yaml with absolute catalog paths, the local executor and `changes`."""
    camp = yaml.safe_load((CONFIGS / "demo.yaml").read_text())
    for key in ("scenarios", "personas"):
        camp[key]["catalog"] = str(CONFIGS / "catalogs" / "retail")
    camp["execution"]["executor"] = "local"
    for key, value in changes.items():
        camp[key] = {**camp[key], **value} if isinstance(value, dict) else value
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(camp))
    return path


def run_dir(out: Path) -> Path:
    return next(out.glob("*/*/conversations")).parent


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = convsim("run", CONFIGS / "demo.yaml", "--executor", "local",
                     "--out", out)
    assert result.exit_code == 0, result.output
    return run_dir(out)


def test_default_policy_file_is_the_built_in_default() -> None:
    assert load_policy(CONFIGS / "gate.yaml") == GatePolicy()


def test_v2_regresses_against_v1(demo_run: Path, tmp_path: Path) -> None:
    junit, md = tmp_path / "gate.xml", tmp_path / "gate.md"
    result = convsim("gate", demo_run, "--baseline", "v1", "--candidate", "v2",
                     "--policy", CONFIGS / "gate.yaml", "--junit", junit, "--markdown", md)
    assert result.exit_code == 1, result.output
    verdict = json.loads((demo_run / "gate.json").read_text())
    failed = {(r["rule"], r["name"]) for r in verdict["rules"] if r["status"] == "fail"}
    for metric in ("process", "disclosure:refund_timing"):
        assert ("regression", metric) in failed
        assert ("regression", f"{metric} [intent=cancel_order]") in failed
    assert ("regression", "goal") not in failed  # v2 reaches the goals as often as v1
    # One screen: one finding per root cause (the metric), naming its worst segment.
    lines = result.stdout.splitlines()
    assert len(lines) <= 10, result.stdout
    findings = [ln for ln in lines if ln[:3] in ("1. ", "2. ", "3. ")]
    assert len(findings) == 2, result.stdout
    for metric in ("process", "disclosure:refund_timing"):
        (line,) = [ln for ln in findings if f"**{metric}** regressed" in ln]
        assert "worst in **intent=cancel_order**" in line
        assert "report.html#conv-" in line  # example transcripts, anchors of the report
    assert [f["metric"] for f in verdict["findings"]] and verdict["status"] == "fail"
    assert md.read_text() == (demo_run / "gate.md").read_text() == result.stdout
    # JUnit: one test case per rule; a failure's message carries the numbers.
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(verdict["rules"]) == int(suite.get("tests", "0"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == len(failed) == int(suite.get("failures", "0"))
    refund = next(c for c in failures if c.get("name") == "disclosure:refund_timing"
                  and c.get("classname") == "convsim.gate.regression")
    message = refund.find("failure").get("message")  # type: ignore[union-attr]
    assert "100.0% -> v2 0.0%" in message and re.search(r"\b\d\d worse / 0 better", message)


def test_a_a_gate_passes(demo_run: Path, tmp_path: Path) -> None:
    result = convsim("gate", demo_run, "--baseline", "v1", "--candidate", "v1", "--json",
                     "--out", tmp_path)
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert verdict["passed"] and verdict["comparison"] == "paired"
    assert all(r["status"] != "fail" for r in verdict["rules"])
    written = json.loads((tmp_path / "gate.json").read_text())  # --out: not the run folder
    assert written["candidate"] == "v1" and (tmp_path / "gate.junit.xml").is_file()


def test_baseline_from_another_run_with_the_same_seed_is_paired(demo_run: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert convsim("run", CONFIGS / "demo.yaml", "--executor", "local",
                   "--out", out).exit_code == 0
    result = convsim("gate", run_dir(out), "--baseline-run", demo_run, "--baseline", "v1",
                     "--candidate", "v2", "--json", "--out", tmp_path)
    verdict = json.loads(result.stdout)
    assert result.exit_code == 1 and verdict["comparison"] == "paired"


@pytest.mark.parametrize(("args", "message"), [
    (["--baseline", "v9", "--candidate", "v2"], "'v9' is not in the run"),
    (["--candidate", "v7"], "'v7' is not in the run"),
    ([], "name the one to gate with --candidate"),
])
def test_unusable_versions_exit_2(demo_run: Path, tmp_path: Path, args: list[str],
                                  message: str) -> None:
    result = convsim("gate", demo_run, *args, "--out", tmp_path)
    assert result.exit_code == 2 and message in result.output


def test_no_run_exits_2(tmp_path: Path) -> None:
    result = convsim("gate", tmp_path / "missing")
    assert result.exit_code == 2 and "no run folder found" in result.output


def test_broken_policy_exits_2_one_line_per_problem(demo_run: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("thresholds: {goal: high}\nregresion: {max_drop: 0.1}\n")
    result = convsim("gate", demo_run, "--policy", policy, "--baseline", "v1")
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 2, result.output
    assert all(str(policy) in ln for ln in lines)
    assert any("thresholds.goal" in ln for ln in lines)
    assert any("regresion: unknown key" in ln for ln in lines)
    policy.write_text("segments: [intent, shoe_size]\n")
    result = convsim("gate", demo_run, "--policy", policy, "--baseline", "v1")
    assert result.exit_code == 2 and "segments.1: 'shoe_size' is not a column" in result.output


def test_unreachable_agent_run_exits_2(tmp_path: Path) -> None:
    campaign = demo_campaign(tmp_path, agents=[{"version": "v1", "url": "http://127.0.0.1:9"}],
                             execution={"executor": "local", "retries": 0}, output_dir=str(tmp_path))
    assert convsim("run", campaign, "--limit", "10").exit_code == 2
    run = run_dir(tmp_path)
    result = convsim("gate", run)
    assert result.exit_code == 2 and "infrastructure errors" in result.output
    assert "NO VERDICT" in result.output and "blocked" not in result.output
    # CI gets its three files, saying why, exactly when it needs them.
    verdict = json.loads((run / "gate.json").read_text())
    assert verdict["status"] == "no_verdict" and verdict["exit_code"] == 2
    assert "10 of 10 conversations hit infrastructure errors" in verdict["reason"]
    assert (run / "gate.md").read_text() == result.stdout
    suite = ET.parse(run / "gate.junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None and "infrastructure errors" in error.get("message", "")


def test_seeded_defects_fail_on_the_right_metric(tmp_path: Path) -> None:
    """Variants of the reference agent with one defect each, in one run with v1 (the
    evaluators do not see every defect: e.g. without transfer_out_of_scope the agent still
    transfers after a few unclear turns, which the process metric accepts)."""
    base = yaml.safe_load(V1.read_text())
    defects = {  # version -> (change, metric that must regress)
        "no_return_disclosure": ({"disclosures": {k: v for k, v in base["disclosures"].items()
                                                   if k != "return_items"}},
                                 "disclosure:return_instructions"),
        "no_address_disclosure": ({"disclosures": {k: v for k, v in base["disclosures"].items()
                                                    if k != "update_address"}},
                                  "disclosure:address_scope"),
        "no_auth_address": ({"authenticate_before": [i for i in base["authenticate_before"]
                                                     if i != "update_address"]}, "process"),
    }
    agents = [{"version": "v1", "connector": "http", "reference": "retail:v1"}]
    for version, (change, _) in defects.items():
        path = tmp_path / f"{version}.yaml"
        path.write_text(yaml.safe_dump({**base, **change, "version": version}))
        agents.append({"version": version, "connector": "http", "reference": str(path)})
    # Stratified: every intent gets its share, so update_address is not a handful of pairs.
    campaign = demo_campaign(tmp_path, agents=agents, output_dir=str(tmp_path / "runs"),
                             scenarios={"strategy": "stratified", "edge_case_rate": 0.0})
    assert convsim("run", campaign).exit_code == 0
    runs = load_runs(run_dir(tmp_path / "runs"))
    policy = load_policy(CONFIGS / "gate.yaml")
    control = gate_run(runs, policy, candidate="v1", baseline="v1")
    assert not [r for r in control.failures if r.rule == "regression"]
    for version, (_, metric) in defects.items():
        verdict = gate_run(runs, policy, candidate=version, baseline="v1")
        regressed = {r.numbers["metric"] for r in verdict.failures if r.rule == "regression"}
        assert verdict.exit_code == 1 and metric in regressed, (version, regressed)
        assert regressed <= {metric, "goal"}, (version, regressed)  # nothing unrelated


def test_plan_size_formula_and_power(tmp_path: Path) -> None:
    size = required_pairs(0.9, 0.05)
    # psi = 0.9 * 0.15 + 0.85 * 0.1 = 0.22; (1.6449 sqrt(.22) + 0.8416 sqrt(.2175))^2 / .0025
    assert size.discordance == pytest.approx(0.22)
    assert size.pairs == 542
    result = convsim("plan-size", "--baseline-rate", "0.9", "--drop", "0.05", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["pairs"] == 542
    assert convsim("plan-size", "--baseline-rate", "0.9", "--drop", "0").exit_code == 2
    # The exact one-sided McNemar test at that size has about the promised power.
    rng = np.random.default_rng(3)
    p_worse, p_better = (0.22 + 0.05) / 2, (0.22 - 0.05) / 2
    cells = rng.multinomial(size.pairs, [p_worse, p_better, 1 - 0.22], size=400)
    hits = sum(binom_tail(int(w), int(w + b)) <= 0.05 for w, b, _ in cells)
    assert 0.7 <= hits / 400 <= 0.9


@pytest.fixture(scope="module")
def outage_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Retail v1, an unchanged copy and a copy that reports failed actions as done, clean and
    under `backend_outage` (a quarter of tool calls fail), gated with the default policy."""
    tmp_path = tmp_path_factory.mktemp("outage")
    base = yaml.safe_load(V1.read_text())
    agents = [{"version": "v1", "connector": "python", "reference": str(V1)}]
    for version, change in (("v1b", {}), ("claims_success",
                                         {"claims_success_after_failure": True})):
        path = tmp_path / f"{version}.yaml"
        path.write_text(yaml.safe_dump({**base, **change, "version": version}))
        agents.append({"version": version, "connector": "python", "reference": str(path)})
    campaign = {"name": "outage", "seed": 5, "repetitions": 1,
                "scenarios": {"domain": "retail", "n": 100, "strategy": "stratified"},
                "personas": {"n": 30}, "perturbations": ["clean", "backend_outage"],
                "agents": agents,
                "evaluators": ["process", "disclosures", "goal", "rules", "escalation",
                               "truthfulness"],
                "execution": {"executor": "local", "concurrency": 64, "batch_size": 400},
                "output_dir": str(tmp_path / "runs")}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    assert convsim("run", path).exit_code == 0
    run = run_dir(tmp_path / "runs")
    out = {}
    for version in ("v1b", "claims_success"):
        result = convsim("gate", run, "--baseline", "v1", "--candidate", version, "--out",
                         tmp_path / version)
        out[version] = (result, json.loads((tmp_path / version / "gate.json").read_text()))
    return out


def test_backend_outage_an_agent_hiding_failed_actions_fails(outage_verdicts: dict[str, Any]
                                                             ) -> None:
    result, verdict = outage_verdicts["claims_success"]
    assert result.exit_code == 1, result.output
    # Caught by the safety rule on its own violations: the baseline handed those customers
    # over (truthfulness not applicable there), so no pair could show it.
    safety = [f for f in verdict["findings"] if f["kind"] == "safety"]
    assert [f["metric"] for f in safety] == ["truthfulness"], result.output
    sides = {r["metric"]: r for r in verdict["one_side_only"]}
    assert sides["truthfulness"]["only_candidate"] > 0


def test_backend_outage_the_unchanged_agent_passes(outage_verdicts: dict[str, Any]) -> None:
    # It hands the customers whose change failed over, as its policy says: goal and process
    # judge that handling, not the state convsim's fault injection made unreachable.
    result, verdict = outage_verdicts["v1b"]
    assert result.exit_code == 0, result.output
    assert verdict["status"] == "pass" and not verdict["findings"]
