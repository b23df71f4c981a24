"""`convsim scenarios from-transcript --all` reads an ingested folder a range of conversation
ids at a time (flat memory on a million imported conversations) and makes the same
scenarios, in the same order, as one conversation at a time: on the Kite chats with their
tool log and a domain pack, and on ABCD without one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.packs.discovery import find_domain
from convsim.scenarios import regression
from convsim.scenarios.ingest import ingest_transcripts

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
KITE = TESTS / "data" / "packs" / "kite"
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"
runner = CliRunner()


def _one_at_a_time(transcripts: Path, catalog: Path | None, pack: object) -> list[str]:
    return [regression.scenario_from_transcript(c, transcripts, catalog, pack).model_dump_json()
            for c in regression.all_conversation_ids(transcripts)]


def test_ranges_make_what_one_at_a_time_makes(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_transcripts([TESTS / "data" / "replay" / "kite_chats.jsonl"], "openai",
                       tmp_path / "kite", salt="s", domain=find_domain(str(KITE)))
    ingest_transcripts([SAMPLES / "abcd" / "abcd_sample.jsonl"], "abcd", tmp_path / "abcd",
                       salt="s")
    pack = find_domain(str(KITE))
    monkeypatch.setattr(regression, "RANGE_CONVERSATIONS", 2)  # several ranges, one short
    for transcripts, catalog, domain in ((tmp_path / "kite", None, pack),
                                         (tmp_path / "abcd", None, None)):
        expected = _one_at_a_time(transcripts, catalog, domain)
        assert len(expected) > 2
        made = [s.model_dump_json() for s in regression.iter_scenarios_from_transcripts(
            transcripts, catalog, domain)]
        assert made == expected


def test_all_to_json_lines_streams_the_same_scenarios_as_yaml(tmp_path: Path) -> None:
    env = {"CONVSIM_PII_SALT": "s"}
    transcripts = tmp_path / "t"
    done = runner.invoke(app, ["ingest", str(TESTS / "data" / "replay" / "kite_chats.jsonl"),
                               "--format", "openai", "--domain", str(KITE), "--out",
                               str(transcripts)], env=env)
    assert done.exit_code == 0, done.output
    outputs = {}
    for name in ("s.yaml", "s.jsonl"):
        res = runner.invoke(app, ["scenarios", "from-transcript", "--all", "-t", str(transcripts),
                                  "--domain", str(KITE), "--out", str(tmp_path / name)], env=env)
        assert res.exit_code == 0, res.output
        assert "backend state rebuilt for 14 of 14 conversations" in res.output
        assert "14 written to" in res.output
        outputs[name] = res.output
    lines = (tmp_path / "s.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in lines] == yaml.safe_load((tmp_path / "s.yaml").read_text())
    assert not list(tmp_path.glob(".*.tmp"))
    # An unusable folder: one line, exit 2, no file left behind.
    bad = runner.invoke(app, ["scenarios", "from-transcript", "--all", "-t", str(tmp_path / "no"),
                              "--out", str(tmp_path / "x.jsonl")])
    assert bad.exit_code == 2 and "not an ingested transcripts folder" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "x.jsonl").exists()
