"""The browser checks: they run where a Chromium is, are skipped with the reason said
elsewhere, and are required under CI=true (tests/conftest.py: `requires_browser`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()


@pytest.mark.requires_browser
def test_the_chromium_fixture_gives_an_executable(chromium: str) -> None:
    assert os.access(chromium, os.X_OK)


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_without_a_browser(ci: str, outcome: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    env.update(CI=ci, CONVSIM_CHROMIUM=str(tmp_path / "no-chromium"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rsf",
         f"{HERE}::test_the_chromium_fixture_gives_an_executable"],
        capture_output=True, text=True, env=env, cwd=HERE.parents[2], timeout=120)
    assert outcome in done.stdout, done.stdout + done.stderr
    assert "no Chromium found" in done.stdout
    if ci:
        assert "CI=true requires the browser checks" in done.stdout
