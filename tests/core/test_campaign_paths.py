"""Every relative path written in a campaign file resolves against the file's folder,
wherever convsim is started from; defaults stay in the working directory."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "tests" / "data" / "packs" / "bank"
runner = CliRunner()


def _project(tmp_path: Path, output_dir: str | None, domain: str = "retail",
             agent: str = "retail:v1") -> Path:
    """project/configs/campaign.yaml with a pack, a scenario-free plan and a prompt file."""
    configs = tmp_path / "project" / "configs"
    configs.mkdir(parents=True)
    lines = ["name: paths", "seed: 3", f"scenarios: {{domain: {domain}, n: 2}}",
             "personas: {n: 2}", "evaluators: [process, goal]",
             f"agents:\n  - {{version: v1, connector: python, reference: '{agent}'}}",
             "execution: {executor: local}", "llm: {cache_dir: ../cache}"]
    if output_dir is not None:
        lines.append(f"output_dir: {output_dir}")
    path = configs / "campaign.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_relative_paths_resolve_against_the_campaign_file(tmp_path: Path) -> None:
    path = _project(tmp_path, "../runs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with contextlib.chdir(elsewhere):
        config = load_campaign(path)
    project = (tmp_path / "project").resolve()
    assert Path(config.output_dir) == project / "runs"
    assert Path(str(config.llm.cache_dir)) == project / "cache"


def test_default_output_dir_stays_in_the_working_directory(tmp_path: Path) -> None:
    path = _project(tmp_path, None)
    with contextlib.chdir(tmp_path):
        assert load_campaign(path).output_dir == "runs"


def test_a_pack_folder_its_agent_and_its_run_land_beside_the_campaign(tmp_path: Path) -> None:
    """A user-written pack named by a relative folder, its HTTP agent started by `command:`
    in a relative `workdir`, a relative output_dir, and the run started from another
    folder: everything is found, and the run lands where the file says."""
    path = _project(tmp_path, "../runs", domain="../bank")
    shutil.copytree(BANK, tmp_path / "project" / "bank",
                    ignore=shutil.ignore_patterns("__pycache__"))
    path.write_text(path.read_text().replace(
        "{version: v1, connector: python, reference: 'retail:v1'}",
        "{version: v1, command: 'python agent.py --port {port}', workdir: ../bank}"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with contextlib.chdir(elsewhere):
        config = load_campaign(path)
        assert Path(config.scenarios.domain) == (tmp_path / "project" / "bank").resolve()
        result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code in (0, 1), result.output  # 1: the gate-like check of a run
    conversations = pl.read_parquet(tmp_path / "project" / "runs" / "paths" / "*" /
                                    "conversations" / "*.parquet")
    assert conversations.height == 2 and conversations["error"].null_count() == 2
    assert not (elsewhere / "runs").exists()


def test_a_bad_output_dir_names_the_file_and_line(tmp_path: Path) -> None:
    blocker = tmp_path / "project" / "blocker"
    path = _project(tmp_path, "../blocker/runs")
    blocker.write_text("a file, not a folder")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert str(err.value).startswith(f"{path}: output_dir: {blocker} is not a folder")
    assert str(err.value).endswith("(line 10)")
