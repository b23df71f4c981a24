"""`Manifest`: a run folder's manifest.json, on real files: a new run's, a resumed one's,
the refusals of a resume (live driver, changed plan, other schema), status transitions,
counts and atomic saves."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.core.config import CampaignConfig
from convsim.core.errors import CampaignError
from convsim.core.records import SCHEMA_VERSION, stable_hash
from convsim.engine.manifest import STATUSES, Manifest, current_driver, plan_of

CAMPAIGN = """\
name: kept
seed: {seed}
scenarios: {{n: 3}}
personas: {{n: 2}}
agents:
  - {{version: v1, reference: "retail:v1"}}
execution: {{executor: local, batch_size: 2}}
output_dir: {out}
"""


def config(tmp_path: Path, seed: int = 11) -> CampaignConfig:
    path = tmp_path / f"campaign-{seed}.yaml"
    path.write_text(CAMPAIGN.format(seed=seed, out=tmp_path / "runs"))
    return load_campaign(path)


def session(written: int = 0, **extra: Any) -> dict[str, Any]:
    """A session's counts as `RunInfo.session_counts` makes them."""
    return {"planned": 6, "written": written, "skipped_already_done": 0, "errors": 0,
            "simulator_errors": 0, "unknown_tool_calls": extra.pop("unknown", {}),
            "llm": {"calls": extra.pop("calls", 0), "models": []}, "turns": 4 * written,
            "outcomes": {"completed": written} if written else {}, "rate_limited": 0,
            "not_started": 6 - written} | extra


def write_conversations(run_dir: Path, outcomes: list[str], name: str = "part-0") -> None:
    """A conversations part file with the columns the totals read."""
    (run_dir / "conversations").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"outcome": outcomes, "error": [None] * len(outcomes),
                             "n_turns": [3] * len(outcomes)}),
                   run_dir / "conversations" / f"{name}.parquet")


def read(run_dir: Path) -> dict[str, Any]:
    data = json.loads((run_dir / "manifest.json").read_text())
    assert isinstance(data, dict)
    return data


def started(tmp_path: Path, cfg: CampaignConfig) -> Manifest:
    """A new run's manifest, begun in its (created) folder."""
    run_dir = tmp_path / "runs" / "kept" / "r1"
    run_dir.mkdir(parents=True)
    manifest = Manifest.new(run_dir, "r1", cfg.model_dump(mode="json"))
    manifest.begin(cfg, limit=None, planned=6, started_at=datetime.now(UTC), t0=0.0)
    return manifest


