"""`convsim run` in CI: progress lines without a terminal, `--json`, the run folder said
first and kept in the JSON even when the run fails."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.cli.run import PlainProgress

runner = CliRunner()

TELECOM = """\
name: telecom-ci
seed: 3
scenarios: {{domain: telecom, n: 6}}
personas: {{n: 4}}
agents: [{{version: scripted, connector: python, reference: "telecom:scripted"}}]
execution: {{executor: local, batch_size: 2, concurrency: 2}}
output_dir: {out}
"""

DOWN = """\
name: down
scenarios: {{domain: {domain}, n: 12}}
personas: {{n: 4}}
agents: [{{version: v1, url: "http://127.0.0.1:9"}}]
execution: {{executor: local, retries: 0, turn_timeout_s: 2, batch_size: 3, concurrency: 3}}
output_dir: {out}
"""


def _campaign(tmp_path: Path, text: str, **fields: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(text.format(out=tmp_path / "runs", **fields))
    return path


@pytest.mark.parametrize("pack", ["retail", "telecom"])
def test_without_a_terminal_progress_is_plain_lines_on_stderr(
        pack: str, small_campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSIM_PROGRESS_SECONDS", "0")  # a line per finished batch
    campaign = small_campaign(n=4) if pack == "retail" else _campaign(tmp_path, TELECOM)
    result = runner.invoke(app, ["run", str(campaign)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("run folder: ")  # said first, before anything ran
    run_dir = Path(lines[0].removeprefix("run folder: "))
    assert (run_dir / "manifest.json").is_file()
    progress = [line for line in lines if line.startswith("progress ")]
    assert len(progress) >= 3, result.stderr  # the start, batches as they finish, the end
    assert "0/" in progress[0] and "ETA ?" in progress[0]
    total = json.loads((run_dir / "manifest.json").read_text())["counts"]["planned"]
    assert f"{total}/{total} conversations (100%)" in progress[-1]
    assert "conversations/s" in progress[-1] and "outcomes " in progress[-1]
    # the results stay on stdout, the progress does not
    assert "Pass rate per agent version and metric" in result.stdout
    assert "progress " not in result.stdout


def test_json_prints_the_summary_on_stdout_alone(small_campaign) -> None:
    result = runner.invoke(app, ["run", str(small_campaign(n=3)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # nothing else on stdout
    assert data["exit_code"] == 0 and data["status"] == "complete" and data["error"] is None
    assert Path(data["run_dir"]).name == data["run_id"]
    assert data["written"] == data["planned"] > 0
    assert sum(data["outcomes"].values()) == data["written"]
    rates = {(r["agent_version"], r["metric"]): r for r in data["pass_rates"]}
    assert {"v1", "v2"} == {v for v, _ in rates} and ("v1", "process") in rates
    assert data["pass_rates"] == json.loads(
        (Path(data["run_dir"]) / "summary.json").read_text())["pass_rates"]
    assert "Pass rate per agent version and metric" in result.stderr  # the table still shown


@pytest.mark.parametrize("domain", ["retail", "telecom"])
def test_a_dead_agent_still_gives_the_run_folder_and_the_json(domain: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(_campaign(tmp_path, DOWN, domain=domain)), "--json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    data = json.loads(result.stdout)
    run_dir = Path(data["run_dir"])
    assert result.stderr.splitlines()[0] == f"run folder: {run_dir}"
    assert data["exit_code"] == 2
    assert "infrastructure errors" in data["error"] or "circuit open" in data["error"]
    assert "error: " in result.stderr
    assert (run_dir / "manifest.json").is_file() and list((run_dir / "conversations").iterdir())
    assert data["written"] >= 1 and data["outcomes"].get("agent_error", 0) == data["written"]


def test_a_config_error_with_json_says_so_and_has_no_run_folder(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nscenarios: {n: 2}\nagents: [{version: v1, url: 'http://127.0.0.1:9'}]\n"
                   "execution: {executor: local, concurency: 3}\n")
    result = runner.invoke(app, ["run", str(bad), "--json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    data = json.loads(result.stdout)
    assert data["run_dir"] is None and data["exit_code"] == 2
    assert data["error"].startswith(f"{bad}: ") and "concurency" in data["error"]
    assert "concurency" in result.stderr


def test_plain_progress_beats_while_nothing_finishes(capsys: pytest.CaptureFixture[str]) -> None:
    with PlainProgress("x", every=0.2) as progress:
        progress.update(0, 10, {})
        progress.update(1, 10, {"done": 1})  # held back: too soon after the first line
        time.sleep(1.3)  # no batch finishes: the heartbeat says where the run is
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("progress x: 0/10 conversations (0%)")
    assert any(line.startswith("progress x: 1/10 conversations (10%); outcomes done=1")
               for line in lines[1:])
    assert len(lines) == 2  # and the end does not say the last state twice


def test_plain_progress_eta_from_the_rate() -> None:
    progress = PlainProgress("x", every=60)
    progress._t0 -= 10  # 10 s elapsed
    line = progress.line(50, 200, {"done": 50})
    assert "50/200 conversations (25%)" in line and "5.0 conversations/s" in line
    assert "elapsed 10s, ETA 30s" in line
