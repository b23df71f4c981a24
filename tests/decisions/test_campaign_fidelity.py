"""Fidelity on every campaign: a run whose scenarios come from a catalog reports its customers
against the catalog's real ones in its printed summary, summary.json, summary.md and the HTML
report, naming each feature beyond 1.5x the real-vs-real band in words. On the demo (its
committed retail catalog) and on a catalog mined here with `convsim mine`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.decisions.campaign_fidelity import REFERENCE, campaign_fidelity, describe

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _check_summary(run_dir: Path, output: str, real: int) -> dict:
    fid = json.loads((run_dir / "summary.json").read_text())["fidelity"]
    assert fid["conversations"]["real"] == real and fid["agent_version"] == "v1"
    assert 0 < fid["index"] <= 100 and 0 < fid["real_vs_real_index"] <= 100
    features = {r["feature"]: r for r in fid["features"]}
    assert {"opening_info_ks", "info_per_turn_ks", "distinct2_gap", "words_per_turn_ks"} \
        <= set(features)
    flagged = [r for r in fid["features"] if r["out_of_band"]]
    assert len(flagged) == len(fid["out_of_band"])
    for row in flagged:  # beyond 1.5x its band (or a band of 0)
        assert row["band"] == 0 or row["sim_vs_real"] > 1.5 * row["band"]
    for row in fid["features"]:
        if row["in_index"] and row["ratio"] is not None and row["ratio"] > 1.5:
            assert row["out_of_band"], row
    said, md = _one_line(output), _one_line((run_dir / "summary.md").read_text())
    head = f"Fidelity of the customers vs the real ones of {fid['catalog']}"
    assert head in said and head in md
    assert f"fidelity index {fid['index']:.1f} (real vs real {fid['real_vs_real_index']:.1f})" \
        in said
    for sentence in fid["out_of_band"]:  # named in words, printed and in summary.md
        assert " vs " in sentence and _one_line(sentence) in said and _one_line(sentence) in md
    return fid


def test_the_words_of_a_flagged_feature() -> None:
    assert describe("opening_info_ks", 3.1, 1.8, 0.4, 0.1) == (
        "customers give 1.8 pieces of information in their opening turn vs 3.1 real "
        "(distance 0.40, 4.0x the real-vs-real band)")
    assert describe("pushback_after_failure_gap", 0.6, 0.1, 0.5, 0.2).startswith(
        "customers push back on 10% of agent failures vs 60% real")
    assert describe("vocabulary_distance", None, None, 0.7, 0.35, 0.55).startswith(
        "customers share 30% of their vocabulary with real ones vs 45% between real customers")


def test_the_demo_reports_its_fidelity_everywhere(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(REPO / "configs" / "demo.yaml"), "--executor",
                                 "local", "--limit", "60", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    [run_dir] = list((tmp_path / "runs" / "demo").iterdir())
    fid = _check_summary(run_dir, result.output, real=69)
    assert fid["catalog"] == str(REPO / "configs" / "catalogs" / "retail")
    # Computed on the customers of one agent version, without simulator errors.
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet")
    v1 = conv.filter((pl.col("agent_version") == "v1") & (pl.col("outcome") != "simulator_error"))
    assert fid["conversations"]["simulated"] == v1.height
    # Deterministic: the same run measured again gives the same figures.
    assert campaign_fidelity(run_dir) == fid
    report = tmp_path / "report.html"
    shown = runner.invoke(app, ["report", str(run_dir), "--out", str(report)])
    assert shown.exit_code == 0, shown.output
    page = report.read_text()
    assert "Fidelity of the simulated customers" in page and "opening_info_ks" in page
    assert f"fidelity index {fid['index']:.1f}" in page


def test_a_catalog_mined_here_and_a_catalog_without_real_customers(tmp_path: Path) -> None:
    ingested = runner.invoke(app, ["ingest", str(SAMPLES / "tau_bench" / "retail_few_shot.jsonl"),
                                   "-f", "openai", "-o", str(tmp_path / "real")])
    assert ingested.exit_code == 0, ingested.output
    mined = runner.invoke(app, ["mine", str(tmp_path / "real"), "-o", str(tmp_path / "cat")])
    assert mined.exit_code == 0, mined.output
    reference = pl.read_parquet(tmp_path / "cat" / REFERENCE)
    assert reference.height == 69 and reference["words"].list.len().min() > 0
    campaign = tmp_path / "mined.yaml"
    campaign.write_text(f"""\
name: mined
seed: 5
scenarios: {{domain: retail, n: 16, catalog: {tmp_path / 'cat'}}}
personas: {{n: 6, catalog: {tmp_path / 'cat'}}}
agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
execution: {{executor: local}}
output_dir: {tmp_path / 'runs'}
""")
    result = runner.invoke(app, ["run", str(campaign)])
    assert result.exit_code == 0, result.output
    [run_dir] = list((tmp_path / "runs" / "mined").iterdir())
    fid = _check_summary(run_dir, result.output, real=69)
    assert fid["conversations"]["simulated"] == 16

    # A catalog mined before the reference existed: said, never a failed summary.
    (tmp_path / "cat" / REFERENCE).unlink()
    again = runner.invoke(app, ["run", str(campaign), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert "not measured: the catalog has no real customers to compare with" in \
        _one_line(again.output)


def test_the_real_customers_figures_do_not_follow_the_pseudonym_salt(tmp_path: Path) -> None:
    """Two imports of the same logs with different salts give other fake names ("Eira Tule",
    "Catarina Raymonde"); a full name is one piece of information either way, so every
    figure of the catalog's real customers but the words themselves is the same."""
    logs = REPO / "tests" / "data" / "packs" / "bank" / "transcripts.jsonl"
    frames = []
    for salt in ("salt-one", "salt-two"):
        out = tmp_path / salt
        ingested = runner.invoke(app, ["ingest", str(logs), "-f", "openai", "-o", str(out / "t")],
                                 env={"CONVSIM_PII_SALT": salt})
        assert ingested.exit_code == 0, ingested.output
        mined = runner.invoke(app, ["mine", str(out / "t"), "-o", str(out / "cat")])
        assert mined.exit_code == 0, mined.output
        frames.append(pl.read_parquet(out / "cat" / REFERENCE).sort("conversation_id"))
    one, two = frames
    assert one["tokens"].to_list() != two["tokens"].to_list()  # the fake names differ
    figures = [c for c in one.columns if c != "tokens"]
    assert one.select(figures).equals(two.select(figures))
