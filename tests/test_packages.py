"""One import name, `convsim`, in one real folder: the import path is the file path."""

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "convsim"
# Folders of data or template text inside the package, not Python packages.
NOT_PACKAGES = {"data", "scaffold", "agents", "fixtures", "__pycache__"}


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        if NOT_PACKAGES & set(rel.parts):
            continue
        out.append(".".join(p for p in rel.parts if p != "__init__"))
    return out


@pytest.mark.parametrize("name", ["simulator", "personas", "scenarios", "evaluators"])
def test_the_four_components_are_top_level_packages(name: str) -> None:
    module = importlib.import_module(f"convsim.{name}")
    assert Path(module.__file__).resolve() == PACKAGE / name / "__init__.py"


def test_every_module_lives_at_its_import_path() -> None:
    """`convsim.a.b` is `convsim/a/b.py` (or `convsim/a/b/__init__.py`): no package-dir mapping."""
    for name in _modules():
        module = importlib.import_module(name)
        expected = REPO.joinpath(*name.split("."))
        assert Path(module.__file__).resolve() in (expected.with_suffix(".py"),
                                                   expected / "__init__.py"), name


def test_every_folder_with_python_code_is_a_package() -> None:
    """A folder of modules without __init__.py would vanish from `pip install .`."""
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if NOT_PACKAGES & set(rel.parts):
            continue
        assert (path.parent / "__init__.py").is_file(), path.parent


def test_every_convsim_import_names_a_real_module() -> None:
    """Imports of `convsim.x.y` in the package resolve to files (catches a stale path after a move)."""
    known = set(_modules())
    for path in PACKAGE.rglob("*.py"):
        if NOT_PACKAGES & set(path.relative_to(PACKAGE).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("convsim"):
                assert node.module in known, f"{path}: from {node.module} import ..."
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    mod = importlib.import_module(node.module)
                    assert full in known or hasattr(mod, alias.name), f"{path}: {full}"


def test_a_regular_install_holds_every_module_and_its_data(tmp_path: Path) -> None:
    """`pip install .` (not editable) ships the same tree: modules, pack data, scaffold.

    Built from a copy: a build writes `convsim.egg-info` beside the sources, and one left
    in the checkout would shadow the installed metadata (the plug-ins' entry points) for
    every command run from the repository root."""
    source_copy = tmp_path / "checkout"
    for name in ("pyproject.toml", "README.md"):
        source_copy.mkdir(exist_ok=True)
        shutil.copy2(REPO / name, source_copy / name)
    shutil.copytree(PACKAGE, source_copy / "convsim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source_copy)], check=True, capture_output=True)
    top = sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info"))
    assert top == ["bin", "convsim"]  # the `convsim` script and the one import name
    installed = {p.relative_to(target).as_posix() for p in (target / "convsim").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    source = {p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert source - installed == set()


def test_the_entry_points_convsim_runs_with_are_the_pyproject_ones() -> None:
    """The metadata Python finds for convsim (installed, or a build's leftover egg-info in
    the working folder) registers the plug-ins pyproject.toml declares."""
    import tomllib
    from importlib.metadata import distribution

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    found = {(ep.group, ep.name, ep.value) for ep in distribution("convsim").entry_points}
    for group, entries in declared.items():
        for name, value in entries.items():
            assert (group, name, value) in found, (
                f"{group} {name} = {value} is not in convsim's installed metadata: reinstall "
                "(pip install -e .) or delete a stale convsim.egg-info in the working folder")
