"""Data that reads everywhere: the schema document matches the writer, pandas, polars and
DuckDB read a run and a folder of runs with their types, and the files per table stay few
(compaction keeps rows, order and resume)."""

from __future__ import annotations

import glob
import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.records import SCHEMA_VERSION
from convsim.core.results import SCHEMAS, TABLES, ResultWriter, schema_markdown
from convsim.engine.campaign import run_campaign

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

TELECOM = """\
name: telecom-data
seed: {seed}
scenarios: {{domain: telecom, n: 8}}
personas: {{n: 4}}
personas_per_scenario: 4
agents: [{{version: scripted, connector: python, reference: "telecom:scripted"}}]
execution: {{executor: local, batch_size: 3, concurrency: 3}}
output_dir: {out}
"""


def test_the_schema_document_is_generated_from_the_writer() -> None:
    doc = (REPO / "docs" / "parquet.md").read_text(encoding="utf-8")
    assert doc == schema_markdown(), ("docs/parquet.md is out of date: "
                                      "python -m convsim.core.results > docs/parquet.md")
    for table, schema in SCHEMAS.items():
        assert f"## `{table}`" in doc
        for f in schema:
            assert (f.metadata or {}).get(b"description"), f"{table}.{f.name} has no meaning"
            assert f"| `{f.name}` |" in doc
    assert f"version **{SCHEMA_VERSION}**" in doc


