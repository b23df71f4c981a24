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
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

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


class LabelSet(NamedTuple):
    """A held-out label set drawn by a script of tests/data; `label_set_tests` checks it."""

    split: str
    """Its name: the file is evaluator_labels_{split}.jsonl, its script make_evaluator_labels_{split}.py."""
    earlier: tuple[str, ...]
    """The files of the sets drawn before it (none of their turns may be in it)."""
    positives: dict[str, int]
    """Positives per label, as tests/data/EVALUATOR_LABELS.md states them."""
    turns: int
    """Its size as the document states it."""
    near_duplicates: bool = True
    """Also no near-duplicate of an earlier turn (the fifth script's `norm`), and a random share."""


def near_duplicates_of(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> set[str]:
    """Texts of `new` that repeat one of `old` (or another of `new`) once lower-cased with digit
    runs and whitespace runs collapsed (the fifth draw script's `norm`): "Flight HAT175 costs
    $155" repeats "flight hat266 costs $146"."""
    norm = load("make_evaluator_labels_fifth", DATA / "make_evaluator_labels_fifth.py").norm
    assert norm("Flight  HAT175 costs $155") == norm("flight hat266 costs\n$146")
    texts = [norm(r["text"]) for r in new]
    return ({norm(r["text"]) for r in old} & set(texts)) | {t for t in texts if texts.count(t) > 1}


def label_set_tests(labels: LabelSet) -> dict[str, Callable[..., None]]:
    """The format tests of a held-out label set, by name (a test module adds them to its globals
    for pytest to collect): fields and types (>= 300 turns, >= 3 sources), no turn of an earlier
    set, the documented positives, the file what its draw script gives plus the labels."""
    path = DATA / f"evaluator_labels_{labels.split}.jsonl"

    def test_every_line_has_the_documented_fields_and_types() -> None:
        rows = assert_well_formed(path, labels.split, 300)
        assert len({r["source"] for r in rows}) >= 3

    @pytest.mark.parametrize("earlier", labels.earlier)
    def test_no_turn_of_an_earlier_set_is_in_it(earlier: str) -> None:
        assert_disjoint(records(DATA / earlier), records(path))

    @pytest.mark.parametrize("earlier", labels.earlier)
    def test_no_near_duplicate_of_an_earlier_turn_is_in_it(earlier: str) -> None:
        assert not near_duplicates_of(records(DATA / earlier), records(path))

    def test_about_a_third_of_each_source_is_drawn_at_random() -> None:
        """At least a quarter of each source is unstratified, never more than half."""
        rows = records(path)
        for source in {r["source"] for r in rows}:
            drawn = [r["drawn_as"] for r in rows if r["source"] == source]
            assert 0.25 <= drawn.count("random") / len(drawn) <= 0.5, source

    def test_positives_are_the_documented_counts() -> None:
        """tests/data/EVALUATOR_LABELS.md states these: a relabel must update the document."""
        rows = records(path)
        assert {k: sum(r[k] for r in rows) for k in LABELS} == labels.positives
        doc = (DATA / "EVALUATOR_LABELS.md").read_text(encoding="utf-8")
        assert path.name in doc and f"**{labels.turns} agent turns**" in doc

    def test_the_file_is_what_the_draw_script_gives_plus_labels() -> None:
        assert_drawn_by(path, DATA / f"make_evaluator_labels_{labels.split}.py")

    tests = [test_every_line_has_the_documented_fields_and_types,
             test_no_turn_of_an_earlier_set_is_in_it, test_positives_are_the_documented_counts,
             test_the_file_is_what_the_draw_script_gives_plus_labels]
    if labels.near_duplicates:
        tests += [test_no_near_duplicate_of_an_earlier_turn_is_in_it,
                  test_about_a_third_of_each_source_is_drawn_at_random]
    return {t.__name__: t for t in tests}