def test_a_new_manifest_is_written_at_begin_with_its_plan_and_driver(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    manifest = Manifest.new(run_dir, "r1", cfg.model_dump(mode="json"))
    assert not manifest.resumed and not (run_dir / "manifest.json").exists()
    manifest.begin(cfg, limit=4, planned=4, started_at=datetime(2026, 1, 2, tzinfo=UTC), t0=0.0)
    data = read(run_dir)
    assert data["status"] == "running" and data["run_id"] == "r1" and data["limit"] == 4
    assert data["plan"]["seed"] == 11 and data["plan"]["agent_versions"] == ["v1"]
    assert data["plan_fingerprint"] == stable_hash(plan_of(cfg.model_dump(mode="json")))
    assert data["driver"] == current_driver() and data["counts"] == {"planned": 4}
    assert data["schema_version"] == SCHEMA_VERSION and "resumes" not in data
    assert data["started_at"] == "2026-01-02T00:00:00+00:00"
    assert sorted(p.name for p in run_dir.iterdir()) == ["manifest.json"]  # no temp file left


def test_status_goes_from_running_to_an_end_and_the_folder_is_the_final_truth(
        tmp_path: Path) -> None:
    manifest = started(tmp_path, config(tmp_path))
    run_dir = manifest.run_dir
    write_conversations(run_dir, ["completed", "transferred"])
    manifest.save("running", session(written=3))
    data = read(run_dir)
    # While running: the folder as it was at begin (empty) plus the session's tally.
    assert data["status"] == "running" and data["counts"]["written"] == 3
    assert data["driver"] == current_driver() and data["counts"]["not_started"] == 3
    manifest.record(stop_reason="circuit open: x")  # run-level keys, written at the next save
    assert read(run_dir).get("stop_reason") is None
    manifest.finish("complete", session(written=3))
    data = read(run_dir)
    assert data["stop_reason"] == "circuit open: x"
    # The end: counts read from the folder (2 written), the driver gone, the session ended.
    assert data["status"] == "complete" and "driver" not in data
    assert data["counts"]["written"] == 2 and data["ended_at"] == data["updated_at"]
    assert data["counts"]["outcomes"] == {"completed": 1, "transferred": 1}
    assert data["counts"]["turns"] == 6 and data["counts"]["planned"] == 6
    with pytest.raises(ValueError, match="unknown run status 'done'"):
        manifest.save("done", session())
    assert set(STATUSES) >= {"complete", "interrupted", "failed", "stopped_by_budget",
                             "stopped_by_circuit_breaker"}


def test_a_save_is_atomic_a_failed_write_leaves_the_last_manifest(tmp_path: Path) -> None:
    manifest = started(tmp_path, config(tmp_path))
    manifest.save("running", session(written=1))
    before = (manifest.path).read_bytes()
    (manifest.run_dir / "manifest.json.tmp").mkdir()  # the temp file cannot be written
    with pytest.raises(OSError):
        manifest.save("complete", session(written=2))
    assert manifest.path.read_bytes() == before
    assert read(manifest.run_dir)["status"] == "running"


def test_resume_keeps_the_identity_and_appends_the_session(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    first = started(tmp_path, cfg)
    write_conversations(first.run_dir, ["completed", "completed"])
    first.finish("stopped_by_budget", session(written=2, calls=5, unknown={"refund": 1}))
    identity = {k: read(first.run_dir)[k] for k in ("run_id", "started_at", "config", "seed")}
    notes: list[str] = []
    again = Manifest.open(first.run_dir, cfg.model_dump(mode="json"), notes)
    assert again.resumed and again.run_id == "r1" and notes == []
    again.check_schema()
    again.begin(cfg, limit=None, planned=6, started_at=datetime.now(UTC), t0=0.0)
    data = read(first.run_dir)
    assert data["status"] == "running" and data["resumes"][0]["previous_status"] == \
        "stopped_by_budget"
    write_conversations(first.run_dir, ["abandoned"], name="part-1")
    again.finish("complete", session(written=1, calls=2, unknown={"refund": 2}))
    data = read(first.run_dir)
    assert {k: data[k] for k in identity} == identity
    assert data["status"] == "complete" and len(data["resumes"]) == 1
    assert data["resumes"][0]["status"] == "complete" and data["resumes"][0]["written"] == 1
    # Totals over the whole folder; LLM calls and unknown tools summed over the sessions.
    counts = data["counts"]
    assert counts["written"] == 3 and counts["outcomes"] == {"completed": 2, "abandoned": 1}
    assert counts["llm"]["calls"] == 7 and counts["unknown_tool_calls"] == {"refund": 3}
    assert counts["this_session"]["written"] == 1 and counts["this_session"]["llm"]["calls"] == 2


def test_a_resume_that_wrote_nothing_leaves_the_manifest_as_it_was(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    first = started(tmp_path, cfg)
    first.finish("complete", session())
    original = first.path.read_bytes()
    for status in ("failed", "interrupted"):
        again = Manifest.open(first.run_dir, cfg.model_dump(mode="json"), [])
        again.begin(cfg, limit=None, planned=6, started_at=datetime.now(UTC), t0=0.0)
        assert read(first.run_dir)["status"] == "running"
        again.finish(status, session())
        assert first.path.read_bytes() == original
    # A resume that ends well is recorded even when it had nothing left to write.
    again = Manifest.open(first.run_dir, cfg.model_dump(mode="json"), [])
    again.begin(cfg, limit=None, planned=6, started_at=datetime.now(UTC), t0=0.0)
    again.finish("complete", session())
    assert len(read(first.run_dir)["resumes"]) == 1


def test_resume_refuses_a_live_driver_and_takes_over_a_dead_one(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    first = started(tmp_path, cfg)  # running, driven by this (live) process
    with pytest.raises(CampaignError, match=rf"r1: the run is in progress \(process "
                                            rf"{os.getpid()} on this host\)"):
        Manifest.open(first.run_dir, cfg.model_dump(mode="json"), [])
    dead = subprocess.Popen(["true"])
    dead.wait()
    data = read(first.run_dir)
    data["driver"] = {"pid": dead.pid, "host": os.uname().nodename, "process_start": "1"}
    first.path.write_text(json.dumps(data))
    notes: list[str] = []
    Manifest.open(first.run_dir, cfg.model_dump(mode="json"), notes)
    assert len(notes) == 1 and f"process {dead.pid} is gone" in notes[0]
    assert read(first.run_dir)["driver"]["pid"] == dead.pid  # opening touches nothing


def test_resume_refuses_another_plan_and_names_the_differences(tmp_path: Path) -> None:
    first = started(tmp_path, config(tmp_path, seed=11))
    first.finish("complete", session())
    other = config(tmp_path, seed=12).model_dump(mode="json")
    with pytest.raises(CampaignError, match="plans other conversations") as refused:
        Manifest.open(first.run_dir, other, [])
    assert "seed: run 11, this config 12" in str(refused.value)
    other["agents"].append(dict(other["agents"][0], version="v2"))
    with pytest.raises(CampaignError, match=r"agent_versions: run \['v1'\], this config "
                                            r"\['v1', 'v2'\]"):
        Manifest.open(first.run_dir, other, [])


def test_resume_refuses_what_is_not_a_run_of_this_convsim(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CampaignError, match="not a run folder"):
        Manifest.open(empty, cfg.model_dump(mode="json"), [])
    (empty / "manifest.json").write_text("[1, 2")
    with pytest.raises(CampaignError, match="unreadable manifest"):
        Manifest.open(empty, cfg.model_dump(mode="json"), [])
    first = started(tmp_path, cfg)
    first.finish("complete", session())
    data = read(first.run_dir) | {"schema_version": "0"}
    first.path.write_text(json.dumps(data))
    old = Manifest.open(first.run_dir, cfg.model_dump(mode="json"), [])
    with pytest.raises(CampaignError, match="written by another convsim"):
        old.check_schema()
