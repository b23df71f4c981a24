"""Journey: a canary gated on production traffic, through the CLI only.

A team sends a slice of real traffic to a new agent version (the canary) and the rest to
the current one (the control), scores both sides' production conversations with the same
evaluators, and gates. Stand-in for production: the bundled reference agent v1 (control)
and v2 (canary, skips verification before cancelling) serve the demo's customers; their
conversations are exported as OpenAI chat logs (the canary's records name their version,
the control's do not), then `convsim ingest` -> `convsim evaluate` -> `convsim gate CANARY
--baseline-run CONTROL`. No pairs: the gate compares two sets, stratified by intent. The
same version split in two halves passes.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from tests import cli_shell

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"


convsim = partial(cli_shell.convsim, env={"CONVSIM_PII_SALT": "canary-journey"})


def export(run: Path, version: str, out: Path, *args: str) -> int:
    """`convsim export`: a run's conversations of one version as an OpenAI chat log (what a
    production chat service keeps: messages, the agent's tool calls and their results)."""
    done = convsim("export", run, "--version", version, "--out", out, *args)
    assert done.exit_code == 0, done.output
    return sum(1 for line in out.read_text().splitlines() if line.strip())


def ingest_and_evaluate(log: Path, root: Path, *ingest_args: str) -> Path:
    done = convsim("ingest", log, "--format", "openai", "--domain", "retail", "--out",
                   root / f"{log.stem}-transcripts", *ingest_args)
    assert done.exit_code == 0, done.output
    scored = convsim("evaluate", root / f"{log.stem}-transcripts", "--domain", "retail",
                     "--out", root / f"{log.stem}-eval")
    assert scored.exit_code == 0, scored.output
    (run,) = (root / f"{log.stem}-eval").iterdir()
    return run


def gate(candidate: Path, baseline: Path, *args: str | Path) -> tuple[int, str, dict[str, Any]]:
    result = convsim("gate", candidate, "--baseline-run", baseline, "--json", *args)
    try:
        return result.exit_code, result.output, json.loads(result.output)
    except ValueError:
        return result.exit_code, result.output, {}


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("canary")
    ran = convsim("run", DEMO, "--executor", "local", "--limit", "240", "--out", root / "runs")
    assert ran.exit_code == 0, ran.output
    (run,) = (root / "runs" / "demo").iterdir()
    logs = {"control": export(run, "v1", root / "control.jsonl", "--no-name-version"),
            "canary": export(run, "v2", root / "canary.jsonl"),
            "first": export(run, "v1", root / "first.jsonl", "--slice", "1/2"),
            "second": export(run, "v1", root / "second.jsonl", "--slice", "2/2")}
    assert logs["first"] + logs["second"] == 120
    # the log holds what ingest reads back: tool calls with their results, the version
    record = next(json.loads(line) for line in (root / "canary.jsonl").read_text().splitlines()
                  if "tool_calls" in line)
    assert record["metadata"] == {"agent_version": "v2"}
    assert any(m["role"] == "tool" for m in record["messages"])
    assert logs["control"] == logs["canary"] == 120
    policy = root / "no-safety.yaml"
    policy.write_text(yaml.safe_dump({"safety": None}))
    canary = ingest_and_evaluate(root / "canary.jsonl", root)  # the records name v2
    unnamed = ingest_and_evaluate(root / "control.jsonl", root)  # the log names no version
    # named when scoring: the same transcripts, evaluated as v1
    again = convsim("evaluate", root / "control-transcripts", "--domain", "retail",
                    "--agent-version", "v1", "--out", root / "control-eval-v1")
    assert again.exit_code == 0, again.output
    (control,) = (root / "control-eval-v1").iterdir()
    return {"root": root, "run": run, "logs": logs, "policy": policy, "canary": canary,
            "unnamed": unnamed, "control": control, "evaluated": again.output}


def test_a_control_without_a_version_says_what_is_missing(production: dict[str, Any]) -> None:
    code, out, _ = gate(production["canary"], production["unnamed"])
    assert code == 2
    assert "agent_version is empty in 120 conversations: pass --agent-version" in out
    assert "no conversations" not in out
    assert "agent versions: v1 120" in production["evaluated"]
    conv = pl.read_parquet(production["control"] / "conversations" / "*.parquet")
    assert set(conv["agent_version"]) == {"v1"}
    scores = pl.read_parquet(production["canary"] / "scores" / "*.parquet")
    assert set(scores["agent_version"]) == {"v2"}


def test_the_regressed_canary_is_blocked(production: dict[str, Any]) -> None:
    code, out, verdict = gate(production["canary"], production["control"])
    assert code == 1, out
    assert verdict["candidate"] == "v2" and verdict["baseline"] == "v1"
    assert verdict["comparison"] == "unpaired"
    # the regression test alone (safety rules off) blocks it too: v2 skips verification
    code, out, verdict = gate(production["canary"], production["control"],
                              "--policy", production["policy"])
    assert code == 1, out
    failed = [r for r in verdict["rules"] if r["status"] == "fail"]
    assert failed and {r["rule"] for r in failed} == {"regression"}
    overall = [r for r in failed if r["numbers"]["segment"] is None]
    assert overall and all(r["numbers"]["test"].startswith("Cochran-Mantel-Haenszel by intent")
                           for r in overall)
    assert any(r["numbers"]["metric"] in ("rule:authenticate_first",
                                          "rule:verified_before_change") for r in overall)


def test_two_slices_of_the_same_version_pass(production: dict[str, Any]) -> None:
    root = production["root"]
    first = ingest_and_evaluate(root / "first.jsonl", root, "--agent-version", "v1")
    second = ingest_and_evaluate(root / "second.jsonl", root, "--agent-version", "v1")
    code, out, verdict = gate(second, first)
    assert code == 0, out
    assert verdict["candidate"] == verdict["baseline"] == "v1"
    assert not [r for r in verdict["rules"] if r["status"] == "fail"]
    assert any(r["rule"] == "regression" and r["status"] == "pass" for r in verdict["rules"])


def test_export_names_what_it_cannot_find(production: dict[str, Any]) -> None:
    out = production["root"] / "none.jsonl"
    done = convsim("export", production["run"], "--version", "v9", "--out", out)
    assert done.exit_code == 2 and "no conversation of version 'v9' (versions: v1, v2)" in \
        " ".join(done.output.split())
    assert not out.exists()
    done = convsim("export", production["root"], "--out", out)
    assert done.exit_code == 2 and "not a run folder" in done.output