def _table(run_dir: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(run_dir / table / "*.parquet")


@pytest.fixture(scope="module")
def campaign_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs of a telecom campaign (seeds 1 and 2), one gated (gate.* in its folder)."""
    root = tmp_path_factory.mktemp("data")
    for seed in (1, 2):
        path = root / f"telecom-{seed}.yaml"
        path.write_text(TELECOM.format(seed=seed, out=root / "runs"))
        assert run_campaign(load_campaign(path)).written == 32
    first = sorted((root / "runs" / "telecom-data").iterdir())[0]
    policy = root / "policy.yaml"
    policy.write_text("min_conversations: 1\n")
    gated = runner.invoke(app, ["gate", str(first), "--policy", str(policy)])
    assert (first / "gate.json").is_file(), gated.output
    return root / "runs" / "telecom-data"


def test_runs_are_compacted_to_one_file_per_table(campaign_folder: Path) -> None:
    for run_dir in campaign_folder.iterdir():
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["compacted_parts"] == 10  # 11 batches of 3 -> 1 file
        for table in TABLES:
            files = sorted(p.name for p in (run_dir / table).iterdir())
            assert files == ["part-00010.parquet"], (table, files)  # Parquet only
        assert pq.ParquetFile(run_dir / "conversations" / "part-00010.parquet").metadata \
            .num_rows == 32


def test_pandas_reads_a_run_and_every_run_with_their_types(campaign_folder: Path) -> None:
    import pandas as pd  # a test dependency
    run_dir = sorted(campaign_folder.iterdir())[0]
    scores = pd.read_parquet(run_dir / "scores")  # a table folder of one run
    assert str(scores["passed"].dtype) == "boolean"  # not object
    assert str(scores["repetition"].dtype) == "Int32"
    assert scores["passed"].isna().sum() == (scores["status"] != "scored").sum()
    assert scores["passed"].sum() == _table(run_dir, "scores")["passed"].sum()
    conversations = pd.read_parquet(run_dir / "conversations")
    assert str(conversations["escalated"].dtype) == "boolean"
    assert str(conversations["persona_patience"].dtype) == "Int32"
    assert str(conversations["started_at"].dtype) == "datetime64[us, UTC]"
    turns = pd.read_parquet(run_dir / "turns")
    assert str(turns["interrupted"].dtype) == "boolean" and str(turns["unsure"].dtype) == "boolean"
    every = pd.read_parquet(sorted(glob.glob(str(campaign_folder / "*" / "scores" / "*.parquet"))))
    assert len(every) == sum(len(_table(r, "scores")) for r in campaign_folder.iterdir())
    assert str(every["passed"].dtype) == "boolean" and every["run_id"].nunique() == 2


def test_polars_and_duckdb_read_every_run_of_the_campaign(campaign_folder: Path) -> None:
    pattern = str(campaign_folder / "*" / "scores" / "*.parquet")
    scores = pl.scan_parquet(pattern).collect()
    assert scores.schema["passed"] == pl.Boolean and scores["run_id"].n_unique() == 2
    conversations = pl.read_parquet(str(campaign_folder / "*" / "conversations" / "*.parquet"))
    assert conversations.height == 64 and conversations.schema["escalated"] == pl.Boolean
    import duckdb  # a test dependency
    rows = duckdb.sql(f"SELECT run_id, count(*) AS n, sum(passed::int) AS passed "
                      f"FROM read_parquet('{pattern}') WHERE status = 'scored' GROUP BY ALL "
                      f"ORDER BY ALL").fetchall()
    expected = (scores.filter(pl.col("status") == "scored").group_by("run_id")
                .agg(n=pl.len(), passed=pl.col("passed").cast(pl.Int64).sum()).sort("run_id"))
    assert rows == list(expected.iter_rows())
    kinds = dict(duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{pattern}')")
                 .fetchall()[i][:2] for i in range(len(SCHEMAS["scores"])))
    assert kinds["passed"] == "BOOLEAN" and kinds["evidence"] == "INTEGER[]"


@pytest.fixture(scope="module")
def retail_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A retail run kept in its batch files (no compaction yet): 40 conversations, batches
    of 3 -> 14 part files per table."""
    root = tmp_path_factory.mktemp("retail")
    path = root / "retail.yaml"
    path.write_text(f"""\
name: retail-data
seed: 5
scenarios: {{n: 10}}
personas: {{n: 4}}
perturbations: [clean, noisy_text]
agents: [{{version: v1, reference: "retail:v1"}}, {{version: v2, reference: "retail:v2"}}]
execution: {{executor: local, batch_size: 3, concurrency: 6}}
output_dir: {root / 'runs'}
""")
    info = run_campaign(load_campaign(path))
    assert info.written == 40
    return info.run_dir


def _content(run_dir: Path) -> dict[str, pl.DataFrame]:
    return {t: _table(run_dir, t) for t in TABLES}


def _uncompacted(run_dir: Path, into: Path, per_part: int) -> Path:
    """The run's rows written again as batch part files of `per_part` conversations."""
    shutil.rmtree(into, ignore_errors=True)
    writer = ResultWriter(into, "r")
    content = _content(run_dir)
    ids = content["conversations"]["conversation_id"].to_list()
    for i in range(0, len(ids), per_part):
        chunk = set(ids[i:i + per_part])
        writer.write_tables({t: frame.filter(pl.col("conversation_id").is_in(chunk)).to_arrow()
                             .cast(SCHEMAS[t]) for t, frame in content.items()})
    return into


def test_compaction_keeps_rows_and_order_and_bounds_the_files(retail_run: Path,
                                                              tmp_path: Path) -> None:
    before = _content(retail_run)
    run = _uncompacted(retail_run, tmp_path / "run", per_part=3)
    assert len(list((run / "turns").iterdir())) == 14
    merged = ResultWriter(run, "r").compact(max_conversations=10)
    assert merged == 14 - 5  # 40 conversations in 13 parts of 3 and one of 1, at most 10
    # per file: 3+3+3 | 3+3+3 | 3+3+3 | 3+3+3 | 3+1 -> 5 files
    for table in TABLES:
        names = sorted(p.name for p in (run / table).iterdir())
        assert names == ["part-00002.parquet", "part-00005.parquet", "part-00008.parquet",
                         "part-00011.parquet", "part-00013.parquet"], (table, names)
        assert _table(run, table).equals(before[table]), table  # same rows, same order
    assert ResultWriter(run, "r").compact(max_conversations=10) == 0  # nothing left to merge
    # resume numbers new parts after the merged ones, and done ids are all there
    again = ResultWriter(run, "r")
    assert again.done_ids() == set(before["conversations"]["conversation_id"])
    again.write_tables({})
    assert (run / "conversations" / "part-00014.parquet").is_file()


@pytest.mark.parametrize("cut", ["before_switch", "between_renames", "after_switch"])
def test_a_compaction_cut_short_is_finished_or_undone(retail_run: Path, tmp_path: Path,
                                                       cut: str) -> None:
    before = _content(retail_run)
    run = _uncompacted(retail_run, tmp_path / "run", per_part=3)
    done = _uncompacted(retail_run, tmp_path / "done", per_part=3)
    ResultWriter(done, "r").compact()
    # the turns table as a crash would leave it
    staging, old = run / ".compact-turns", run / ".old-turns"
    shutil.copytree(done / "turns", staging)
    if cut != "before_switch":
        (run / "turns").rename(old)
    if cut == "after_switch":
        staging.rename(run / "turns")
    if cut == "before_switch":  # and a half-written merged file
        (staging / "part-00013.parquet").write_bytes(b"PAR1 cut")
    ResultWriter(run, "r")
    assert not staging.exists() and not old.exists()
    assert _table(run, "turns").equals(before["turns"])
    files = len(list((run / "turns").iterdir()))
    assert files == (14 if cut == "before_switch" else 1)


def test_a_resumed_run_is_compacted_again_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "telecom.yaml"
    path.write_text(TELECOM.format(seed=9, out=tmp_path / "runs"))
    config = load_campaign(path)
    first = run_campaign(config, limit=10)
    assert [p.name for p in (first.run_dir / "scores").iterdir()] == ["part-00003.parquet"]
    rest = run_campaign(config, resume=first.run_dir)
    assert rest.written == 22 and rest.skipped == 10
    conversations = _table(first.run_dir, "conversations")
    assert conversations.height == 32 and conversations["conversation_id"].n_unique() == 32
    for table in TABLES:
        assert [p.name for p in (first.run_dir / table).iterdir()] == ["part-00011.parquet"]
    fresh = run_campaign(config, out_dir=tmp_path / "fresh")
    for table, frame in _content(fresh.run_dir).items():
        drop = [c for c in ("run_id", "latency_ms", "started_at", "ended_at") if c in frame.columns]
        keys = {"conversations": ["conversation_id"], "turns": ["conversation_id", "turn_index"],
                "tool_calls": ["conversation_id", "seq"],
                "scores": ["conversation_id", "evaluator", "metric"]}[table]
        assert frame.drop(drop).sort(keys).equals(
            _table(first.run_dir, table).drop(drop).sort(keys)), table


def test_a_failed_compaction_keeps_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self: ResultWriter, max_conversations: int = 0) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ResultWriter, "compact", full_disk)
    path = tmp_path / "telecom.yaml"
    path.write_text(TELECOM.format(seed=3, out=tmp_path / "runs"))
    info = run_campaign(load_campaign(path))
    assert info.written == 32 and any("not merged" in note and "No space left" in note
                                      for note in info.notes)
    manifest = json.loads((info.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and "compacted_parts" not in manifest
    assert len(list((info.run_dir / "scores").iterdir())) == 11  # the batch files, all there
    assert _table(info.run_dir, "conversations").height == 32
