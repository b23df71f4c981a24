"""`convsim evaluate`: historical transcripts scored with the campaign evaluators, written as
the same Parquet tables, readable next to a campaign's run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from convsim.cli.evaluate import evaluate
from convsim.core.records import Conversation, ToolCall, Turn
from convsim.core.results import ResultWriter, conversation_rows
from convsim.scenarios.ingest import INGEST_TABLES, ingest_transcripts

REPO = Path(__file__).resolve().parents[2]
FEW_SHOT = REPO / "convsim" / "scenarios" / "data" / "transcripts" / "tau_bench" / "retail_few_shot.jsonl"
CATALOG = REPO / "configs" / "catalogs" / "retail"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("evaluate")(evaluate)
    app.command("noop")(lambda: None)  # two commands: `evaluate` stays a subcommand
    return app


def invoke(*args: str):
    return CliRunner().invoke(_app(), ["evaluate", *args])


def test_bundled_transcripts_are_scored_next_to_a_campaign(tmp_path: Path, small_campaign) -> None:
    sample = tmp_path / FEW_SHOT.name  # same file stem: same conversation ids as the catalog's
    sample.write_text("".join(FEW_SHOT.read_text().splitlines(keepends=True)[:8]))
    ingest_transcripts([sample], "openai", tmp_path / "transcripts", salt="t")
    out = tmp_path / "runs" / "production"
    result = invoke(str(tmp_path / "transcripts"), "--out", str(out), "--domain", "retail",
                    "--catalog", str(CATALOG))
    assert result.exit_code == 0, result.output
    assert "scored 8 conversations" in result.output
    [run] = list(out.iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["conversations"] == 8
    scores = pl.read_parquet(run / "scores" / "*.parquet")
    assert set(scores["metric"]) >= {"escalation", "process", "truthfulness"}
    assert scores["run_id"].unique().to_list() == [run.name]
    assert scores["rationale"].str.contains(r"\[scored against: pack retail").all()
    mined = scores.filter((pl.col("metric") == "process") & (pl.col("status") == "scored"))
    assert mined.height and mined["rationale"].str.contains("catalog process of").all()
    # A campaign written under the same root reads together with it.
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    run_campaign(load_campaign(small_campaign(n=2, connector="python")))
    both = pl.scan_parquet(str(tmp_path / "runs" / "*" / "*" / "scores" / "*.parquet")).collect()
    assert set(both["run_id"]) >= {run.name} and both["run_id"].n_unique() == 2
    conversations = pl.scan_parquet(
        str(tmp_path / "runs" / "*" / "*" / "conversations" / "*.parquet")).collect()
    assert set(conversations["source"]) == {"historical", "simulated"}


def _telecom_transcripts(root: Path) -> None:
    """An ingested folder holding one production telecom conversation that breaks the policy."""
    conv = Conversation(
        id="prod-1", source="historical", intent="suspend_line", outcome="completed",
        turns=[Turn(index=0, role="customer", text="suspend my line 555-123-2002 please"),
               Turn(index=1, role="agent", text="Your line has been suspended.")],
        tool_calls=[ToolCall(seq=0, turn_index=1, tool="suspend_line",
                             arguments={"customer_id": "C1001", "line_id": "L1002",
                                        "reason": "travel"},
                             result=json.dumps({"status": "Suspended"}))])
    rows = conversation_rows(conv)
    for table_rows in rows.values():
        for row in table_rows:
            row["domain"] = "telecom"
    ResultWriter(root, "ingest", INGEST_TABLES).write_part(rows)


def test_pack_rules_score_production_transcripts(tmp_path: Path) -> None:
    _telecom_transcripts(tmp_path / "tr")
    result = invoke(str(tmp_path / "tr"), "--out", str(tmp_path / "out"),
                    "--evaluators", "rules,escalation")
    assert result.exit_code == 0, result.output
    scores = pl.read_parquet(tmp_path / "out" / "*" / "scores" / "*.parquet")
    by_metric = {r["metric"]: r for r in scores.iter_rows(named=True)}
    ident = by_metric["rule:identify_first"]
    assert ident["passed"] is False and ident["evidence"] == [1] and ident["domain"] == "telecom"
    assert "call #0 suspend_line at turn 1 came before any successful" in ident["rationale"]
    assert ident["rationale"].endswith("[scored against: pack telecom (7 rules)]")
    assert by_metric["rule:consent_before_change"]["passed"] is False
    assert by_metric["escalation"]["rationale"].startswith("tn:")


@pytest.mark.parametrize(("args", "message"), [
    (["--evaluators", "tone"], "unknown evaluator(s) ['tone']"),
    (["--domain", "nope"], "unknown domain 'nope'"),
])
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    _telecom_transcripts(tmp_path / "tr")
    result = invoke(str(tmp_path / "tr"), "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_not_a_transcripts_folder(tmp_path: Path) -> None:
    result = invoke(str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "not an ingested transcripts folder" in result.output
