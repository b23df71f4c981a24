"""The run summary read bucket by bucket (flat memory at a million conversations) gives the
numbers of the whole-run analytics the gate and the report use: on the demo (two versions,
two profiles, identical repetitions counted once) and on the same rows left as many batch
part files (an interrupted run), split over many buckets, file groups and turn batches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.core.results import TABLES, ResultWriter
from convsim.decisions import analytics as an
from convsim.decisions import summary
from convsim.engine.campaign import run_campaign

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
BYS = [("agent_version", "metric"), ("agent_version", "perturbation", "metric"),
       ("agent_version", "intent", "metric")]


REPEATED = """\
name: counted
seed: 5
repetitions: 4
scenarios: {n: 6}
personas: {n: 2}
agents:
  - {version: v1, connector: python, reference: "retail:v1"}
  - {version: v2, connector: python, reference: "retail:v2"}
evaluators: [process, goal]
execution: {executor: local, batch_size: 6, concurrency: 4}
"""


@pytest.fixture(scope="module", params=["demo", "repeated"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo (two profiles), and a campaign whose repetitions play out word for word."""
    out = tmp_path_factory.mktemp("runs")
    path = DEMO
    if request.param == "repeated":
        path = out / "campaign.yaml"
        path.write_text(REPEATED)
    config = load_campaign(path)
    config = config.model_copy(update={"output_dir": str(out), "execution": config.execution
                                       .model_copy(update={"executor": "local"})})
    return run_campaign(config).run_dir


def _whole(run: Path, by: tuple[str, ...]) -> list[dict[str, object]]:
    """The summary's rows as the whole-run analytics compute them."""
    rates = an.pass_rates(an.load_runs(run).with_text_hashes(), by=list(by))
    return rates.select(
        *by, conversations=pl.col("scored").cast(pl.Int64), scored=pl.col("n_unique"),
        passed="passed", pass_rate="pass_rate", ci_low="ci_low", ci_high="ci_high",
        design_effect="design_effect",
        not_applicable=pl.col("not_applicable").fill_null(0).cast(pl.Int64),
        unscored=pl.col("unscored").fill_null(0).cast(pl.Int64)).sort(list(by)).to_dicts()


def _as_parts(run: Path, dest: Path, per_part: int) -> Path:
    """The run's rows written again as batch part files of `per_part` conversations."""
    shutil.rmtree(dest, ignore_errors=True)
    tables = {t: pl.read_parquet(run / t / "*.parquet") for t in TABLES}
    ids = tables["conversations"]["conversation_id"].to_list()
    writer = ResultWriter(dest, run.name)
    for start in range(0, len(ids), per_part):
        chunk = ids[start:start + per_part]
        writer.write_tables({t: f.filter(pl.col("conversation_id").is_in(chunk)).to_arrow()
                             for t, f in tables.items()})
    for name in ("manifest.json",):
        shutil.copy(run / name, dest / name)
    return dest


def test_buckets_give_the_whole_run_numbers(run: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    demo_run = run
    whole = {by: _whole(demo_run, by) for by in BYS}
    counts = an.conversation_counts(an.load_runs(demo_run))
    if demo_run.parent.name == "counted":  # identical repetitions count once
        assert all(n > d for n, d in counts.values())
    else:  # two profiles: summary.json has the table per profile
        assert len(whole[BYS[1]]) > len(whole[BYS[0]]) >= 10
    # Compacted demo, default sizes: one bucket.
    for by in BYS:
        assert summary.summarize_run(demo_run, by).to_dicts() == whole[by], by
    # Batch part files of 30 conversations, file groups of ~100 read in slices of ~25,
    # buckets of ~20.
    monkeypatch.setattr(summary, "BUCKET_CONVERSATIONS", 20)
    monkeypatch.setattr(summary, "UNIT_CONVERSATIONS", 100)
    monkeypatch.setattr(summary, "SLICE_CONVERSATIONS", 25)  # files read in slices
    summary._CACHE.clear()
    for by in BYS:  # the compacted run (one file per table) read in slices, in buckets
        assert summary.summarize_run(demo_run, by).to_dicts() == whole[by], by
    parts = _as_parts(demo_run, tmp_path / demo_run.name, 30)
    assert len(list((parts / "turns").glob("*.parquet"))) >= 2
    keyed = summary._keyed(parts)
    assert isinstance(keyed, summary._Keyed) and keyed.n_buckets >= 2
    for by in BYS:
        assert summary.summarize_run(parts, by).to_dicts() == whole[by], by
    assert summary.count_notes(parts) == [
        f"{v}: {an.count_phrase(*counts[v])}" for v in sorted(counts)]
    summary.write_summary(parts)
    for name in ("summary.json", "summary.md"):  # what the run wrote, byte for byte
        assert (parts / name).read_bytes() == (demo_run / name).read_bytes(), name
    assert json.loads((parts / "summary.json").read_text())["pass_rates"]


def test_a_folder_whose_tables_do_not_match_is_read_whole(run: Path, tmp_path: Path) -> None:
    demo_run = run
    copy = tmp_path / demo_run.name
    shutil.copytree(demo_run, copy)
    (only,) = list((copy / "turns").glob("*.parquet"))
    pq.write_table(pq.read_table(only), only.with_name("extra-0.parquet"))
    only.unlink()
    assert isinstance(summary._keyed(copy), an.Runs)
    assert summary.summarize_run(copy).to_dicts() == _whole(demo_run, BYS[0])
