"""One import name, `convsim`: the four packages load from this repository under it."""

import importlib
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["simulator", "personas", "scenarios", "evaluators"])
def test_package_loads_from_repo_under_convsim(name: str) -> None:
    module = importlib.import_module(f"convsim.{name}")
    assert Path(module.__file__).resolve().parent == REPO / name


def test_every_subpackage_is_installed() -> None:
    """A folder with an __init__.py that pyproject does not list would vanish on `pip install .`."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"convsim"}
    for top in ("simulator", "personas", "scenarios", "evaluators"):
        for init in (REPO / top).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO).parts
            found.add(".".join(("convsim", *rel)))
    assert found == listed
