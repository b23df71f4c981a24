"""The gate on a second pack worded differently (telecom): its consent and
verified-before-change rules are safety rules by kind, whatever their names; its
`scenario_tags` (a list column) work as a segment; an unchanged agent passes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from convsim.cli.main import app

runner = CliRunner()


def test_telecom_copy_passes_with_tag_segments_and_safety_rules_by_kind(tmp_path: Path) -> None:
    target = "convsim.domains.telecom.agent:make"
    campaign = {"name": "tel", "seed": 3, "repetitions": 1,
                "scenarios": {"domain": "telecom", "n": 60, "strategy": "stratified"},
                "personas": {"n": 12}, "perturbations": ["clean"],
                "agents": [{"version": v, "connector": "python", "target": target}
                           for v in ("v1", "v1b")],
                "evaluators": ["process", "goal", "rules", "escalation", "truthfulness"],
                "execution": {"executor": "local", "concurrency": 16, "batch_size": 60},
                "output_dir": str(tmp_path / "runs")}
    (tmp_path / "campaign.yaml").write_text(yaml.safe_dump(campaign))
    result = runner.invoke(app, ["run", str(tmp_path / "campaign.yaml")])
    assert result.exit_code == 0, result.output
    run = next((tmp_path / "runs").glob("*/*/conversations")).parent
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(
        {"segments": ["intent", "scenario_tags"], "min_segment_n": 8}))
    result = runner.invoke(app, ["gate", str(run), "--baseline", "v1", "--candidate", "v1b",
                                 "--policy", str(tmp_path / "policy.yaml")])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    verdict = json.loads((run / "gate.json").read_text())
    assert {"rule:consent_before_change", "rule:identified_before_line_action",
            "truthfulness"} <= set(verdict["safety_metrics"])
    assert "rule:identify_first" not in verdict["safety_metrics"]  # an ordering rule, not safety
    tags = [r for r in verdict["rules"] if r["numbers"].get("segment") == "scenario_tags"]
    values = {r["numbers"]["value"] for r in tags}
    assert {"write", "line"} <= values
    write = next(r for r in tags if r["numbers"]["value"] == "write" and r["rule"] == "regression"
                 and r["numbers"]["metric"] == "goal")
    line = next(r for r in tags if r["numbers"]["value"] == "line" and r["rule"] == "regression"
                and r["numbers"]["metric"] == "goal")
    # A conversation tagged [write, line] counts in both: write holds more pairs than line.
    assert write["numbers"]["n_pairs"] > line["numbers"]["n_pairs"] > 0
    assert len(result.stdout.splitlines()) <= 10
