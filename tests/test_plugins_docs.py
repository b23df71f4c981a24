"""docs/plugins.md's examples run as written: one per plug-in kind, each in an empty folder.

A code block after `<!-- file: NAME -->` is written to NAME; a `bash` block is run there
(with `PYTHONPATH=.`, as the page says); then what the example promises is checked on the
files it wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import polars as pl
import pytest

from convsim.core.registry import KINDS

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
BLOCK = re.compile(r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def _sections() -> dict[str, str]:
    parts = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {p.split("\n", 1)[0].strip(): p for p in parts[1:]}


def _run_example(title: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": ".",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    ran = []
    for block in BLOCK.finditer(_sections()[title]):
        if block["file"]:
            (folder / block["file"]).write_text(block["body"], encoding="utf-8")
        elif block["lang"] == "bash":
            done = subprocess.run(["bash", "-e", "-c", block["body"]], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
            assert "Traceback" not in done.stderr
            ran.append(done)
    assert ran, f"{title}: nothing to run"
    return ran


def _tables(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(next((folder / "runs").glob("*/*")) / table / "*.parquet")


def test_every_kind_has_an_example_and_registered_groups_are_real() -> None:
    titles = set(_sections())
    assert {"Evaluator", "Connector", "Customer", "Importer", "Executor", "Domain pack"} <= titles
    for block in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if block["lang"] == "toml":
            groups = tomllib.loads(block["body"])["project"]["entry-points"]
            assert {g.removeprefix("convsim.") for g in groups} <= set(KINDS)


def test_evaluator_example(tmp_path: Path) -> None:
    (done,) = _run_example("Evaluator", tmp_path)
    scores = _tables(tmp_path, "scores").filter(pl.col("evaluator") == "short_replies")
    assert scores.height == 4 and scores["passed"].is_not_null().all()
    assert "short_replies" in done.stdout


def test_connector_example(tmp_path: Path) -> None:
    _run_example("Connector", tmp_path)
    turns = _tables(tmp_path, "turns").filter(pl.col("role") == "agent")
    assert turns.height >= 3 and turns["text"].str.starts_with("Welcome to Acme.").all()
    conversations = _tables(tmp_path, "conversations")
    assert set(conversations["agent_version"]) == {"desk-1"} and conversations.height == 3
    assert _tables(tmp_path, "scores").filter(pl.col("evaluator") == "escalation").height == 3


def test_customer_example(tmp_path: Path) -> None:
    _run_example("Customer", tmp_path)
    conversations = _tables(tmp_path, "conversations")
    assert conversations.height == 3
    assert "abandoned" in set(conversations["outcome"])
    assert conversations["n_customer_turns"].max() <= 3
    customer = _tables(tmp_path, "turns").filter(pl.col("role") == "customer")
    assert customer.filter(pl.col("text") == "No time for this, bye.").height >= 1


def test_importer_example(tmp_path: Path) -> None:
    _run_example("Importer", tmp_path)
    conversations = pl.read_parquet(tmp_path / "ingested" / "conversations" / "*.parquet")
    assert conversations.height == 1
    quarantine = pl.read_parquet(tmp_path / "ingested" / "quarantine" / "*.parquet")
    assert quarantine.height == 1 and "robot" in quarantine["reason"][0]


def test_executor_example(tmp_path: Path) -> None:
    (done,) = _run_example("Executor", tmp_path)
    assert done.stderr.count("timed: batch done") == 2  # 3 conversations, batches of 2
    assert _tables(tmp_path, "conversations").height == 3


@pytest.mark.parametrize("title", ["Domain pack"])
def test_domain_pack_example(tmp_path: Path, title: str) -> None:
    done = _run_example(title, tmp_path)[-1]
    assert "acme" in done.stdout
