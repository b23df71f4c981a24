"""Format checks every held-out evaluator label set gets (tests/data/evaluator_labels_*.jsonl,
drawn by tests/data/make_evaluator_labels_*.py): documented fields and types, no turn of an
earlier set, and the file is what its draw script gives plus the labels. Format only -- no
recogniser runs here.

Loaded by path (the tests run with --import-mode=importlib):
``checks = load("label_checks", Path(__file__).with_name("label_checks.py"))``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

DATA = Path(__file__).parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"  # ../shared beside the clone
LABELS = ("consent_asked", "success_claimed", "transfer", "cost_disclosed")
FIELDS = {"id", "source", "file", "locator", "text", "customer_before", "drawn_as", *LABELS, "split"}
SOURCES = {"tau_bench", "tau_bench_few_shot", "taskmaster4", "taskmaster1", "abcd"}


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def records(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:  # name the line, so a broken one is easy to find
            pytest.fail(f"{path.name} line {n}: not JSON ({e})")
    return out


def assert_well_formed(path: Path, split: str, at_least: int) -> list[dict[str, Any]]:
    """Every line has the documented fields and types, a known source and `split`; ids are the
    source and a digest of file|locator; ids and texts are unique. Returns the records."""
    rows = records(path)
    assert len(rows) >= at_least
    for n, r in enumerate(rows, 1):
        where = f"{path.name} line {n}"
        assert FIELDS <= set(r) <= FIELDS | {"note"}, (where, sorted(set(r) ^ FIELDS))
        for k in LABELS:
            assert isinstance(r[k], bool), (where, k)
        for k in FIELDS - set(LABELS):
            assert isinstance(r[k], str), (where, k)
        assert isinstance(r.get("note", ""), str) and r.get("note") != "", where
        assert r["split"] == split and r["source"] in SOURCES, where
        assert r["text"].strip() and len(r["text"]) <= 600, where
        digest = hashlib.sha256(f"{r['file']}|{r['locator']}".encode()).hexdigest()[:8]
        assert r["id"] == f"{r['source']}-{digest}", where
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"].strip().lower() for r in rows}) == len(rows)
    return rows


def assert_disjoint(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """No turn of `old` is in `new`: by id, by file and locator, by text (case-folded)."""
    assert not {r["id"] for r in old} & {r["id"] for r in new}
    assert not {(r["file"], r["locator"]) for r in old} & {(r["file"], r["locator"]) for r in new}
    assert not {r["text"].strip().lower() for r in old} & {r["text"].strip().lower() for r in new}


def assert_drawn_by(path: Path, script: Path) -> None:
    """Redraw with `script` (when the shared data copy is present) and compare everything but
    the labels."""
    present = (SHARED / "tau_bench").is_dir()
    # CI always has ../shared beside the clone: there the check must run, never skip.
    assert present or not os.environ.get("CI"), f"no shared data copy at {SHARED}"
    if not present:
        pytest.skip(f"shared data copy {SHARED} not present")
    drawn, _ = load(script.stem, script).draw(SHARED)
    keep = FIELDS - set(LABELS)
    assert [{k: r[k] for k in keep} for r in records(path)] == [{k: r[k] for k in keep} for r in drawn]
