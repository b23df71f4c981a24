"""What the journey tests do as a user at a shell: run `convsim ARGS`, and start a folder
with a domain pack copied in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from convsim.cli.main import app


def convsim(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """`convsim ARGS` through the CLI app, as a user's shell would run it (never a traceback)."""
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    return result


def folder_with_pack(factory: pytest.TempPathFactory, name: str, pack: Path) -> tuple[Path, Path]:
    """A fresh folder `name` (the user's) and the copy of `pack` in it, under the pack's name."""
    root = factory.mktemp(name)
    copy = root / pack.name
    shutil.copytree(pack, copy)
    return root, copy
