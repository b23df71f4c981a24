"""The four packages load from this repository, not from same-named PyPI projects."""

import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["simulator", "personas", "scenarios", "evaluators"])
def test_package_loads_from_repo(name: str) -> None:
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == REPO / name


def test_records_import_nothing_from_the_project() -> None:
    source = (REPO / "simulator" / "records.py").read_text()
    for pkg in ("simulator", "personas", "scenarios", "evaluators"):
        assert f"from {pkg}" not in source and f"import {pkg}" not in source
