"""Offline outputs do not follow the clock: the same inputs give the same scrubbed transcripts,
conversations and scores on any day, at any hour, in any time zone.

Each path runs under two clocks far apart (time-machine moves the date, the time of day and
the local zone of this process): New Year's Eve afternoon in Los Angeles, when it is already
1 January 2027 in UTC, and a winter morning in Auckland in 2031, when it is still 30 June in
UTC. Ray workers and subprocesses keep the real clock; benchmarks/RESULTS.md ("Dates and time
zones") says how those were checked instead. The probe builders in benchmarks/ are checked
under a moved clock by tests/scenarios/probe_checks.assert_builder_writes, as is here the one in
tests/data.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import time_machine

REPO = Path(__file__).resolve().parents[1]
CLOCKS = (dt.datetime(2026, 12, 31, 16, 30, tzinfo=ZoneInfo("America/Los_Angeles")),
          dt.datetime(2031, 7, 1, 3, 0, tzinfo=ZoneInfo("Pacific/Auckland")))
RUN_IDS = ("20270101T00", "20310630T15")  # each clock's UTC hour, as a run id starts
CLOCK_COLUMNS = {"run_id", "started_at", "ended_at", "latency_ms"}
"""What may differ between two runs of the same config: when and how fast they ran."""
TABLE_KEYS = {"conversations": ["conversation_id"], "turns": ["conversation_id", "turn_index"],
              "tool_calls": ["conversation_id", "seq"],
              "scores": ["conversation_id", "evaluator", "metric"]}

# Dates a scrubber must read the same whatever today is: a receipt fifteen years before 2026
# (16 years old from 2027, when the scrubber read the year from the clock), a birth date after
# 2026 (a real one from 2027), a two-digit year (its century counted from today's year).
DATED = ("Hi, my order from the receipt dated 03/04/2011 never came.",
         "I was born 14/02/2027, the order was 12/05/10.",
         "Kid's birthday 5/6/27 so it has to arrive by then.",
         "It was delivered on 21.11.2010 but the box was empty.")


def test_the_clocks_differ_in_date_hour_and_zone() -> None:
    local = []
    for when in CLOCKS:
        with time_machine.travel(when, tick=False):
            local.append((dt.date.today(), dt.datetime.now().astimezone().utcoffset()))
    assert local[0][0].year != local[1][0].year and local[0][1] != local[1][1]
    assert [f"{w.astimezone(dt.UTC):%Y%m%dT%H}" for w in CLOCKS] == list(RUN_IDS)


def test_the_scrubber_reads_dates_the_same_on_any_day() -> None:
    from convsim.scenarios.pii import Scrubber

    outputs = []
    for when in CLOCKS:
        with time_machine.travel(when, tick=False):
            scrubber = Scrubber("clock")
            scrubbed = []
            for text in DATED:
                scrubber.begin([], [text])
                scrubbed.append(scrubber.scrub(text))
            outputs.append(scrubbed)
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == DATED[0]  # an order date, on any day


def test_ingested_transcripts_are_the_same_on_any_day(tmp_path: Path) -> None:
    from convsim.scenarios.ingest import ingest_transcripts

    source = tmp_path / "dated.jsonl"
    source.write_text(json.dumps({"id": "dated-1", "messages": [
        {"role": "user" if i % 2 == 0 else "assistant", "content": text}
        for i, text in enumerate(DATED)]}) + "\n")
    turns = []
    for i, when in enumerate(CLOCKS):
        with time_machine.travel(when, tick=True):
            report = ingest_transcripts([source], "openai", tmp_path / f"out{i}", salt="clock")
        assert report.imported == 1
        turns.append(pl.read_parquet(tmp_path / f"out{i}" / "turns" / "*.parquet")
                     .select("conversation_id", "turn_index", "role", "text").sort("turn_index"))
    assert turns[0].height == len(DATED) and turns[0].equals(turns[1])


def test_the_external_probe_builder_writes_its_file_on_any_day(tmp_path: Path) -> None:
    """tests/data/make_pii_probe_external.py draws Faker dates of birth, which count back from
    today: it rebuilt pii_probe_external.jsonl only on the day it was built."""
    spec = importlib.util.spec_from_file_location(
        "probe_checks", REPO / "tests" / "scenarios" / "probe_checks.py")
    assert spec and spec.loader
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    data = REPO / "tests" / "data"
    checks.assert_builder_writes(data / "make_pii_probe_external.py", data / "pii_probe_external.jsonl",
                                 ("tau_bench", "tau2_bench"), tmp_path)


def _tables(run_dir: Path) -> dict[str, pl.DataFrame]:
    tables = {}
    for table, keys in TABLE_KEYS.items():
        frame = pl.read_parquet(run_dir / table / "*.parquet")
        tables[table] = frame.select(c for c in frame.columns if c not in CLOCK_COLUMNS).sort(keys)
    return tables


def _run_under(when: dt.datetime, config: Path, out: Path) -> Path:
    """`convsim run CONFIG --executor local --out OUT` in this process, at `when`."""
    from typer.testing import CliRunner

    from convsim.cli.main import app

    with time_machine.travel(when, tick=True):
        result = CliRunner().invoke(app, ["run", str(config), "--executor", "local", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [manifest] = out.glob("*/*/manifest.json")
    return manifest.parent


TELECOM = """\
name: telecom
seed: 5
repetitions: 1
scenarios: {domain: telecom, n: 14}
personas: {n: 6}
agents:
  - {version: v1, connector: python, target: "convsim.domains.telecom.agent:make"}
execution: {executor: local, batch_size: 5, concurrency: 4}
"""


@pytest.mark.parametrize("campaign", ["demo", "telecom"])
def test_a_campaign_plays_and_scores_the_same_on_any_day(campaign: str, tmp_path: Path) -> None:
    """The demo (retail, a mined catalog, noise and tool faults, two agent versions over HTTP)
    and a telecom campaign (a pack whose bills and birth dates are dates) played on two days."""
    config = REPO / "configs" / "demo.yaml"
    if campaign == "telecom":
        config = tmp_path / "telecom.yaml"
        config.write_text(TELECOM)
    runs = [_run_under(when, config, tmp_path / f"runs{i}") for i, when in enumerate(CLOCKS)]
    assert [r.name[:11] for r in runs] == list(RUN_IDS)  # the clock did move
    first, second = _tables(runs[0]), _tables(runs[1])
    assert first["conversations"].height >= 14
    for table in TABLE_KEYS:
        assert first[table].equals(second[table]), table
